package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/sqlite"
	"github.com/meetingintel/meetingintel/storetest"
)

// TestSearchFindsWhatSQLiteFinds stores one corpus in both stores and checks
// that each query returns the same hits in the same order with the same
// scores and snippets: both rank through the in-process index (package
// postings) and make snippets with its tokens.
func TestSearchFindsWhatSQLiteFinds(t *testing.T) {
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parity.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	stores := map[string]meetingintel.Store{"sqlite": lite, "postgres": open(t)}

	// The same two users, with the same ids, in both fresh stores.
	var carol, bob context.Context
	for _, s := range []meetingintel.Store{lite, stores["postgres"]} {
		carol, bob = storetest.Actor(t, s, "carol@example.com"), storetest.Actor(t, s, "bob@example.com")
	}
	day := func(d int) time.Time { return time.Date(2026, 3, d, 10, 0, 0, 0, time.UTC) }
	corpus := []struct {
		m    meetingintel.Meeting
		segs []string
	}{
		{meetingintel.Meeting{Title: "Website review", Date: day(10), Summary: "Reviewed the landing copy and the pricing page."},
			[]string{"Let us look at the pricing page first.", "The pricing tiers on that page confuse people.",
				"We decided to simplify pricing to two tiers and redesign the page.", "Agreed, ship it next sprint."}},
		{meetingintel.Meeting{Title: "Hiring sync", Date: day(12)},
			[]string{"Two candidates this week for the backend role.", "The careers page needs the new role listed.",
				"Interviews are scheduled for Thursday afternoon.", "The recruiter is hiring a contractor for sourcing."}},
		{meetingintel.Meeting{Title: "Board prep", Date: day(14), Visibility: meetingintel.VisibilityPrivate},
			[]string{"Board wants a pricing update and the runway numbers.", "Runway is eighteen months at the current burn."}},
		{meetingintel.Meeting{Title: "Infrastructure budget", Date: day(15), Summary: "Database costs and the migration plan."},
			[]string{"The database migration to PostgreSQL starts in April.", "Costs of the managed database went up again.",
				"We should budget for two replicas and backups.", "Backups run nightly and are tested monthly."}},
	}
	for name, s := range stores {
		for i, c := range corpus {
			m := c.m
			segs := make([]meetingintel.Segment, len(c.segs))
			for j, text := range c.segs {
				segs[j] = meetingintel.Segment{Speaker: fmt.Sprintf("S%d", j%2), StartMS: int64(j) * 1000, EndMS: int64(j)*1000 + 900, Text: text}
			}
			if err := s.CreateMeeting(carol, &m, segs); err != nil {
				t.Fatalf("%s: meeting %d: %v", name, i, err)
			}
			if i == 0 {
				if err := s.CreateDecision(carol, &meetingintel.Decision{MeetingID: m.ID, Text: "Two pricing tiers",
					Context: "Fewer choices convert better."}); err != nil {
					t.Fatal(err)
				}
				if err := s.CreateAction(carol, &meetingintel.Action{MeetingID: &m.ID, Text: "Redesign the pricing page", Owner: "Dana"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := s.CreateAction(carol, &meetingintel.Action{Text: "Test the database backups", Owner: "Eve"}); err != nil {
			t.Fatal(err)
		}
	}

	key := func(h meetingintel.SearchHit) string {
		seq := -1
		if h.Seq != nil {
			seq = *h.Seq
		}
		return fmt.Sprintf("%d/%s/%d/%d/%d/%.9f/%q", h.MeetingID, h.Kind, seq, h.ActionID, h.DecisionID, h.Score, h.Snippet)
	}
	for _, tc := range []struct {
		query string
		as    context.Context
	}{
		{"what did we decide about the pricing page?", bob},
		{"pricing", bob},
		{"pricing", carol},
		{"interview", bob},
		{"hiring", bob},
		{"runway", carol},
		{"database backups", bob},
		{"how much does the managed database cost?", bob},
		{"migration plan for postgresql", bob},
		{"two tiers", bob},
		{"xylophone", bob},
	} {
		results := map[string][]string{}
		for name, s := range stores {
			hits, err := s.Search(tc.as, meetingintel.SearchQuery{Query: tc.query, Limit: meetingintel.MaxLimit})
			if err != nil {
				t.Fatalf("%s: Search %q: %v", name, tc.query, err)
			}
			for _, h := range hits {
				results[name] = append(results[name], key(h))
			}
		}
		lite, pg := results["sqlite"], results["postgres"]
		if (len(pg) == 0) != (tc.query == "xylophone") {
			t.Errorf("%q: %d hits in PostgreSQL", tc.query, len(pg))
		}
		if !slices.Equal(lite, pg) {
			t.Errorf("%q: found\n sqlite:   %v\n postgres: %v", tc.query, lite, pg)
		}
	}
}
