-- The workspace a credential (a PAT, an OAuth grant) switched to with the
-- MCP tool switch_workspace: kept per credential, not per user, so one
-- client's switch does not move another's.
CREATE TABLE workspace_choices (
	credential   TEXT    PRIMARY KEY, -- "pat:ID", "oauth:GRANT_ID", ...
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
	updated_at   INTEGER NOT NULL
) WITHOUT ROWID;
