-- A session signed in with a PAT remembers it, so revoking the PAT ends
-- the sessions it opened (a leaked token must not outlive its revocation in
-- a browser). NULL for single sign-on sessions and sessions made before.
ALTER TABLE web_sessions ADD COLUMN token_id INTEGER REFERENCES tokens(id) ON DELETE CASCADE;
