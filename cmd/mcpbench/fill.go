package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/postgres"
	"github.com/meetingintel/meetingintel/sqlite"
)

// filled is what filling PostgreSQL (and, for a prefix of the corpus, a
// SQLite database of the same meetings) did.
type filled struct {
	meetings, segments int
	prefix             bool          // fewer meetings than the corpus: sqlitePath holds the same ones
	sqlitePath         string        // the prefix's SQLite database, "" when the whole corpus went in
	pgPAT, sqlitePAT   string        // the benchmark user's PATs there
	pgTook, sqliteTook time.Duration // time spent in ImportMeeting per store
	took               time.Duration // wall time of the whole copy
	pgVersion          string
}

// fillPostgres copies the n newest meetings (all of them when n is 0 or
// more than the corpus holds) that email sees in the SQLite corpus copy at
// src, with whole transcripts, into the PostgreSQL database at pgURL
// through the store API: FindMeetings and FindSegments on the source,
// ImportMeeting on the target. When that is fewer meetings than the corpus,
// the same meetings also go into a new SQLite database at prefixPath, so
// that both stores are compared on the same data.
//
// The meetings are imported as the benchmark user, who is created in each
// target: cmd/mibench built the corpus as that user, so the creator, and
// with it which private meetings the user sees, stays as in the corpus.
// ImportMeeting is keyed by source and source meeting id, so a database
// filled by an earlier run is refreshed, not doubled.
func fillPostgres(ctx context.Context, src, email string, n int, pgURL, prefixPath string) (*filled, error) {
	db, err := sqlite.Open(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("open the corpus copy: %w", err)
	}
	defer db.Close()
	reader, err := db.FindUserByEmail(ctx, email)
	if err != nil {
		return nil, fmt.Errorf("corpus user %s: %w", email, err)
	}
	rctx := meetingintel.NewContextWithUser(ctx, reader)

	var ms []*meetingintel.Meeting
	cursor := ""
	for n <= 0 || len(ms) <= n { // one more than n says whether n is a prefix
		page, next, err := db.FindMeetings(rctx, meetingintel.MeetingFilter{Limit: meetingintel.MaxLimit, Cursor: cursor})
		if err != nil {
			return nil, fmt.Errorf("list the corpus: %w", err)
		}
		ms = append(ms, page...)
		if cursor = next; cursor == "" {
			break
		}
	}
	res := &filled{}
	if n > 0 && len(ms) > n {
		ms, res.prefix, res.sqlitePath = ms[:n], true, prefixPath
	}
	slices.Reverse(ms) // oldest first: ids grow with dates, as in the corpus

	pg, err := postgres.Open(ctx, pgURL)
	if err != nil {
		return nil, err
	}
	defer pg.Close()
	res.pgVersion = serverVersion(ctx, pgURL)
	type target struct {
		s    meetingintel.Store
		ctx  context.Context
		pat  *string
		took *time.Duration
	}
	targets := []*target{{s: pg, pat: &res.pgPAT, took: &res.pgTook}}
	if res.prefix {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(prefixPath + suffix)
		}
		lite, err := sqlite.Open(ctx, prefixPath)
		if err != nil {
			return nil, err
		}
		defer lite.Close()
		targets = append(targets, &target{s: lite, pat: &res.sqlitePAT, took: &res.sqliteTook})
	}
	for _, t := range targets {
		u := &meetingintel.User{Email: email, Name: reader.Name, Active: true}
		if err := t.s.CreateUser(ctx, u); meetingintel.ErrorCode(err) == meetingintel.ECONFLICT {
			u, err = t.s.FindUserByEmail(ctx, email)
			if err == nil && (!u.Active || u.Admin) {
				err = fmt.Errorf("%s exists in the target database but is not an active non-admin member", email)
			}
			if err != nil {
				return nil, err
			}
		} else if err != nil {
			return nil, fmt.Errorf("create %s: %w", email, err)
		}
		t.ctx = meetingintel.NewContextWithUser(ctx, u)
		if *t.pat, _, err = t.s.CreateToken(ctx, u.ID, "mcpbench"); err != nil {
			return nil, fmt.Errorf("create a token: %w", err)
		}
	}

	start := time.Now()
	for i, m := range ms {
		if ctx.Err() != nil {
			return nil, errStopped
		}
		segs, err := allSegments(rctx, db, m.ID)
		if err != nil {
			return nil, fmt.Errorf("transcript of meeting %d: %w", m.ID, err)
		}
		for _, t := range targets {
			cp := *m
			cp.ID, cp.SegmentCount = 0, 0
			t0 := time.Now()
			if _, err := t.s.ImportMeeting(t.ctx, &cp, segs); err != nil {
				return nil, fmt.Errorf("import meeting %q: %w", m.Title, err)
			}
			*t.took += time.Since(t0)
		}
		res.meetings++
		res.segments += len(segs)
		if (i+1)%500 == 0 || i+1 == len(ms) {
			el := time.Since(start)
			fmt.Fprintf(os.Stderr, "copied %d of %d meetings (%.0f/s, about %v left)\n",
				i+1, len(ms), float64(i+1)/el.Seconds(), (el * time.Duration(len(ms)-i-1) / time.Duration(i+1)).Round(time.Second))
		}
	}
	res.took = time.Since(start)
	return res, nil
}

// allSegments pages through a meeting's whole transcript.
func allSegments(ctx context.Context, s meetingintel.Store, id int64) ([]meetingintel.Segment, error) {
	var out []meetingintel.Segment
	cursor := ""
	for {
		page, next, err := s.FindSegments(ctx, id, meetingintel.SegmentFilter{Limit: 1000, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if cursor = next; cursor == "" {
			return out, nil
		}
	}
}

// serverVersion asks PostgreSQL for its version, for the report.
func serverVersion(ctx context.Context, url string) string {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "(version unknown)"
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "(version unknown)"
	}
	return v
}
