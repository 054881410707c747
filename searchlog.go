package meetingintel

import (
	"context"
	"time"
)

// DefaultSearchLogRetention is how long the search change log keeps a
// change (SEARCH_LOG_RETENTION). The log only serves indexes catching up:
// a serving index reads it at every search, so seconds would do for a busy
// one; two days let a replica idle overnight or over a quiet day catch up
// in milliseconds rather than rebuild (14 to 45 s at 3M lines), while
// bounding the log to two days of writes. It is far above postings.GapWait
// (5 minutes), so a change awaited as a gap is never trimmed.
const DefaultSearchLogRetention = 48 * time.Hour

// MinSearchLogRetention is the shortest retention accepted: well above
// the 5 minutes a missing change number is awaited.
const MinSearchLogRetention = time.Hour

// SearchLogSweeper trims a store's search change log. An index whose last
// applied change was trimmed rebuilds from the tables (package postings),
// so trimming never loses a write, only costs a late index a rebuild.
type SearchLogSweeper interface {
	// SweepSearchLog records the log's head as of now and deletes the
	// changes at or below the newest head recorded at least retain before
	// now, always keeping the newest change. It returns how many changes
	// it deleted.
	SweepSearchLog(ctx context.Context, now time.Time, retain time.Duration) (int64, error)
}
