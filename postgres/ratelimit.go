package postgres

import (
	"context"
	"time"
)

// CountRate adds one to key's counter for the window starting at window
// and returns the new count: one atomic upsert, so replicas sharing the
// database share the limit without a lock.
func (db *DB) CountRate(ctx context.Context, key string, window time.Time) (int64, error) {
	var n int64
	err := db.pool.QueryRow(ctx, `INSERT INTO rate_counters (key, window_start, count) VALUES ($1, $2, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1 RETURNING count`,
		key, window.UnixMilli()).Scan(&n)
	return n, internal(err)
}

// SweepRates removes the counters of windows that started before before.
func (db *DB) SweepRates(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM rate_counters WHERE window_start < $1`, before.UnixMilli())
	if err != nil {
		return 0, internal(err)
	}
	return tag.RowsAffected(), nil
}
