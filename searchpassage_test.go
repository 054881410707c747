package meetingintel_test

import (
	"testing"

	"github.com/meetingintel/meetingintel"
)

// A line's neighbours and meeting count: of two lines holding the same
// word, the one whose passage holds the question's other word ranks first,
// and a line far from it in the same meeting still gains from the meeting.
func TestRankDocsScoresPassagesAndMeetings(t *testing.T) {
	seg := func(m int64, seq int, terms uint64) meetingintel.RankDoc {
		return meetingintel.RankDoc{Kind: meetingintel.KindSegment, Meeting: m, Seq: seq, Terms: terms, Len: 10}
	}
	docs := []meetingintel.RankDoc{
		seg(1, 10, 1), // "pricing", next to a line saying "tiers"
		seg(1, 11, 2), // "tiers"
		seg(1, 40, 1), // "pricing", far from "tiers", same meeting
		seg(2, 10, 1), // "pricing", in a meeting without "tiers"
		{Kind: meetingintel.KindTitle, Meeting: 3, Terms: 1, Len: 10},
	}
	weights := meetingintel.KindWeights("pricing tiers")
	meetingintel.RankDocs(docs, []float64{1, 2}, 10, weights)
	if !(docs[0].Score > docs[2].Score && docs[2].Score > docs[3].Score) {
		t.Errorf("scores %v %v %v: want the passage's line, then its meeting's, then the other meeting's", docs[0].Score, docs[2].Score, docs[3].Score)
	}
	// Other kinds have no passage: the title scores BM25 times its weight.
	if want := meetingintel.BM25(1, 10, 10) * weights[meetingintel.KindTitle]; docs[4].Score != want {
		t.Errorf("title score %v, want %v", docs[4].Score, want)
	}
	// The meeting boundary bounds a passage: line 10 of meeting 2 gains
	// nothing from meeting 1's line 11.
	alone := []meetingintel.RankDoc{seg(2, 10, 1)}
	meetingintel.RankDocs(alone, []float64{1, 2}, 10, weights)
	if alone[0].Score != docs[3].Score {
		t.Errorf("line of meeting 2 scores %v beside meeting 1, %v alone", docs[3].Score, alone[0].Score)
	}
}

// A speaker named in the question counts: "marketing" matches the line of
// the speaker called Marketing, and "designers" the Industrial Designer.
func TestSpeakerTerms(t *testing.T) {
	terms := []string{"marketing", "remote", "designers"}
	if got := meetingintel.SpeakerTerms("Marketing", terms); got != 1 {
		t.Errorf("Marketing: %b, want 1", got)
	}
	if got := meetingintel.SpeakerTerms("Industrial Designer", terms); got != 4 {
		t.Errorf("Industrial Designer: %b, want 100", got)
	}
	if got := meetingintel.SpeakerTerms("Project Manager", terms); got != 0 {
		t.Errorf("Project Manager: %b, want 0", got)
	}
	// The bonus: a line by Marketing saying "remote" outranks the same
	// line by someone else.
	docs := []meetingintel.RankDoc{
		{Kind: meetingintel.KindSegment, Meeting: 1, Seq: 0, Terms: 2, Len: 10, SpeakerTerms: 1},
		{Kind: meetingintel.KindSegment, Meeting: 2, Seq: 0, Terms: 2, Len: 10},
	}
	meetingintel.RankDocs(docs, []float64{1, 1, 1}, 10, meetingintel.KindWeights("marketing remote"))
	if !(docs[0].Score > docs[1].Score) {
		t.Errorf("scores %v, %v: want Marketing's line first", docs[0].Score, docs[1].Score)
	}
}

// Question intent steers: a long decision that holds the question's words
// ranks below a short transcript line saying them, unless the question
// asks what was decided; then it ranks first. The same ranking inputs
// otherwise, so the boost alone turns the order (this fails if it is
// removed or too weak to matter).
func TestKindWeightsIntentTurnsTheOrder(t *testing.T) {
	rank := func(query string) (line, decision float64) {
		docs := []meetingintel.RankDoc{
			{Kind: meetingintel.KindSegment, Meeting: 1, Seq: 0, Terms: 3, Len: 10},
			{Kind: meetingintel.KindDecision, Meeting: 1, Terms: 3, Len: 30},
		}
		meetingintel.RankDocs(docs, []float64{1, 1}, 10, meetingintel.KindWeights(query))
		return docs[0].Score, docs[1].Score
	}
	if line, dec := rank("pricing page"); !(line > dec) {
		t.Errorf("plain words: line %v, decision %v: want the line first", line, dec)
	}
	if line, dec := rank("what did we decide about the pricing page?"); !(dec > line) {
		t.Errorf("a question about a decision: line %v, decision %v: want the decision first", line, dec)
	}
	if line, dec := rank("who owns the pricing page follow-up?"); !(line > dec) {
		t.Errorf("a question about an action: line %v, decision %v: the decision is not boosted", line, dec)
	}
}
