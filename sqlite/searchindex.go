package sqlite

import (
	"context"
)

// WarmSearch builds the in-process search index now rather than at the
// first search (serve calls it at start).
func (db *DB) WarmSearch(ctx context.Context) error {
	_, err := db.search.Index(ctx)
	return err
}

// SearchRebuilds returns how many times the in-process search index was
// built again because the change log had been trimmed past it.
func (db *DB) SearchRebuilds() int { return db.search.Rebuilds() }
