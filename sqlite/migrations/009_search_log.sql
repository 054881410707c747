-- The change log the in-process search index (package postings) catches up
-- on before every search: one row per insert, update or delete of a search
-- document, written by trigger in the writing transaction, so every
-- process sharing the file sees every committed change. AUTOINCREMENT:
-- numbers only grow, even after the newest rows are deleted.
CREATE TABLE search_log (
	seq    INTEGER PRIMARY KEY AUTOINCREMENT,
	doc_id INTEGER NOT NULL
);
CREATE TRIGGER search_log_insert AFTER INSERT ON search_docs BEGIN
	INSERT INTO search_log (doc_id) VALUES (new.id);
END;
CREATE TRIGGER search_log_update AFTER UPDATE ON search_docs BEGIN
	INSERT INTO search_log (doc_id) VALUES (old.id);
	INSERT INTO search_log (doc_id) SELECT new.id WHERE new.id <> old.id;
END;
CREATE TRIGGER search_log_delete AFTER DELETE ON search_docs BEGIN
	INSERT INTO search_log (doc_id) VALUES (old.id);
END;
