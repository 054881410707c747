-- Search ranks and makes snippets on the in-process index (package
-- postings), fed from search_docs and search_log: the tsvector column and
-- its GIN index are no longer read, so they are no longer kept. Dropping
-- the column drops the index.
ALTER TABLE search_docs DROP COLUMN tsv;
