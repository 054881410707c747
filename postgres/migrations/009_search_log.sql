-- The change log the in-process search index (package postings) catches up
-- on before every search: one row per insert, update or delete of a search
-- document, written by statement triggers in the writing transaction, so
-- every replica sees every committed change at its next search. Numbers
-- come from a sequence: a transaction may commit after one holding a later
-- number, which the index handles (postings.Live waits for such gaps).
CREATE TABLE search_log (
	seq    bigserial PRIMARY KEY,
	doc_id bigint NOT NULL
);
CREATE FUNCTION search_log_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO search_log (doc_id) SELECT id FROM new_docs ORDER BY id;
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO search_log (doc_id) SELECT id FROM old_docs ORDER BY id;
	ELSE
		INSERT INTO search_log (doc_id) SELECT id FROM old_docs UNION SELECT id FROM new_docs ORDER BY 1;
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER search_log_insert AFTER INSERT ON search_docs
	REFERENCING NEW TABLE AS new_docs FOR EACH STATEMENT EXECUTE FUNCTION search_log_write();
CREATE TRIGGER search_log_update AFTER UPDATE ON search_docs
	REFERENCING OLD TABLE AS old_docs NEW TABLE AS new_docs FOR EACH STATEMENT EXECUTE FUNCTION search_log_write();
CREATE TRIGGER search_log_delete AFTER DELETE ON search_docs
	REFERENCING OLD TABLE AS old_docs FOR EACH STATEMENT EXECUTE FUNCTION search_log_write();
