-- Search ranks and makes snippets on the in-process index (package
-- postings), which is fed from search_docs and search_log: the FTS5 index
-- is no longer read, so it is no longer kept: it was more than half of an
-- import's time (BenchmarkCreateMeeting300Segments runs 2.4 times as fast
-- without it) and a sixth of the file (3M lines: 1.26 GB, 1.05 GB after
-- this and a VACUUM). Dropping the virtual table drops its shadow tables.
DROP TABLE search_fts;
DROP VIEW search_content;
