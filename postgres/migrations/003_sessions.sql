-- Web UI sessions, the twin of sqlite's 003_sessions.sql. The cookie's
-- secret is stored only as its hex SHA-256. Times are UTC unix ms. A
-- session dies with its user.
CREATE TABLE web_sessions (
	hash         text   COLLATE "C" PRIMARY KEY,
	user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	method       text   NOT NULL DEFAULT 'token',
	created_at   bigint NOT NULL,
	last_seen_at bigint NOT NULL,
	expires_at   bigint NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);
CREATE INDEX web_sessions_expires ON web_sessions(expires_at);
