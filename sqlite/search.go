package sqlite

import (
	"context"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/postings"
)

// How search ranks.
//
// The flow is shared (sqlstore.SearchWith): ranking on the in-process
// index (package postings), which both stores feed, so SQLite and
// PostgreSQL rank alike, and snippets made from the page's text by the
// same code. The index holds every search document's terms (FTS5's
// tokenizer, porter unicode61 remove_diacritics 2, rebuilt in Go); it is
// built from search_docs at the first search and catches up with
// search_log (migration 009, written by triggers) before each search, so
// writes by any process on the file are seen (postings.Live). Visibility
// and filters are checked in SQL by the shared flow.

// Search ranks what the actor may see against the words of q.Query: the
// shared flow (sqlstore.SearchWith).
func (db *DB) Search(ctx context.Context, q meetingintel.SearchQuery) ([]meetingintel.SearchHit, error) {
	return db.SearchWith(ctx, q, engine{db})
}

// engine is SQLite's part of search: the index handle.
type engine struct{ db *DB }

// Index returns the in-process index, caught up with search_log.
func (e engine) Index(ctx context.Context) (*postings.Index, error) { return e.db.search.Index(ctx) }
