package postings_test

import (
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel/postings"
)

func TestSnippet(t *testing.T) {
	long := "We opened with the agenda and the weather and the trains, then much later we came to the pricing page and its tiers, which confuse people, and after that lunch."
	for _, tc := range []struct {
		name, text string
		words      []string
		want       string
	}{
		{"a short text is whole, every match marked", "The pricing tiers on that page confuse people.", []string{"pricing", "page"},
			"The **pricing** tiers on that **page** confuse people."},
		{"stems match: the word's other forms are marked", "She priced it; prices rose.", []string{"pricing"},
			"She **priced** it; **prices** rose."},
		{"letter case and accents fold as the index folds them", "CAFÉ opens at nine", []string{"cafe"},
			"**CAFÉ** opens at nine"},
		{"a long text is cut around the matches, with … on each cut side", long, []string{"pricing", "tiers"},
			"…we came to the **pricing** page and its **tiers**, which confuse people, and after…"},
		{"the window prefers more distinct words to more matches of one",
			"budget budget budget budget one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen budget review",
			[]string{"budget", "review"},
			"…five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen **budget** **review**"},
		{"the start of a text keeps no …", long, []string{"agenda"},
			"We opened with the **agenda** and the weather and the trains, then much later…"},
		{"no match: the text's start", long, []string{"kubernetes"},
			"We opened with the agenda and the weather and the trains, then much later…"},
		{"markdown in the text stays text", "a **bold** pricing", []string{"pricing"}, "a **bold** **pricing**"},
		{"no tokens at all", "  …  ", []string{"pricing"}, "…"},
		{"empty", "", []string{"pricing"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := postings.Snippet(tc.text, tc.words, 14); got != tc.want {
				t.Errorf("Snippet = %q\nwant      %q", got, tc.want)
			}
		})
	}
}

// FuzzSnippet: any text and word give a snippet without panicking, no
// longer than the text with its marks, and one whose words are the text's.
func FuzzSnippet(f *testing.F) {
	f.Add("The pricing tiers on that page confuse people.", "pricing")
	f.Add("CAFÉ—ünïcode\x00\xff bytes", "café")
	f.Fuzz(func(t *testing.T, text, word string) {
		s := postings.Snippet(text, []string{word}, 5)
		plain := strings.ReplaceAll(strings.ReplaceAll(s, "**", ""), "…", "")
		if len(plain) > len(text) {
			t.Fatalf("snippet %q is longer than the text %q", s, text)
		}
	})
}
