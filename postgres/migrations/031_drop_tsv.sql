-- Search ranks and makes snippets on the in-process index (package
-- postings), fed from search_docs and search_log: the tsvector column and
-- its GIN index are no longer read. The index goes now; the column only
-- stops being required, because replicas of the previous build, which
-- still write it, serve beside the new ones while a deployment rolls
-- over. A later migration drops it, once no running build writes it.
DROP INDEX search_docs_tsv;
ALTER TABLE search_docs ALTER COLUMN tsv DROP NOT NULL;
