-- The audit trail: one row per write, sign-in, token or grant change and MCP
-- tool call. No foreign keys: a row outlives the user, meeting or token it
-- names. workspace_id stays NULL until workspaces exist.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,            -- UTC unix milliseconds
    user_id      INTEGER,
    user_email   TEXT NOT NULL DEFAULT '',
    via          TEXT NOT NULL DEFAULT '',
    client       TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    tool         TEXT NOT NULL DEFAULT '',
    workspace_id INTEGER,
    workspace    TEXT NOT NULL DEFAULT '',
    target_type  TEXT NOT NULL DEFAULT '',
    target_id    TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (user_email, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
