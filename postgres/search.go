package postgres

import (
	"context"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/postings"
)

// How search works.
//
// The flow is shared (sqlstore.SearchWith): ranking on the in-process
// index (package postings), which both stores feed, so PostgreSQL and
// SQLite rank alike, with the same words matching (FTS5's tokenizer and
// Porter stemmer, in Go), and snippets made from the page's text by the
// same code. The index is built from search_docs at the first search and
// catches up with search_log (migration 009, written by statement
// triggers) before every search, so each replica sees every committed
// write, its own and the others' (postings.Live). Visibility and filters
// are checked in SQL by the shared flow.

// Search ranks what the actor may see against the words of q.Query: the
// shared flow (sqlstore.SearchWith).
func (db *DB) Search(ctx context.Context, q meetingintel.SearchQuery) ([]meetingintel.SearchHit, error) {
	return db.SearchWith(ctx, q, engine{db})
}

// engine is PostgreSQL's part of search: the index handle.
type engine struct{ db *DB }

// Index returns the in-process index, caught up with search_log.
func (e engine) Index(ctx context.Context) (*postings.Index, error) { return e.db.search.Index(ctx) }
