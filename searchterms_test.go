package meetingintel_test

import (
	"slices"
	"testing"

	"github.com/meetingintel/meetingintel"
)

// Question filler is dropped when the question has a topic, and kept when
// it is all the query says, so "group" alone still searches.
func TestSearchTermsDropsQuestionFillerOnlyBesideATopic(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"What did the group recommend about the battery?", []string{"battery"}},
		{"Describe the team's plan", []string{"plan"}},
		{"group", []string{"group"}},
		{"the focus group", []string{"focus"}},
		{"team group", []string{"team", "group"}},
	} {
		if got := meetingintel.SearchTerms(tc.query); !slices.Equal(got, tc.want) {
			t.Errorf("SearchTerms(%q) = %q, want %q", tc.query, got, tc.want)
		}
	}
}

// A word said only in a question's setting (after "when", "while" or
// "during") weighs less; a word also said before it, or a question that
// starts with "when", keeps full weight.
func TestTermWeightsLowerTheSetting(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  []float64
	}{
		{"What did Marketing think of buttons when discussing the functional design?", []float64{1, 1, 0.5, 0.5}},
		{"What did we say about the design while reviewing the design?", []float64{1, 0.5}},
		{"When did we ship the remote?", []float64{1, 1}},
		{"pricing page", []float64{1, 1}},
	} {
		terms := meetingintel.DropIntentWords(meetingintel.SearchTerms(tc.query))
		if got := meetingintel.TermWeights(tc.query, terms); !slices.Equal(got, tc.want) {
			t.Errorf("TermWeights(%q) over %q = %v, want %v", tc.query, terms, got, tc.want)
		}
	}
}
