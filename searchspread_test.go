package meetingintel_test

import (
	"slices"
	"testing"

	"github.com/meetingintel/meetingintel"
)

// A line next to a better kept line of its meeting is discounted, so a
// line from another place comes first; it does not hold back others, and
// the page is settled once limit hits score at least the last offered.
func TestSpreadDiscountsLinesNextToBetterOnes(t *testing.T) {
	offers := []struct {
		kind    string
		meeting int64
		seq     int
		score   float64
	}{
		{meetingintel.KindSegment, 1, 10, 9},
		{meetingintel.KindSegment, 1, 11, 8}, // next to line 10: 4 after the discount
		{meetingintel.KindTitle, 1, 0, 7},    // not a line: never held back
		{meetingintel.KindSegment, 1, 10 + meetingintel.SpreadDistance + 1, 5},
		{meetingintel.KindSegment, 2, 11, 4.5}, // another meeting
	}
	for _, tc := range []struct {
		limit  int
		order  []int
		scores []float64
	}{
		{4, []int{0, 2, 3, 4}, []float64{9, 7, 5, 4.5}},
		{5, []int{0, 2, 3, 4, 1}, []float64{9, 7, 5, 4.5, 4}},
	} {
		s := meetingintel.NewSpread(tc.limit)
		for i, o := range offers {
			if s.Full() {
				t.Fatalf("limit %d: full after %d offers", tc.limit, i)
			}
			s.Offer(o.kind, o.meeting, o.seq, o.score)
		}
		if full := s.Full(); full != (tc.limit == 4) {
			t.Errorf("limit %d: Full() = %v after every offer", tc.limit, full)
		}
		order, scores := s.Page()
		if !slices.Equal(order, tc.order) || !slices.Equal(scores, tc.scores) {
			t.Errorf("limit %d: page %v scores %v, want %v %v", tc.limit, order, scores, tc.order, tc.scores)
		}
	}
}
