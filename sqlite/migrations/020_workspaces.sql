-- Workspaces and memberships (DESIGN §12). Everything stored so far moves
-- into one default workspace, "General", whose members are today's users:
-- admins as chairs (they saw everything before), everyone else as members.
-- Numbered 020 to leave room for migrations other branches add meanwhile.

CREATE TABLE workspaces (
	id          INTEGER PRIMARY KEY,
	slug        TEXT    NOT NULL UNIQUE,
	name        TEXT    NOT NULL,
	is_default  INTEGER NOT NULL DEFAULT 0,
	archived_at INTEGER,
	created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX workspaces_name ON workspaces(lower(name));
CREATE UNIQUE INDEX workspaces_one_default ON workspaces(is_default) WHERE is_default = 1;

CREATE TABLE memberships (
	workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role         TEXT    NOT NULL CHECK (role IN ('viewer', 'member', 'chair')),
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (workspace_id, user_id)
) WITHOUT ROWID;
CREATE INDEX memberships_user ON memberships(user_id, workspace_id);

INSERT INTO workspaces (id, slug, name, is_default, created_at)
	VALUES (1, 'general', 'General', 1, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
INSERT INTO memberships (workspace_id, user_id, role, created_at)
	SELECT 1, id, CASE WHEN admin THEN 'chair' ELSE 'member' END, created_at FROM users;

-- SQLite cannot add a column with both REFERENCES and a non-NULL default
-- while foreign keys are on; workspaces are archived, never deleted, and the
-- store sets the column on every insert.
ALTER TABLE meetings ADD COLUMN workspace_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE actions ADD COLUMN workspace_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN default_workspace_id INTEGER;
CREATE INDEX meetings_workspace_date ON meetings(workspace_id, date DESC, id DESC);
CREATE INDEX actions_workspace ON actions(workspace_id);
