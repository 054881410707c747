-- oauth_clients gains private_key_jwt (RFC 7523) in its auth_method CHECK
-- (002 declared it inline, so PostgreSQL named it oauth_clients_auth_method_check).
ALTER TABLE oauth_clients DROP CONSTRAINT oauth_clients_auth_method_check;
ALTER TABLE oauth_clients ADD CONSTRAINT oauth_clients_auth_method_check
	CHECK (auth_method IN ('none', 'client_secret_post', 'client_secret_basic', 'private_key_jwt'));

-- Client assertion ids seen (RFC 7523 3: jti single use), kept until the
-- assertion expires so that every replica refuses a replay.
CREATE TABLE oauth_assertion_jtis (
	client_id  text   NOT NULL,
	jti        text   NOT NULL,
	expires_at bigint NOT NULL,
	PRIMARY KEY (client_id, jti)
);
CREATE INDEX oauth_assertion_jtis_expires ON oauth_assertion_jtis(expires_at);
