package sqlite

import "database/sql"

// RawForTest exposes the write connection to this package's tests, which
// check what is really stored (hashes, not tokens).
func (db *DB) RawForTest() *sql.DB { return db.writer }
