package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/postgres"
)

// runPostgres measures search on PostgreSQL: the same corpus imported (when
// the database holds no meeting yet), the same queries, timed the same way
// as on SQLite. It writes its own report, since the SQLite one measures
// what is SQLite's alone (the LIKE baseline, serve's memory).
func runPostgres(ctx context.Context, url string, nMeetings, nSegs int, out string) error {
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.FindUserByEmail(ctx, "priya.natarajan@corp.example")
	if err != nil {
		u = &meetingintel.User{Email: "priya.natarajan@corp.example", Name: "Priya Natarajan", Active: true}
		if err := db.CreateUser(ctx, u); err != nil {
			return err
		}
	}
	uctx := meetingintel.NewContextWithUser(ctx, u)
	existing, _, err := db.FindMeetings(uctx, meetingintel.MeetingFilter{Limit: 1})
	if err != nil {
		return err
	}
	var importRate float64
	if len(existing) == 0 {
		c := newCorpus(42)
		t0 := time.Now()
		for i := 0; i < nMeetings; i++ {
			m, segs := c.meeting(i, nSegs)
			if _, err := db.ImportMeeting(uctx, m, segs); err != nil {
				return fmt.Errorf("import meeting %d: %w", i, err)
			}
			if (i+1)%1000 == 0 {
				fmt.Fprintf(os.Stderr, "postgres: imported %d meetings (%.0f segments/s)\n", i+1, float64((i+1)*nSegs)/time.Since(t0).Seconds())
			}
		}
		importRate = float64(nMeetings*nSegs) / time.Since(t0).Seconds()
	}
	t0 := time.Now()
	if _, err := db.Search(uctx, meetingintel.SearchQuery{Query: queries[0], Limit: 10}); err != nil {
		return fmt.Errorf("first search: %w", err)
	}
	build := time.Since(t0)
	runtime.GC()
	var mst runtime.MemStats
	runtime.ReadMemStats(&mst)
	var all, words, qs latencies
	for _, q := range queries {
		_, _ = db.Search(uctx, meetingintel.SearchQuery{Query: q, Limit: 10})
	}
	found := 0
	cpu0 := cpuTime()
	for _, q := range queries {
		var hits []meetingintel.SearchHit
		for k := 0; k < 3; k++ {
			t := time.Now()
			hits, err = db.Search(uctx, meetingintel.SearchQuery{Query: q, Limit: 10})
			d := time.Since(t)
			if err != nil {
				return fmt.Errorf("search %q: %w", q, err)
			}
			all = append(all, d)
			if strings.Contains(q, " ") {
				qs = append(qs, d)
			} else {
				words = append(words, d)
			}
		}
		if len(hits) > 0 {
			found++
		}
	}
	cpu := (cpuTime() - cpu0) / time.Duration(len(all))
	// The every-line corpus, in its own schema of the same database.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS mibench_every`)
	conn.Close(ctx)
	if err != nil {
		return err
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	edb, err := postgres.Open(ctx, url+sep+"search_path=mibench_every")
	if err != nil {
		return err
	}
	defer edb.Close()
	eu, err := edb.FindUserByEmail(ctx, u.Email)
	if err != nil {
		eu = &meetingintel.User{Email: u.Email, Name: u.Name, Active: true}
		if err := edb.CreateUser(ctx, eu); err != nil {
			return err
		}
	}
	every, everyCPU, err := measureEvery(ctx, edb, eu)
	if err != nil {
		return err
	}

	var b strings.Builder
	fmt.Fprintf(&b, "## PostgreSQL: search on the same corpus\n\n%d meetings, %d segments, imported through ImportMeeting", nMeetings, nMeetings*nSegs)
	if importRate > 0 {
		fmt.Fprintf(&b, " (%.0f segments/s)", importRate)
	}
	fmt.Fprintf(&b, "; written by `go run ./cmd/mibench -postgres URL` on %s, %d CPUs.\n\n", time.Now().UTC().Format("2006-01-02"), runtime.NumCPU())
	fmt.Fprintf(&b, "Index built at the first search: **%.1f s**; Go heap in use after it: **%.0f MB**.\n\n", build.Seconds(), float64(mst.HeapInuse)/1e6)
	fmt.Fprintf(&b, "| | median | p95 | queries with hits |\n|---|---|---|---|\n")
	fmt.Fprintf(&b, "| indexed, all queries | %s | %s | %d / %d |\n", ms(all.pct(.5)), ms(all.pct(.95)), found, len(queries))
	fmt.Fprintf(&b, "| indexed, all queries: this process's CPU time per search (mean; PostgreSQL's own not counted) | %s | | |\n", ms(cpu))
	fmt.Fprintf(&b, "| indexed, single words | %s | %s | |\n", ms(words.pct(.5)), ms(words.pct(.95)))
	fmt.Fprintf(&b, "| indexed, phrases and questions | %s | %s | |\n", ms(qs.pct(.5)), ms(qs.pct(.95)))
	fmt.Fprintf(&b, "| indexed, every-line corpus (%d × %d lines of %d common words; %d queries) | %s | %s | |\n",
		everyMeetings, everyLines, len(everyWords), len(everyQueries), ms(every.pct(.5)), ms(every.pct(.95)))
	fmt.Fprintf(&b, "| indexed, every-line corpus: CPU time per search (mean) | %s | | |\n", ms(everyCPU))
	fmt.Fprintf(os.Stderr, "postgres search: median %v p95 %v\n", all.pct(.5), all.pct(.95))
	if out == "" {
		fmt.Print(b.String())
		return nil
	}
	return os.WriteFile(out, []byte(b.String()), 0o644)
}
