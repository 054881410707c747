package meetingintel

import (
	"cmp"
	"slices"
)

// Spread diversifies a ranked list of hits after RankDocs and the
// visibility filter: a transcript line within SpreadDistance lines of a
// better line of the same meeting already kept says little new (its
// passage is mostly the same lines, and a hit's context shows them), so
// its score is multiplied by spreadPenalty and the page is ordered by the
// scores so adjusted (the hits' Score). Held-back lines do not hold back
// others. Both stores offer their visible candidates best first and build
// the page alike, so they keep ranking alike. Suppression is decided within
// one meeting only, and visibility and meeting filters keep or drop whole
// meetings, so the outcome is the same as diversifying before filtering.
//
// Measured on QMSum (cmd/qmsumbench), with passages of PassageRadius 10:
// +1.2 (train) and +1.3 (val) points of hit@10 at a penalty of 0 (held
// lines last), and the same at spreadPenalty.
//
// The cost is bounded by the page: each kept line holds back at most
// 2*SpreadDistance others, so a page of n needs at most
// n*(2*SpreadDistance+1) visible candidates.
type Spread struct {
	limit int
	hits  []spreadHit
	lines map[int64][]int // kept lines' positions, by meeting
	last  float64         // score of the last hit offered
}

type spreadHit struct {
	score float64 // adjusted
	at    int     // order offered
}

// SpreadDistance is how close (in lines of the same meeting) a line may be
// to a better kept line before it is held back. The metric counts a hit
// within 2 lines of an answer, so lines closer than this mostly repeat one
// answer (2 and 3 measured alike; 6 and 8 lost 0.5 to 1 point).
const SpreadDistance = 4

// spreadPenalty multiplies the score of a held-back line.
const spreadPenalty = 0.5

// NewSpread starts a page of at most limit hits.
func NewSpread(limit int) *Spread {
	return &Spread{limit: limit, lines: map[int64][]int{}}
}

// Offer takes the next hit, in best-first order of score: its kind, for a
// transcript line its meeting and position, and its score.
func (s *Spread) Offer(kind string, meeting int64, seq int, score float64) {
	s.last = score
	h := spreadHit{score: score, at: len(s.hits)}
	if kind == KindSegment {
		held := false
		for _, q := range s.lines[meeting] {
			if q-seq <= SpreadDistance && seq-q <= SpreadDistance {
				held = true
				break
			}
		}
		if held {
			h.score *= spreadPenalty
		} else {
			s.lines[meeting] = append(s.lines[meeting], seq)
		}
	}
	s.hits = append(s.hits, h)
}

// Full reports whether the page is settled: limit hits offered score at
// least the last offered, and any later hit scores no more than that.
func (s *Spread) Full() bool {
	n := 0
	for _, h := range s.hits {
		if h.score >= s.last {
			n++
		}
	}
	return n >= s.limit
}

// Page returns the offered hits that make the page, best first by adjusted
// score (earlier offered first on ties), at most limit: each one's index
// in the order offered, and its adjusted score.
func (s *Spread) Page() (order []int, scores []float64) {
	hs := slices.Clone(s.hits)
	slices.SortStableFunc(hs, func(a, b spreadHit) int { return cmp.Compare(b.score, a.score) })
	hs = hs[:min(len(hs), s.limit)]
	for _, h := range hs {
		order, scores = append(order, h.at), append(scores, h.score)
	}
	return order, scores
}
