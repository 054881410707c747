package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/storetest"
)

// TestSearchPassesOverBestCandidatesTheActorMayNotSee puts the best-scored
// matches in private meetings another member cannot see, more of them than
// the first batch of visibility checks holds, and a worse match in a team
// meeting: the member gets the team meeting's match, and only it.
func TestSearchPassesOverBestCandidatesTheActorMayNotSee(t *testing.T) {
	s := open(t)
	carol := storetest.Actor(t, s, "carol@example.com")
	bob := storetest.Actor(t, s, "bob@example.com")
	day := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for i := range 40 {
		m := meetingintel.Meeting{Title: fmt.Sprintf("Private %d", i), Date: day, Visibility: meetingintel.VisibilityPrivate}
		if err := s.CreateMeeting(carol, &m, []meetingintel.Segment{{Text: "Zeppelin."}}); err != nil {
			t.Fatal(err)
		}
	}
	team := meetingintel.Meeting{Title: "Team sync", Date: day}
	if err := s.CreateMeeting(carol, &team, []meetingintel.Segment{
		{Text: "The zeppelin museum trip is booked for the whole team next Friday afternoon."}}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		as   context.Context
		want int
	}{
		{"the creator sees every match", carol, 10},
		{"another member sees the team meeting's only", bob, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := s.Search(tc.as, meetingintel.SearchQuery{Query: "zeppelin", Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != tc.want {
				t.Fatalf("%d hits, want %d: %+v", len(hits), tc.want, hits)
			}
			if tc.as == bob && (hits[0].MeetingID != team.ID || hits[0].Title != "Team sync" || !hits[0].MeetingDate.Equal(day)) {
				t.Errorf("hit %+v, want the segment of meeting %d", hits[0], team.ID)
			}
		})
	}
}

// TestSearchRanksAlikeBeforeAndAfterAnalyze checks that what ANALYZE tells
// the planner changes nothing: every match is ranked, so document
// frequencies are counted from the matches, not read from the statistics,
// and results and scores stay the same.
func TestSearchRanksAlikeBeforeAndAfterAnalyze(t *testing.T) {
	ctx := context.Background()
	u := freshSchema(t)
	s := openURL(t, u)
	carol := storetest.Actor(t, s, "carol@example.com")

	// 6,000 lines say "budget" (common: more than the statistics' threshold
	// of 5,000), 6,000 do not; every 333rd also says "zeppelin" (rare).
	var segs []meetingintel.Segment
	for i := range 12000 {
		text := fmt.Sprintf("Forecast line %d for the quarter", i)
		if i%2 == 0 {
			text = fmt.Sprintf("Budget line %d for the quarter", i)
		}
		if i%333 == 0 {
			text += " and the zeppelin"
		}
		segs = append(segs, meetingintel.Segment{StartMS: int64(i), EndMS: int64(i), Text: text})
	}
	m := meetingintel.Meeting{Title: "Planning", Date: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	if err := s.CreateMeeting(carol, &m, segs); err != nil {
		t.Fatal(err)
	}

	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// No automatic ANALYZE between the two searches.
	if _, err := conn.Exec(ctx, `ALTER TABLE search_docs SET (autovacuum_enabled = false)`); err != nil {
		t.Fatal(err)
	}

	queries := []string{"budget", "budget zeppelin"}
	search := func() map[string][]meetingintel.SearchHit {
		out := map[string][]meetingintel.SearchHit{}
		for _, q := range queries {
			hits, err := s.Search(carol, meetingintel.SearchQuery{Query: q, Limit: 20})
			if err != nil {
				t.Fatalf("Search %q: %v", q, err)
			}
			out[q] = hits
		}
		return out
	}
	counted := search()
	if _, err := conn.Exec(ctx, `ANALYZE search_docs`); err != nil {
		t.Fatal(err)
	}
	fromStats := search()

	for _, q := range queries {
		before, after := counted[q], fromStats[q]
		if len(before) != 20 || len(after) != 20 {
			t.Fatalf("%q: %d hits counted, %d from statistics, want 20", q, len(before), len(after))
		}
		for i := range before {
			if *before[i].Seq != *after[i].Seq {
				t.Errorf("%q: hit %d is line %d counted, line %d from statistics", q, i, *before[i].Seq, *after[i].Seq)
			}
		}
	}
	for _, q := range queries {
		if b, a := counted[q][0].Score, fromStats[q][0].Score; a != b {
			t.Errorf("%q scores %v before ANALYZE, %v after: want the same", q, b, a)
		}
	}
	// "budget zeppelin": the rare word finds the lines; the 19 that also
	// say "budget" rank first.
	for i, h := range fromStats["budget zeppelin"] {
		if *h.Seq%333 != 0 || (i < 19) != (*h.Seq%2 == 0) {
			t.Errorf("hit %d is line %d, want the zeppelin lines saying budget first", i, *h.Seq)
		}
	}
}
