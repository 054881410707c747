package postings

import (
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/meetingintel/meetingintel"
)

// benchIndex is a generated corpus of about 300,000 documents (1000
// meetings of up to 600 lines), built once for the benchmarks.
var benchIndex = sync.OnceValues(func() (*Index, []Doc) {
	docs := genCorpus(rand.New(rand.NewPCG(12, 12)), 1000, 600)
	ix := New()
	ix.Grow(len(docs))
	ix.Put(docs...)
	return ix, docs
})

// BenchmarkSearch is one search of each of testQueries, as the stores ask
// (SearchSpread, k 10, an Allow that reads every candidate's ids).
func BenchmarkSearch(b *testing.B) {
	ix, _ := benchIndex()
	qs := make([]Query, len(testQueries))
	for i, text := range testQueries {
		qs[i] = Query{Words: strings.Fields(text), K: 10, Weights: meetingintel.KindWeights(text),
			Allow: func(m, id int64) bool { return (m+id)%19 != 0 }}
	}
	b.ResetTimer()
	for b.Loop() {
		for _, q := range qs {
			ix.SearchSpread(q)
		}
	}
}

// BenchmarkIndexMemory builds the generated corpus's index and reports its
// heap per document: in use after a collection (heap-B/doc), and the sum
// of Memory's parts (parts-B/doc), with fwd-B/doc and postings-B/doc the
// two largest.
func BenchmarkIndexMemory(b *testing.B) {
	docs := genCorpus(rand.New(rand.NewPCG(12, 12)), 1000, 600)
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ix := New()
		ix.Grow(len(docs))
		for i := 0; i < len(docs); i += 4096 {
			ix.Put(docs[i:min(i+4096, len(docs))]...)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		n := float64(len(docs))
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/n, "heap-B/doc")
		var sum int64
		for _, p := range ix.Memory() {
			sum += p.Bytes
			if p.Name == "fwd" || p.Name == "postings" {
				b.ReportMetric(float64(p.Bytes)/n, p.Name+"-B/doc")
			}
		}
		b.ReportMetric(float64(sum)/n, "parts-B/doc")
		runtime.KeepAlive(ix)
	}
}
