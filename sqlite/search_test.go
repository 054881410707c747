package sqlite_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/sqlite"
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

// Search finds the lines of speakers named in the query through the
// speaker index, or, with more speakers than it lists, by reading every
// candidate's speaker: both paths rank alike.
func TestSearchSpeakerPathsAgree(t *testing.T) {
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
	restore := sqlite.SetMaxSpeakersForTest(1)
	defer restore()
	scanned, err := db.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(indexed) < 10 || len(indexed) != len(scanned) {
		t.Fatalf("%d hits through the index, %d reading every speaker", len(indexed), len(scanned))
	}
	boosted := 0
	for i := range indexed {
		a, b := indexed[i], scanned[i]
		if a.MeetingID != b.MeetingID || *a.Seq != *b.Seq || math.Abs(a.Score-b.Score) > 1e-9 {
			t.Errorf("hit %d: %+v through the index, %+v reading every speaker", i, a, b)
		}
		if i < 10 && (a.Speaker == "Marketing" || a.Speaker == "Industrial Designer") {
			boosted++
		}
	}
	if boosted < 5 {
		t.Errorf("%d of the first 10 hits are Marketing's or the designer's, want most: %+v", boosted, indexed[:10])
	}
}

// bestFirst puts the best n candidates first in byScore's order (score,
// then newer first on ties), as a full sort would.
func TestBestFirstMatchesSort(t *testing.T) {
	for _, size := range []int{0, 1, 5, 200} {
		for _, n := range []int{1, 3, 19, 250} {
			ids := make([]int64, size)
			scores := make([]float64, size)
			for i := range ids {
				ids[i] = int64(i*7%size + 1)
				scores[i] = float64(i * 13 % 11) // many ties
			}
			got, want := sqlite.BestFirstForTest(ids, scores, n)
			k := min(n, size)
			if fmt.Sprint(got[:k]) != fmt.Sprint(want[:k]) {
				t.Errorf("size %d, n %d: best first %v, want %v", size, n, got[:k], want[:k])
			}
		}
	}
}
