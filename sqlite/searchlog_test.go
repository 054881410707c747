package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/sqlite"
	"github.com/meetingintel/meetingintel/storetest"
)

// The sweep, in batches of 3 numbers, deletes exactly the changes at or
// below the head it marked a retention ago, raises the trim mark to it and
// keeps every later change; a second process on the file, whose index is
// older than the trim, rebuilds and finds both meetings.
func TestSearchLogSweepInBatches(t *testing.T) {
	bg := context.Background()
	path := filepath.Join(t.TempDir(), "mi.db")
	var dbs [2]*sqlite.DB
	for i := range dbs {
		db, err := sqlite.Open(bg, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	w, r := dbs[0], dbs[1]
	w.SetTrimBatchForTest(3)
	ctx := storetest.Actor(t, w, "ann@example.com")
	search := func(db *sqlite.DB, q string) int {
		t.Helper()
		hits, err := db.Search(ctx, meetingintel.SearchQuery{Query: q, Limit: meetingintel.MaxLimit})
		if err != nil {
			t.Fatalf("Search %s: %v", q, err)
		}
		return len(hits)
	}
	one := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := w.RawForTest().QueryRowContext(bg, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	create := func(title, word string, n int) {
		t.Helper()
		segs := make([]meetingintel.Segment, n)
		for i := range segs {
			segs[i] = meetingintel.Segment{Speaker: "Ann", StartMS: int64(i) * 1000, EndMS: int64(i+1) * 1000, Text: fmt.Sprintf("Line %d about the %s.", i, word)}
		}
		if err := w.CreateMeeting(ctx, &meetingintel.Meeting{Title: title, Date: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}, segs); err != nil {
			t.Fatal(err)
		}
	}
	if n := search(r, "walrus"); n != 0 {
		t.Fatalf("empty file found %d", n)
	}
	create("Zoo", "walrus", 10)
	head := one(`SELECT max(seq) FROM search_log`)
	old := one(`SELECT count(*) FROM search_log WHERE seq <= ?`, head)
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	retain := meetingintel.DefaultSearchLogRetention
	if n, err := w.SweepSearchLog(bg, t0, retain); err != nil || n != 0 {
		t.Fatalf("first sweep: %d, %v; want nothing deleted", n, err)
	}
	create("Aquarium", "narwhal", 4)
	recent := one(`SELECT count(*) FROM search_log WHERE seq > ?`, head)
	n, err := w.SweepSearchLog(bg, t0.Add(retain), retain)
	if err != nil || n != old || old < 11 {
		t.Fatalf("sweep a retention later: %d, %v; want the first meeting's %d changes (11 at least)", n, err, old)
	}
	if left, kept, mark := one(`SELECT count(*) FROM search_log WHERE seq <= ?`, head),
		one(`SELECT count(*) FROM search_log WHERE seq > ?`, head),
		one(`SELECT seq FROM search_log_trimmed`); left != 0 || kept != recent || mark != head {
		t.Errorf("after the sweep: %d old changes left, %d of %d recent kept, trim mark %d (want 0, all, %d)", left, kept, recent, mark, head)
	}
	if marks := one(`SELECT count(*) FROM search_log_marks WHERE seq <= ?`, head); marks != 0 {
		t.Errorf("%d marks at or below the trim left", marks)
	}
	if search(r, "walrus") != 10 || search(r, "narwhal") != 4 || r.SearchRebuilds() != 1 {
		t.Errorf("the other process: walrus %d, narwhal %d, rebuilds %d; want 10, 4, 1", search(r, "walrus"), search(r, "narwhal"), r.SearchRebuilds())
	}
}

// BenchmarkSearchLogSweep: a sweep deleting a log of 1M changes (a day of
// a large import), in the default batches; reports changes deleted per
// second.
func BenchmarkSearchLogSweep(b *testing.B) {
	bg := context.Background()
	db, err := sqlite.Open(bg, filepath.Join(b.TempDir(), "mi.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const rows = 1_000_000
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	retain := meetingintel.DefaultSearchLogRetention
	var deleted int64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, err := db.RawForTest().ExecContext(bg, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO search_log (doc_id) SELECT i FROM n`, rows); err != nil {
			b.Fatal(err)
		}
		now := t0.Add(time.Duration(2*i) * retain)
		if _, err := db.SweepSearchLog(bg, now, retain); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		n, err := db.SweepSearchLog(bg, now.Add(retain), retain)
		if err != nil || n < rows-1 {
			b.Fatalf("sweep: %d, %v", n, err)
		}
		deleted += n
	}
	b.ReportMetric(float64(deleted)/b.Elapsed().Seconds(), "changes/s")
}
