package meetingintel

import (
	"context"
	"time"
)

// RateCounter counts requests per key in fixed windows. The postgres store
// implements it, so replicas on one database share a limit; on SQLite (one
// process) the limiter counts in memory instead.
type RateCounter interface {
	// CountRate adds one to key's count in the window that starts at
	// window and returns the count after it, atomically.
	CountRate(ctx context.Context, key string, window time.Time) (int64, error)
	// SweepRates removes the counts of windows that started before before.
	SweepRates(ctx context.Context, before time.Time) (int64, error)
}
