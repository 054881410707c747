package sqlstore

import (
	"context"
	"time"
)

// trimBatch is how many change numbers one transaction of the sweep
// deletes: a day of a large import is millions of rows, and SQLite's one
// writer should not be held for all of them at once.
const trimBatch = 50_000

// SweepSearchLog implements meetingintel.SearchLogSweeper (migration 030).
// Each batch deletes its changes and raises search_log_trimmed in one
// transaction, so an index that reads the log and then the mark never sees
// changes gone without the mark saying so.
func (db *Store) SweepSearchLog(ctx context.Context, now time.Time, retain time.Duration) (int64, error) {
	// The head's mark keeps the earliest time it was seen: the changes at or
	// below it were all written by then.
	if _, err := db.exec(ctx, `INSERT INTO search_log_marks (seq, at)
		SELECT coalesce(max(seq), 0), ? FROM search_log WHERE true ON CONFLICT (seq) DO NOTHING`, MS(now)); err != nil {
		return 0, db.internal(err)
	}
	var cut, newest, trimmed int64
	err := db.W.QueryRowContext(ctx, db.Q(`SELECT
		(SELECT coalesce(max(seq), 0) FROM search_log_marks WHERE at <= ?),
		(SELECT coalesce(max(seq), 0) FROM search_log),
		(SELECT seq FROM search_log_trimmed WHERE id = 1)`), MS(now.Add(-retain))).Scan(&cut, &newest, &trimmed)
	if err != nil {
		return 0, db.internal(err)
	}
	// The newest change stays, so that an index behind a trim always reads
	// a change after its own and so learns of the trim.
	cut = min(cut, newest-1)
	batch := db.TrimBatch
	if batch <= 0 {
		batch = trimBatch
	}
	var removed int64
	for from := trimmed; from < cut; from += batch {
		to := min(from+batch, cut)
		var n int64
		err := db.write(ctx, func(tx *Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM search_log WHERE seq > ? AND seq <= ?`, from, to)
			if err != nil {
				return tx.Internal(err)
			}
			if n, err = res.RowsAffected(); err != nil {
				return tx.Internal(err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE search_log_trimmed SET seq = `+db.D.Greatest+`(seq, ?) WHERE id = 1`, to); err != nil {
				return tx.Internal(err)
			}
			return nil
		})
		if err != nil {
			return removed, err
		}
		removed += n
	}
	if cut > 0 {
		if _, err := db.exec(ctx, `DELETE FROM search_log_marks WHERE seq <= ?`, cut); err != nil {
			return removed, db.internal(err)
		}
	}
	return removed, nil
}
