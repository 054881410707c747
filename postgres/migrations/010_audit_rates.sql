-- The audit trail: one row per write, sign-in, token or grant change and MCP
-- tool call. No foreign keys: a row outlives the user, meeting or token it
-- names. workspace_id stays NULL until workspaces exist.
CREATE TABLE audit_log (
    id           BIGSERIAL PRIMARY KEY,
    at           BIGINT NOT NULL,            -- UTC unix milliseconds, as every time here
    user_id      BIGINT,
    user_email   TEXT NOT NULL DEFAULT '',
    via          TEXT NOT NULL DEFAULT '',
    client       TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    tool         TEXT NOT NULL DEFAULT '',
    workspace_id BIGINT,
    workspace    TEXT NOT NULL DEFAULT '',
    target_type  TEXT NOT NULL DEFAULT '',
    target_id    TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (user_email, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

-- Rate limit counters shared by replicas: one row per key and fixed
-- window, bumped by an atomic upsert. Unlogged: losing the counts of the
-- current minute in a crash is harmless, and it spares the WAL a write per
-- request. The key is a hash, never a credential.
CREATE UNLOGGED TABLE rate_counters (
    key          TEXT NOT NULL,
    window_start BIGINT NOT NULL,            -- UTC unix milliseconds
    count        INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_counters_window ON rate_counters (window_start);
