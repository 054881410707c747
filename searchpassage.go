package meetingintel

import (
	"cmp"
	"math"
	"slices"
)

// RankDoc is one document matching a query, as the shared ranking sees it:
// what kind of text it is, where it sits (segments: meeting and line
// number), which query terms it holds and how long it is.
type RankDoc struct {
	Kind    string
	Meeting int64
	Seq     int    // segments only: the line's position in its meeting
	Terms   uint64 // bit i: the document holds query term i
	Len     float64
	Score   float64 // set by RankDocs; higher is better
	// SpeakerTerms (segments): bit i set when the speaker's name holds
	// query term i (SpeakerTerms): "what did marketing think of X".
	SpeakerTerms uint64
	// Near (when given): bit j set when query terms j and j+1 occur within
	// NearDistance tokens of each other in the document.
	Near uint64
}

// Passage scoring's knobs, measured on QMSum's train and val splits
// (cmd/qmsumbench): speech answers a question across several turns, so a
// line is scored with the lines around it.
const (
	// PassageRadius is how many lines either side of a line belong to its
	// passage. Topics run over dozens of turns: 10 with a slow decay beat
	// 2 with a fast one by +1.0 (train) and +1.3 (val) points of hit@10.
	PassageRadius = 10
	// passageDecay is what a term found d lines away is worth, per line:
	// decay^d of its IDF.
	passageDecay = 0.9
	// passageWeight is the share of the passage score added to a line's
	// own. A term adds at most passageWeight × passageDecay × its IDF
	// (0.36 IDF): the bound an index can use.
	passageWeight = 0.4
	// meetingWeight is the share of the IDFs of every query term its
	// meeting holds that a line gains: a question is about one meeting, and
	// the meeting that holds most of its words is likelier the one (+2 to
	// +4 points). At most meetingWeight × IDF per term.
	meetingWeight = 0.3
)

// speakerWeight is the share of a term's IDF a line gains when its
// speaker's name holds the term and its text does not: QMSum's questions
// name speakers by role ("what did marketing think of X"); +1.3 to +2.4
// points of hit@10. At most speakerWeight × IDF per term.
const speakerWeight = 1.0

// namedTermWeight scales, in everything but the speaker bonus, the IDF of a
// term that names the speaker of some matching line: in "what did the
// industrial designer think of the buttons" the words are mostly who
// spoke, and a line that says "design" is no more about the buttons;
// +1.2 (train) and +0.8 (val) points of hit@10 (0.2 and 0 gained less).
const namedTermWeight = 0.5

// Proximity: two consecutive query terms at most NearDistance tokens apart
// in a document (FTS5's NEAR; in either order) add nearWeight of their mean
// IDF, so "remote control" said as a phrase outranks the two words apart;
// +0.4 to +0.6 points of hit@10 (1.5 lost a point).
const (
	NearDistance = 3
	nearWeight   = 0.5
)

// RankDocs scores every document of docs: BM25 with term presence (see
// BM25) times its kind's weight; a transcript line also gains from its
// passage, the PassageRadius lines either side of it in the same meeting:
// each query term the passage holds adds its IDF, decayed by how far from
// the line it nearest occurs. The best line of the best passage thus ranks
// first, and a line that holds one word of the question ranks above its
// neighbours when they hold the rest. A term that names the speaker of a
// matching line weighs namedTermWeight in all but the speaker bonus.
// idfs[i] is term i's BM25IDF; both stores call this with every matching
// document, so they rank alike. Every feature is a sum of per-term parts,
// each bounded as its knob's comment says.
func RankDocs(docs []RankDoc, idfs []float64, avgLen float64, weights map[string]float64) {
	sum := func(idfs []float64, mask uint64) float64 {
		var s float64
		for i, v := range idfs {
			if mask&(1<<i) != 0 {
				s += v
			}
		}
		return s
	}
	speakerIDFs := idfs
	var named uint64
	for _, d := range docs {
		named |= d.SpeakerTerms
	}
	if named != 0 {
		idfs = slices.Clone(idfs)
		for i := range idfs {
			if named&(1<<i) != 0 {
				idfs[i] *= namedTermWeight
			}
		}
	}
	idfSum := func(mask uint64) float64 { return sum(idfs, mask) }
	var segs []int
	for i := range docs {
		d := &docs[i]
		w, ok := weights[d.Kind]
		if !ok {
			w = 1
		}
		d.Score = BM25(idfSum(d.Terms), d.Len, avgLen) * w
		for j := 0; j+1 < len(idfs); j++ {
			if d.Near&(1<<j) != 0 {
				d.Score += nearWeight * (idfs[j] + idfs[j+1]) / 2 * w
			}
		}
		if d.SpeakerTerms != 0 {
			d.Score += speakerWeight * sum(speakerIDFs, d.SpeakerTerms&^d.Terms) * w
		}
		if d.Kind == KindSegment {
			segs = append(segs, i)
		}
	}
	// Lines in meeting order, so each one's neighbours are next to it.
	slices.SortFunc(segs, func(a, b int) int {
		if c := cmp.Compare(docs[a].Meeting, docs[b].Meeting); c != 0 {
			return c
		}
		return cmp.Compare(docs[a].Seq, docs[b].Seq)
	})
	bonus := make([]float64, len(segs))
	best := make([]float64, len(idfs)) // per term: the highest decayed weight in the passage
	for k, i := range segs {
		d := docs[i]
		clear(best)
		// The line's own terms count in its BM25 already: counting them
		// again here cost 0.8 points of hit@10 on both splits.
		for j := k - 1; j >= 0 && docs[segs[j]].Meeting == d.Meeting && d.Seq-docs[segs[j]].Seq <= PassageRadius; j-- {
			credit(best, docs[segs[j]].Terms, d.Seq-docs[segs[j]].Seq)
		}
		for j := k + 1; j < len(segs) && docs[segs[j]].Meeting == d.Meeting && docs[segs[j]].Seq-d.Seq <= PassageRadius; j++ {
			credit(best, docs[segs[j]].Terms, docs[segs[j]].Seq-d.Seq)
		}
		for t, v := range best {
			bonus[k] += v * idfs[t]
		}
	}
	for k, i := range segs {
		docs[i].Score += passageWeight * bonus[k] * weights[KindSegment]
	}
	{
		cover := map[int64]uint64{}
		for _, i := range segs {
			cover[docs[i].Meeting] |= docs[i].Terms
		}
		for _, i := range segs {
			docs[i].Score += meetingWeight * idfSum(cover[docs[i].Meeting])
		}
	}
}

// SpeakerTerms returns the bits of the terms (as SearchTerms gives them)
// that are words of a speaker's name, compared in lower case; a term also
// matches a word it is the singular of ("designer", "designers").
func SpeakerTerms(speaker string, terms []string) uint64 {
	var m uint64
	for _, w := range SearchTerms(speaker) {
		for i, t := range terms {
			if i < 64 && (w == t || w == t+"s" || t == w+"s") {
				m |= 1 << i
			}
		}
	}
	return m
}

// decayAt[d] is passageDecay^d, for the distances a passage spans.
var decayAt = func() (v [PassageRadius + 1]float64) {
	for d := range v {
		v[d] = math.Pow(passageDecay, float64(d))
	}
	return v
}()

// credit records, for each term of mask, that it occurs dist lines away.
func credit(best []float64, mask uint64, dist int) {
	v := decayAt[min(dist, PassageRadius)]
	for t := range best {
		if mask&(1<<t) != 0 && v > best[t] {
			best[t] = v
		}
	}
}
