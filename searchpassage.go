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
	// (0.36 IDF; the line itself is not in its passage).
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
// term that names the speaker of some matching line (Ranker.Named): in
// "what did the industrial designer think of the buttons" those words are
// mostly who spoke, and a line that says "design" is no more about the
// buttons; +1.2 (train) and +0.8 (val) points of hit@10 (0.2 and 0 gained
// less). It only lowers a term's weight, so every bound below holds.
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
// passage, the PassageRadius lines either side in the same meeting: each
// query term the passage holds adds its IDF, decayed by how far from the
// line it nearest occurs (the line itself is not in its passage: its terms
// count in its BM25 already, and counting them twice cost 0.8 points of
// hit@10 on both splits). The best line of the best passage thus ranks
// first, and a line that holds one word of the question ranks above its
// neighbours when they hold the rest. A term that names the speaker of a
// matching line weighs namedTermWeight but in the speaker bonus. idfs[i] is
// term i's BM25IDF; both stores call this with every matching document, so
// they rank alike.
//
// A document's score depends only on itself, the lines of its passage and
// its meeting's term cover (Ranker's parts), so an index that knows those
// can score one candidate without the others (package postings does).
func RankDocs(docs []RankDoc, idfs []float64, avgLen float64, weights map[string]float64) {
	r := Ranker{IDFs: idfs, AvgLen: avgLen, Weights: weights}
	for _, d := range docs {
		if d.Kind == KindSegment {
			r.Named |= d.SpeakerTerms
		}
	}
	var segs []int
	for i := range docs {
		docs[i].Score = r.Own(docs[i])
		if docs[i].Kind == KindSegment {
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
	for k, i := range segs {
		d := docs[i]
		var at [PassageRadius + 1]uint64 // terms held dist lines away
		for j := k; j >= 0 && docs[segs[j]].Meeting == d.Meeting && d.Seq-docs[segs[j]].Seq <= PassageRadius; j-- {
			at[d.Seq-docs[segs[j]].Seq] |= docs[segs[j]].Terms
		}
		for j := k + 1; j < len(segs) && docs[segs[j]].Meeting == d.Meeting && docs[segs[j]].Seq-d.Seq <= PassageRadius; j++ {
			at[docs[segs[j]].Seq-d.Seq] |= docs[segs[j]].Terms
		}
		bonus[k] = r.Passage(at)
	}
	for k, i := range segs {
		docs[i].Score += bonus[k]
	}
	cover := map[int64]uint64{}
	for _, i := range segs {
		cover[docs[i].Meeting] |= docs[i].Terms
	}
	for _, i := range segs {
		docs[i].Score += r.Meeting(cover[docs[i].Meeting])
	}
}

// Ranker is one query's ranking inputs, and the parts of RankDocs' score:
// a segment scores Own + Passage + Meeting, any other document Own.
type Ranker struct {
	IDFs    []float64 // per query term: BM25IDF
	AvgLen  float64   // mean document length the lengths are normalised by
	Weights map[string]float64
	// Named: bit i set when term i names the speaker of a matching line
	// (the union of the matching lines' SpeakerTerms); such a term weighs
	// namedTermWeight of its IDF but in the speaker bonus.
	Named uint64
}

// idf is term i's IDF as text: namedTermWeight of it for a named term.
func (r Ranker) idf(i int) float64 {
	if r.Named&(1<<i) != 0 {
		return r.IDFs[i] * namedTermWeight
	}
	return r.IDFs[i]
}

// weight is the weight of a kind of document (1 when not listed).
func (r Ranker) weight(kind string) float64 {
	if w, ok := r.Weights[kind]; ok {
		return w
	}
	return 1
}

// idfSum sums the text IDFs (idf) of the terms of mask.
func (r Ranker) idfSum(mask uint64) float64 {
	var s float64
	for i := range r.IDFs {
		if mask&(1<<i) != 0 {
			s += r.idf(i)
		}
	}
	return s
}

// speakerSum sums the IDFs of the terms of mask, unscaled.
func (r Ranker) speakerSum(mask uint64) float64 {
	var s float64
	for i, v := range r.IDFs {
		if mask&(1<<i) != 0 {
			s += v
		}
	}
	return s
}

// Own is what a document scores from its own text and speaker: BM25 times
// its kind's weight, the near bonus of consecutive terms, and the speaker
// bonus.
func (r Ranker) Own(d RankDoc) float64 {
	w := r.weight(d.Kind)
	s := BM25(r.idfSum(d.Terms), d.Len, r.AvgLen) * w
	for j := 0; j+1 < len(r.IDFs); j++ {
		if d.Near&(1<<j) != 0 {
			s += nearWeight * (r.idf(j) + r.idf(j+1)) / 2 * w
		}
	}
	if d.SpeakerTerms != 0 {
		s += speakerWeight * r.speakerSum(d.SpeakerTerms&^d.Terms) * w
	}
	return s
}

// Passage is what a transcript line gains from its passage: at[d] holds
// the terms of the lines d lines away from it (either side; at[0], its
// own, is not counted), and each term counts once, at the nearest
// distance it occurs.
func (r Ranker) Passage(at [PassageRadius + 1]uint64) float64 {
	var bonus float64
	for t := range r.IDFs {
		for d := 1; d <= PassageRadius; d++ {
			if at[d]&(1<<t) != 0 {
				bonus += decayAt[d] * r.idf(t)
				break
			}
		}
	}
	return passageWeight * bonus * r.Weights[KindSegment]
}

// Meeting is what a transcript line gains from the terms its meeting's
// lines hold (cover).
func (r Ranker) Meeting(cover uint64) float64 {
	return meetingWeight * r.idfSum(cover)
}

// Upper bounds of the score, for pruning (package postings): a document
// of kind weight w scores at most Own with Near set to NearPairs (its
// length is known), which is at most the sum of TermBound over the terms
// it holds plus SpeakerBound of its speaker's terms; a segment gains at
// most ContextBound of its meeting's cover on top. TestRankBounds checks this on
// generated corpora, so a change of a knob above that breaks a bound fails.

// TermBound is the most term i adds to a document of kind weight w that
// holds it: BM25 at the shortest length BM25 counts (lengths below
// shortDocTokens score as that long, and longer scores less), and its half
// of the near bonus of each pair it is in, (i-1, i) and (i, i+1).
func (r Ranker) TermBound(i int, w float64) float64 {
	bm := r.idf(i) * (bm25K1 + 1) / (1 + bm25K1*(1-bm25B+bm25B*shortDocTokens/r.AvgLen))
	pairs := 0.0
	if i > 0 {
		pairs++
	}
	if i+1 < len(r.IDFs) {
		pairs++
	}
	return (bm + nearWeight*r.idf(i)*pairs/2) * w
}

// NearPairs returns the Near bits a document holding the terms of mask
// can have: every consecutive pair it holds both terms of. Own with these
// bits bounds Own with the real ones.
func NearPairs(mask uint64, terms int) uint64 {
	var near uint64
	for j := 0; j+1 < terms; j++ {
		if mask&(1<<j) != 0 && mask&(1<<(j+1)) != 0 {
			near |= 1 << j
		}
	}
	return near
}

// SpeakerBound is the most a document of kind weight w gains from a
// speaker whose name holds the terms of mask.
func (r Ranker) SpeakerBound(mask uint64, w float64) float64 {
	return speakerWeight * r.speakerSum(mask) * w
}

// ContextBound is the most a transcript line gains from its passage and
// its meeting when the meeting's lines hold the terms of cover: every term
// of the passage is one of the cover's, at least a line away, so decayed
// by passageDecay at most.
func (r Ranker) ContextBound(cover uint64) float64 {
	s := r.idfSum(cover)
	return passageWeight*passageDecay*s*r.Weights[KindSegment] + meetingWeight*s
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
