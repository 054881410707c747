package meetingintel

import (
	"math/rand/v2"
	"testing"
)

// BM25MaxLen is where BM25 crosses a score: every length up to it reaches
// the score, every length past it (by a token) does not.
func TestBM25MaxLen(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		idfs, avg := 0.1+r.Float64()*20, 1+r.Float64()*40
		score := BM25(idfs, float64(1+r.IntN(200)), avg) * (0.5 + r.Float64())
		cut := BM25MaxLen(idfs, avg, score)
		for l := shortDocTokens; l < 400; l++ {
			reaches := BM25(idfs, float64(l), avg) >= score
			if reaches && float64(l) > cut+1e-6 {
				t.Fatalf("idfs %v avg %v score %v: length %d reaches it, past the cut %v", idfs, avg, score, l, cut)
			}
			if !reaches && float64(l) < cut-1e-6 {
				t.Fatalf("idfs %v avg %v score %v: length %d falls short, within the cut %v", idfs, avg, score, l, cut)
			}
		}
	}
}
