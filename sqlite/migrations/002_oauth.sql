-- OAuth 2.1 authorization server state (issue 4). Secrets, codes and refresh
-- tokens are stored only as hex SHA-256 hashes. Times are UTC unix ms.

-- Dynamically registered clients (RFC 7591). redirect_uris is a JSON array;
-- grant_types and response_types are space-separated.
CREATE TABLE oauth_clients (
	id             TEXT    PRIMARY KEY,
	secret_hash    TEXT    NOT NULL DEFAULT '',
	name           TEXT    NOT NULL DEFAULT '',
	redirect_uris  TEXT    NOT NULL,
	grant_types    TEXT    NOT NULL,
	response_types TEXT    NOT NULL,
	auth_method    TEXT    NOT NULL CHECK (auth_method IN ('none', 'client_secret_post', 'client_secret_basic')),
	created_at     INTEGER NOT NULL,
	last_used_at   INTEGER
) WITHOUT ROWID;

-- A user's consent to a client: the "connected app". scope is space-separated.
CREATE TABLE oauth_grants (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	client_id    TEXT    NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
	scope        TEXT    NOT NULL,
	resource     TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	last_used_at INTEGER,
	revoked_at   INTEGER
);
CREATE INDEX oauth_grants_user ON oauth_grants(user_id, id);
CREATE INDEX oauth_grants_client ON oauth_grants(client_id);

-- Authorization codes; a used code is kept (used_at, grant_id) so that a
-- replay can revoke the grant its first redemption created.
CREATE TABLE oauth_codes (
	hash           TEXT    PRIMARY KEY,
	client_id      TEXT    NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
	user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	redirect_uri   TEXT    NOT NULL,
	scope          TEXT    NOT NULL,
	resource       TEXT    NOT NULL,
	code_challenge TEXT    NOT NULL,
	created_at     INTEGER NOT NULL,
	expires_at     INTEGER NOT NULL,
	used_at        INTEGER,
	grant_id       INTEGER REFERENCES oauth_grants(id) ON DELETE SET NULL
) WITHOUT ROWID;
CREATE INDEX oauth_codes_expires ON oauth_codes(expires_at);

-- Refresh tokens, a chain per grant: rotated tokens are kept until they
-- expire so that a reuse is recognised (and revokes the grant).
CREATE TABLE oauth_refresh_tokens (
	hash        TEXT    PRIMARY KEY,
	grant_id    INTEGER NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	rotated_at  INTEGER,
	replaced_by TEXT    NOT NULL DEFAULT '',
	revoked_at  INTEGER
) WITHOUT ROWID;
CREATE INDEX oauth_refresh_tokens_grant ON oauth_refresh_tokens(grant_id);
