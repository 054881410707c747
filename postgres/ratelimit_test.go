package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel/ratelimit"
)

// TestRateCountsAreSharedAndExactAcrossPools: two stores on one database,
// as two replicas are, count one key concurrently; every request is
// counted once, so together they allow exactly the limit.
func TestRateCountsAreSharedAndExactAcrossPools(t *testing.T) {
	u := freshSchema(t)
	a, b := openURL(t, u), openURL(t, u)
	at := time.Date(2026, 3, 4, 10, 0, 30, 0, time.UTC)
	now := func() time.Time { return at }
	la := &ratelimit.Limiter{Counter: a, Limit: 40, Now: now}
	lb := &ratelimit.Limiter{Counter: b, Limit: 40, Now: now}
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := la
			if i%2 == 1 {
				l = lb
			}
			if ok, _ := l.Allow(context.Background(), "mcp:c:shared"); ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if allowed != 40 {
		t.Fatalf("%d of 100 allowed across two pools, want 40", allowed)
	}
	ctx := context.Background()
	if n, err := a.CountRate(ctx, "mcp:c:shared", at.Truncate(time.Minute)); err != nil || n != 101 {
		t.Fatalf("count %d (%v), want 101", n, err)
	}
	if n, err := b.CountRate(ctx, "mcp:c:shared", at.Truncate(time.Minute).Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("the next window's count %d (%v), want 1", n, err)
	}
	n, err := b.SweepRates(ctx, at.Truncate(time.Minute).Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("sweep removed %d (%v), want the one old window", n, err)
	}
	if n, _ := a.CountRate(ctx, "mcp:c:shared", at.Truncate(time.Minute)); n != 1 {
		t.Fatalf("a swept window counts from %d, want 1", n)
	}
}

// BenchmarkCountRate is the shared limit's cost per request on PostgreSQL:
// one upsert round trip.
func BenchmarkCountRate(b *testing.B) {
	db := open(b)
	ctx := context.Background()
	w := time.Now().UTC().Truncate(time.Minute)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.CountRate(ctx, "mcp:c:bench", w); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPing is one bare round trip, CountRate's floor.
func BenchmarkPing(b *testing.B) {
	db := open(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := db.Ping(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
