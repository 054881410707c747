package sqlite_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/storetest"
)

// Search scores by BM25 and adds what a line's passage and meeting hold
// (meetingintel.RankDocs); lengths are normalised by the mean length of
// the documents holding the query's words.
// For one word held once by every matching line, in a regular pattern so
// every passage holds the same, that is BM25's order: a shorter line ranks
// higher, as FTS5's bm25() (which this test once asked, before search
// stopped keeping an FTS5 index) and any textbook BM25 rank it.
func TestSearchScoresFollowBM25(t *testing.T) {
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
			prev := 0
			for _, h := range hits {
				if h.Kind != meetingintel.KindSegment || h.Seq == nil {
					t.Fatalf("hit %+v is not a line", h)
				}
				// Every token is a word: the line's length.
				n := len(strings.Fields(segs[*h.Seq].Text))
				if n < prev {
					t.Errorf("line %d (%d words) after a line of %d words", *h.Seq, n, prev)
				}
				prev = n
			}
		})
	}
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
