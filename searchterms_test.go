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
