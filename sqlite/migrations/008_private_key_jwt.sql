-- migrate: foreign_keys=off
-- oauth_clients gains private_key_jwt (RFC 7523) in its auth_method CHECK.
-- SQLite cannot alter a CHECK, so the table is rebuilt; oauth_grants and
-- oauth_codes reference it ON DELETE CASCADE, hence foreign keys off.
CREATE TABLE oauth_clients_new (
	id             TEXT    PRIMARY KEY,
	secret_hash    TEXT    NOT NULL DEFAULT '',
	name           TEXT    NOT NULL DEFAULT '',
	redirect_uris  TEXT    NOT NULL,
	grant_types    TEXT    NOT NULL,
	response_types TEXT    NOT NULL,
	auth_method    TEXT    NOT NULL CHECK (auth_method IN ('none', 'client_secret_post', 'client_secret_basic', 'private_key_jwt')),
	created_at     INTEGER NOT NULL,
	last_used_at   INTEGER
) WITHOUT ROWID;
INSERT INTO oauth_clients_new (id, secret_hash, name, redirect_uris, grant_types, response_types, auth_method, created_at, last_used_at)
	SELECT id, secret_hash, name, redirect_uris, grant_types, response_types, auth_method, created_at, last_used_at FROM oauth_clients;
DROP TABLE oauth_clients;
ALTER TABLE oauth_clients_new RENAME TO oauth_clients;
CREATE INDEX oauth_clients_unused ON oauth_clients(created_at) WHERE last_used_at IS NULL;

-- Client assertion ids seen (RFC 7523 3: jti single use), kept until the
-- assertion expires so that every replica refuses a replay.
CREATE TABLE oauth_assertion_jtis (
	client_id  TEXT    NOT NULL,
	jti        TEXT    NOT NULL,
	expires_at INTEGER NOT NULL,
	PRIMARY KEY (client_id, jti)
) WITHOUT ROWID;
CREATE INDEX oauth_assertion_jtis_expires ON oauth_assertion_jtis(expires_at);
