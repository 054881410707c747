-- The workspace a credential (a PAT, an OAuth grant) switched to with the
-- MCP tool switch_workspace: kept per credential, not per user, so one
-- client's switch does not move another's. Twin of SQLite's 021.
CREATE TABLE workspace_choices (
	credential   text   COLLATE "C" PRIMARY KEY, -- "pat:ID", "oauth:GRANT_ID", ...
	user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	workspace_id bigint NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
	updated_at   bigint NOT NULL
);
