package sqlite

import "database/sql"

// RawForTest exposes the write connection to this package's tests, which
// check what is really stored (hashes, not tokens).
func (db *DB) RawForTest() *sql.DB { return db.writer }

// SetMaxSpeakersForTest makes search list at most n speakers before it
// reads every candidate's speaker; the returned func restores the limit.
func SetMaxSpeakersForTest(n int) func() {
	old := maxSpeakers
	maxSpeakers = n
	return func() { maxSpeakers = old }
}
