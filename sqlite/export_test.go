package sqlite

import (
	"context"
	"database/sql"
)

// RawForTest exposes the write connection to this package's tests, which
// check what is really stored (hashes, not tokens).
func (db *DB) RawForTest() *sql.DB { return db.writer }

// SetPreparedForTest turns the read pool's prepared statements on or off,
// so a benchmark compares both in one run.
func (db *DB) SetPreparedForTest(on bool) { db.reader.off.Store(!on) }

// OpenAtVersionForTest opens path migrated only up to version v.
func OpenAtVersionForTest(ctx context.Context, path string, v int) (*DB, error) {
	migrateUpTo = v
	defer func() { migrateUpTo = 0 }()
	return Open(ctx, path)
}

// SetTrimBatchForTest sets how many change numbers a search log sweep
// deletes per transaction, so a test crosses batches with a small log.
func (db *DB) SetTrimBatchForTest(n int64) { db.Store.TrimBatch = n }
