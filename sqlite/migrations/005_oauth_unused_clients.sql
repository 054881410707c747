-- Registered clients that no authorization used are swept after a day
-- (UnusedOAuthClientTTL): the sweep looks them up by age and checks that no
-- code of theirs is stored, so both lookups need an index.
CREATE INDEX oauth_clients_unused ON oauth_clients(created_at) WHERE last_used_at IS NULL;
CREATE INDEX oauth_codes_client ON oauth_codes(client_id);
