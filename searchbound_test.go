package meetingintel

import (
	"math/rand/v2"
	"testing"
)

// TestRankBounds: on generated corpora, no document scores above the
// bounds pruning relies on (package postings): Own with every near pair
// its terms allow plus ContextBound of its meeting's cover, and that is at
// most the sum of TermBound over its terms plus SpeakerBound. A knob
// changed so that a bound no longer holds fails here.
func TestRankBounds(t *testing.T) {
	kinds := []string{KindTitle, KindSummary, KindSegment, KindSegment, KindSegment, KindAction, KindDecision}
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 3))
		nTerms := 1 + r.IntN(8)
		idfs := make([]float64, nTerms)
		for i := range idfs {
			idfs[i] = BM25IDF(10000, float64(1+r.IntN(5000)))
		}
		var docs []RankDoc
		for m := range int64(1 + r.IntN(6)) {
			for seq := range 1 + r.IntN(40) {
				if r.IntN(3) == 0 {
					continue // a line that matches nothing
				}
				d := RankDoc{Kind: kinds[r.IntN(len(kinds))], Meeting: m, Seq: seq, Len: float64(1 + r.IntN(40))}
				for d.Terms == 0 {
					d.Terms = uint64(r.IntN(1 << nTerms))
				}
				d.Near = NearPairs(d.Terms, nTerms) & uint64(r.IntN(1<<nTerms))
				if r.IntN(4) == 0 {
					d.SpeakerTerms = uint64(r.IntN(1 << nTerms))
				}
				docs = append(docs, d)
			}
		}
		var total float64
		for _, d := range docs {
			total += d.Len
		}
		query := []string{"pricing", "what did we decide about pricing", "who owns the action"}[r.IntN(3)]
		weights := KindWeights(query)
		avg := max(total/float64(max(len(docs), 1)), 1)
		RankDocs(docs, idfs, avg, weights)
		rk := Ranker{IDFs: idfs, AvgLen: avg, Weights: weights}
		cover := map[int64]uint64{}
		for _, d := range docs {
			if d.Kind == KindSegment {
				cover[d.Meeting] |= d.Terms
			}
		}
		for _, d := range docs {
			w := rk.weight(d.Kind)
			tight := d
			tight.Near = NearPairs(d.Terms, nTerms)
			docBound := rk.Own(tight)
			termBound := rk.SpeakerBound(d.SpeakerTerms, w)
			for i := range idfs {
				if d.Terms&(1<<i) != 0 {
					termBound += rk.TermBound(i, w)
				}
			}
			if d.Kind == KindSegment {
				docBound += rk.ContextBound(cover[d.Meeting])
				termBound += rk.ContextBound(cover[d.Meeting])
			}
			const slack = 1e-9
			if d.Score > docBound*(1+slack) {
				t.Fatalf("seed %d: %+v scores %v above its bound %v", seed, d, d.Score, docBound)
			}
			if docBound > termBound*(1+slack) {
				t.Fatalf("seed %d: %+v: document bound %v above the sum of term bounds %v", seed, d, docBound, termBound)
			}
		}
	}
}
