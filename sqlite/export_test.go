package sqlite

import (
	"context"
	"database/sql"
	"slices"
)

// RawForTest exposes the write connection to this package's tests, which
// check what is really stored (hashes, not tokens).
func (db *DB) RawForTest() *sql.DB { return db.writer }

// SetPreparedForTest turns the read pool's prepared statements on or off,
// so a benchmark compares both in one run.
func (db *DB) SetPreparedForTest(on bool) { db.reader.off.Store(!on) }

// SetMaxSpeakersForTest makes search list at most n speakers before it
// reads every candidate's speaker; the returned func restores the limit.
func SetMaxSpeakersForTest(n int) func() {
	old := maxSpeakers
	maxSpeakers = n
	return func() { maxSpeakers = old }
}

// BestFirstForTest runs bestFirst on candidates of these ids and scores
// and returns the ids in their new order, and the ids in byScore's order.
func BestFirstForTest(ids []int64, scores []float64, n int) (got, sorted []int64) {
	cs := make([]candidate, len(ids))
	for i := range ids {
		cs[i] = candidate{id: ids[i], score: scores[i]}
	}
	all := slices.Clone(cs)
	byScore(all)
	bestFirst(cs, n)
	for i := range cs {
		got, sorted = append(got, cs[i].id), append(sorted, all[i].id)
	}
	return got, sorted
}

// OpenAtVersionForTest opens path migrated only up to version v.
func OpenAtVersionForTest(ctx context.Context, path string, v int) (*DB, error) {
	migrateUpTo = v
	defer func() { migrateUpTo = 0 }()
	return Open(ctx, path)
}
