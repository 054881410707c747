-- Single sign-on identities: a user is linked once by verified email, then
-- found by (issuer, subject) for good, so an email change at the provider
-- does not make a new user.
CREATE TABLE user_identities (
	issuer     TEXT    NOT NULL,
	subject    TEXT    NOT NULL,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user_id ON user_identities(user_id);

-- A PAT may expire (chosen at creation); NULL never expires.
ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
