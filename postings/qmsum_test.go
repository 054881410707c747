package postings

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/meetingintel/meetingintel"
)

// TestSearchExactOnQMSum: on real meetings (QMSum's val split from the
// folder MI_QMSUM names, else the two of testdata/qmsum), the pruned top k
// of every question equals brute-force RankDocs over every match.
func TestSearchExactOnQMSum(t *testing.T) {
	dir := os.Getenv("MI_QMSUM")
	if dir == "" {
		dir = filepath.Join("testdata", "qmsum")
	}
	files, err := filepath.Glob(filepath.Join(dir, "val", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no QMSum meetings in %s/val: %v", dir, err)
	}
	ix := New()
	var questions []string
	id := int64(1)
	for mi, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Turns []struct {
				Speaker string `json:"speaker"`
				Content string `json:"content"`
			} `json:"meeting_transcripts"`
			Queries []struct {
				Query string `json:"query"`
			} `json:"specific_query_list"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		meeting := int64(mi + 1)
		ix.Put(Doc{ID: id, Kind: meetingintel.KindTitle, Meeting: meeting, Text: filepath.Base(f)})
		id++
		for seq, turn := range m.Turns {
			ix.Put(Doc{ID: id, Kind: meetingintel.KindSegment, Meeting: meeting, Seq: seq, Speaker: turn.Speaker, Text: turn.Content})
			id++
		}
		for _, q := range m.Queries {
			questions = append(questions, q.Query)
		}
	}
	var scored, brute int
	for i, text := range questions {
		words := meetingintel.DropIntentWords(meetingintel.SearchTerms(text))
		q := Query{Words: words, TermWeights: meetingintel.TermWeights(text, words), Weights: meetingintel.KindWeights(text), K: 10}
		got, want := ix.Search(q), ix.Brute(q)
		sameHits(t, fmt.Sprintf("question %d %q", i, text), got.Hits, want.Hits)
		scored, brute = scored+got.Scored, brute+want.Scored
	}
	t.Logf("%d questions over %d documents: %d candidates scored exactly of %d matches (%.1f%%)",
		len(questions), ix.Len(), scored, brute, 100*float64(scored)/float64(max(brute, 1)))
	if scored >= brute {
		t.Errorf("nothing pruned: %d scored of %d", scored, brute)
	}
}
