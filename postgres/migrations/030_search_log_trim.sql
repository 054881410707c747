-- search_log is trimmed by serve's sweep (SEARCH_LOG_RETENTION): each sweep
-- records the log's head and when, so a later one knows which changes are
-- older than the retention without a time on every row; the changes at or
-- below the newest head recorded before the retention are deleted (the
-- newest change always kept) and search_log_trimmed keeps the highest
-- number deleted, which an index left behind it compares with and rebuilds
-- (package postings).
CREATE TABLE search_log_marks (
	seq bigint PRIMARY KEY,  -- the log's head at a sweep
	at  bigint NOT NULL      -- then, Unix milliseconds
);
CREATE TABLE search_log_trimmed (
	id  integer PRIMARY KEY CHECK (id = 1),
	seq bigint NOT NULL -- highest change number deleted (0: none)
);
INSERT INTO search_log_trimmed (id, seq) VALUES (1, 0);
