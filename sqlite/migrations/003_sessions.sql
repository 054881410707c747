-- Web UI sessions (issue 5). The cookie's secret is stored only as its hex
-- SHA-256. Times are UTC unix ms. A session dies with its user.
CREATE TABLE web_sessions (
	hash         TEXT    PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	method       TEXT    NOT NULL DEFAULT 'token',
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_user ON web_sessions(user_id);
CREATE INDEX web_sessions_expires ON web_sessions(expires_at);
