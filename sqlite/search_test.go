package sqlite_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
)

// Search scores in Go rather than with FTS5's bm25(), which is slow on
// large indexes. For documents holding each query word once the two must
// agree: exactly when every word is rare (exact document frequencies), and
// within a few percent when a word is common (its frequency is estimated).
func TestSearchScoresMatchFTS5BM25(t *testing.T) {
	db := open(t)
	ctx := meetingintel.NewContextWithUser(context.Background(), benchUser)
	// Of 4,000 lines every third holds "alpha" (common: over the 1,000
	// a rare word may match) and every ninth also "beta" (rare); lengths
	// vary (from 9 tokens up, above the scorer's short-line floor) so
	// length normalisation matters. No line holds a word twice.
	segs := make([]meetingintel.Segment, 4000)
	for i := range segs {
		text := "gamma"
		if i%3 == 0 {
			text = "alpha"
		}
		if i%9 == 0 {
			text += " beta"
		}
		text += " w0 w1 w2 w3 w4 w5 w6 w7"
		for k := 0; k < i%7; k++ {
			text += fmt.Sprintf(" filler%d", k)
		}
		segs[i] = meetingintel.Segment{Speaker: "Ann", StartMS: int64(i) * 1000, EndMS: int64(i)*1000 + 900, Text: text}
	}
	m := &meetingintel.Meeting{Title: "Alpha review", Date: time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC),
		Visibility: meetingintel.VisibilityTeam}
	if err := db.CreateMeeting(ctx, m, segs); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, query, expr string
		tolerance         float64
	}{
		{"a rare word scores exactly as bm25", "beta", `"beta"`, 1e-9},
		{"a rare and a common word score within 5% of bm25", "beta alpha", `"beta" OR "alpha"`, 0.05},
		{"a common word alone scores within 5% of bm25", "alpha", `"alpha"`, 0.05},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := db.Search(ctx, meetingintel.SearchQuery{Query: tc.query, Limit: meetingintel.MaxLimit})
			if err != nil || len(hits) == 0 {
				t.Fatalf("Search: %d hits, %v", len(hits), err)
			}
			for _, h := range hits {
				var want float64
				err := db.RawForTest().QueryRow(`SELECT -bm25(search_fts) FROM search_fts
					WHERE search_fts MATCH ? AND rowid = (SELECT id FROM search_docs
						WHERE meeting_id = ? AND kind = ? AND coalesce(seq, -1) = ?)`,
					tc.expr, h.MeetingID, h.Kind, seqOr(h.Seq, -1)).Scan(&want)
				if err != nil {
					t.Fatalf("bm25 of %+v: %v", h, err)
				}
				if h.Kind == meetingintel.KindTitle {
					want *= 2 // the title weight
				}
				if math.Abs(h.Score-want) > tc.tolerance*want {
					t.Errorf("%s seq %v: score %v, bm25 gives %v", h.Kind, seqOr(h.Seq, -1), h.Score, want)
				}
			}
		})
	}
}

func seqOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}
