package main

import (
	"math"
	"sort"
	"strings"
	"unicode"
)

// BM25 is the metric's baseline: plain BM25 over single turns (k1 1.2,
// b 0.75, term frequencies counted, speaker + text as the document, English
// stop words removed, no stemming), in memory. It is deliberately
// independent of the product's code, so it cannot drift with it.
type BM25 struct {
	docs    []bmDoc
	df      map[string]int
	avgLen  float64
	posting map[string][]int // term -> documents holding it
}

type bmDoc struct {
	meeting int64
	turn    int
	tf      map[string]int
	len     int
}

// bmHit is one ranked turn.
type bmHit struct {
	meeting int64
	turn    int
	score   float64
}

// NewBM25 returns an empty index.
func NewBM25() *BM25 {
	return &BM25{df: map[string]int{}, posting: map[string][]int{}}
}

func bmTokens(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if !englishStop[w] {
			out = append(out, w)
		}
	}
	return out
}

// Add indexes one turn.
func (b *BM25) Add(meeting int64, turn int, text string) {
	d := bmDoc{meeting: meeting, turn: turn, tf: map[string]int{}}
	for _, t := range bmTokens(text) {
		d.tf[t]++
		d.len++
	}
	for t := range d.tf {
		b.df[t]++
		b.posting[t] = append(b.posting[t], len(b.docs))
	}
	b.docs = append(b.docs, d)
}

// Finish computes the mean document length; call it after the last Add.
func (b *BM25) Finish() {
	var n int
	for _, d := range b.docs {
		n += d.len
	}
	b.avgLen = float64(n) / math.Max(float64(len(b.docs)), 1)
}

// Search returns the k best turns for query, best first (ties: earlier
// document first).
func (b *BM25) Search(query string, k int) []bmHit {
	const k1, bb = 1.2, 0.75
	n := float64(len(b.docs))
	acc := map[int]float64{}
	seen := map[string]bool{}
	for _, t := range bmTokens(query) {
		if seen[t] {
			continue
		}
		seen[t] = true
		df := float64(b.df[t])
		if df == 0 {
			continue
		}
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		for _, i := range b.posting[t] {
			d := b.docs[i]
			tf := float64(d.tf[t])
			acc[i] += idf * tf * (k1 + 1) / (tf + k1*(1-bb+bb*float64(d.len)/b.avgLen))
		}
	}
	hits := make([]bmHit, 0, len(acc))
	ids := make([]int, 0, len(acc))
	for i := range acc {
		ids = append(ids, i)
	}
	sort.Slice(ids, func(x, y int) bool {
		if acc[ids[x]] != acc[ids[y]] {
			return acc[ids[x]] > acc[ids[y]]
		}
		return ids[x] < ids[y]
	})
	for _, i := range ids[:min(k, len(ids))] {
		hits = append(hits, bmHit{b.docs[i].meeting, b.docs[i].turn, acc[i]})
	}
	return hits
}

// englishStop is NLTK's English stop-word list, the textbook one.
var englishStop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`i me my myself we our ours ourselves you your yours yourself yourselves
		he him his himself she her hers herself it its itself they them their theirs themselves what which
		who whom this that these those am is are was were be been being have has had having do does did
		doing a an the and but if or because as until while of at by for with about against between into
		through during before after above below to from up down in out on off over under again further
		then once here there when where why how all any both each few more most other some such no nor not
		only own same so than too very s t can will just don should now d ll m o re ve y ain aren couldn
		didn doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn weren won wouldn`) {
		m[w] = true
	}
	return m
}()
