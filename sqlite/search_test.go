package sqlite_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/storetest"
)

// Search scores in Go rather than with FTS5's bm25(), which is slow on
// large indexes, and adds what a line's passage and meeting hold
// (meetingintel.RankDocs); lengths are normalised by the candidates' mean,
// not the index's. For one word held once by lines with no matching
// neighbour, that keeps bm25()'s order: a line bm25() ranks higher scores
// higher.
func TestSearchScoresFollowFTS5BM25(t *testing.T) {
	db := open(t)
	ctx := storetest.Actor(t, db, benchUser.Email)
	// Of 4,000 lines every third holds "alpha" (more than 1,000 lines) and
	// every ninth "beta"; lengths vary (from 9 tokens up, above the
	// scorer's short-line floor) so length normalisation matters. No line
	// holds a word twice, and matching lines are 3 apart, outside each
	// other's passage.
	segs := make([]meetingintel.Segment, 4000)
	for i := range segs {
		text := "gamma"
		if i%3 == 0 {
			text = "alpha"
		}
		if i%9 == 0 {
			text = "beta"
		}
		text += " w0 w1 w2 w3 w4 w5 w6 w7"
		for k := 0; k < i%7; k++ {
			text += fmt.Sprintf(" filler%d", k)
		}
		segs[i] = meetingintel.Segment{Speaker: "Ann", StartMS: int64(i) * 1000, EndMS: int64(i)*1000 + 900, Text: text}
	}
	m := &meetingintel.Meeting{Title: "Review of the quarterly plan for the whole team", Date: time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC),
		Visibility: meetingintel.VisibilityTeam}
	if err := db.CreateMeeting(ctx, m, segs); err != nil {
		t.Fatal(err)
	}
	for _, word := range []string{"alpha", "beta"} {
		t.Run(word, func(t *testing.T) {
			hits, err := db.Search(ctx, meetingintel.SearchQuery{Query: word, Limit: meetingintel.MaxLimit})
			if err != nil || len(hits) != meetingintel.MaxLimit {
				t.Fatalf("Search: %d hits, %v", len(hits), err)
			}
			prev := math.Inf(1)
			for _, h := range hits {
				var want float64
				err := db.RawForTest().QueryRow(`SELECT -bm25(search_fts) FROM search_fts
					WHERE search_fts MATCH ? AND rowid = (SELECT id FROM search_docs
						WHERE meeting_id = ? AND kind = ? AND coalesce(seq, -1) = ?)`,
					`"`+word+`"`, h.MeetingID, h.Kind, seqOr(h.Seq, -1)).Scan(&want)
				if err != nil {
					t.Fatalf("bm25 of %+v: %v", h, err)
				}
				if want > prev*(1+1e-9) {
					t.Errorf("line %d: bm25 %v after a line of bm25 %v", seqOr(h.Seq, -1), want, prev)
				}
				prev = want
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

// Lines of speakers named in the query rank higher (RankDocs' speaker
// bonus, from the index's speaker of every line).
func TestSearchSpeakerBonus(t *testing.T) {
	db := open(t)
	ctx := storetest.Actor(t, db, benchUser.Email)
	speakers := []string{"Marketing", "Engineering", "Industrial Designer", "Project Manager", "Ann"}
	for m := 0; m < 4; m++ {
		segs := make([]meetingintel.Segment, 40)
		for i := range segs {
			text := fmt.Sprintf("Line %d of meeting %d covers the hardware checklist.", i, m)
			if i%4 == m {
				text = fmt.Sprintf("The budget for the design work in part %d is tight.", i)
			}
			if i == 7 {
				text = "The marketing campaign starts in May."
			}
			segs[i] = meetingintel.Segment{Speaker: speakers[(i+m)%len(speakers)], StartMS: int64(i) * 1000,
				EndMS: int64(i)*1000 + 900, Text: text}
		}
		if err := db.CreateMeeting(ctx, &meetingintel.Meeting{Title: fmt.Sprintf("Meeting %d", m),
			Date: time.Date(2024, 1, 1+m, 9, 0, 0, 0, time.UTC)}, segs); err != nil {
			t.Fatal(err)
		}
	}
	q := meetingintel.SearchQuery{Query: "what did marketing and the designers say about the budget", Limit: 50}
	indexed, err := db.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(indexed) < 10 {
		t.Fatalf("%d hits", len(indexed))
	}
	boosted := 0
	for i, a := range indexed {
		if i < 10 && (a.Speaker == "Marketing" || a.Speaker == "Industrial Designer") {
			boosted++
		}
	}
	if boosted < 5 {
		t.Errorf("%d of the first 10 hits are Marketing's or the designer's, want most: %+v", boosted, indexed[:10])
	}
}
