package postings

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel"
)

// genCorpus makes meetings of Zipf-distributed words, as mibench does on a
// small scale: common words on most lines, rare ones on a few, a few
// speakers whose names are words of the vocabulary too, and every kind of
// document.
func genCorpus(r *rand.Rand, meetings, lines int) []Doc {
	vocab := strings.Fields(`budget pricing pricing prices design button customer release plan data review
		sprint deadline client page launch roadmap onboarding ticket deploy migration dashboard report invoice
		contract renewal churn retention funnel signup trial enterprise tier annual monthly discount quote
		marketing café cafe designer designers`)
	filler := strings.Fields(`the to and a of we that it is you in this for on be so have with was just not`)
	speakers := []string{"Marketing", "Project Manager", "Designer", "Ana Pricing", "Bob"}
	z := rand.NewZipf(r, 1.1, 1.5, uint64(len(vocab)-1))
	sentence := func(n int) string {
		w := make([]string, n)
		for i := range w {
			if r.IntN(3) == 0 {
				w[i] = vocab[z.Uint64()]
			} else {
				w[i] = filler[r.IntN(len(filler))]
			}
			if r.IntN(7) == 0 {
				w[i] = strings.ToUpper(w[i][:1]) + w[i][1:] + ","
			}
		}
		return strings.Join(w, " ")
	}
	var docs []Doc
	id := int64(1)
	next := func(d Doc) {
		d.ID = id
		id += 1 + int64(r.IntN(2))
		docs = append(docs, d)
	}
	for m := 1; m <= meetings; m++ {
		mid := int64(m * 10)
		next(Doc{Kind: meetingintel.KindTitle, Meeting: mid, Text: sentence(1 + r.IntN(4))})
		next(Doc{Kind: meetingintel.KindSummary, Meeting: mid, Text: sentence(10 + r.IntN(30))})
		n := 1 + r.IntN(lines)
		for s := range n {
			next(Doc{Kind: meetingintel.KindSegment, Meeting: mid, Seq: s, Speaker: speakers[r.IntN(len(speakers))], Text: sentence(1 + r.IntN(20))})
		}
		if r.IntN(2) == 0 {
			next(Doc{Kind: meetingintel.KindDecision, Meeting: mid, Text: sentence(3 + r.IntN(8))})
		}
		if r.IntN(2) == 0 {
			next(Doc{Kind: meetingintel.KindAction, Meeting: mid, Text: sentence(3 + r.IntN(8))})
		}
	}
	for range 3 {
		next(Doc{Kind: meetingintel.KindAction, Text: sentence(3 + r.IntN(8))}) // no meeting
	}
	return docs
}

var testQueries = []string{
	"pricing", "budget", "the budget", "pricing page", "customer churn", "annual discount quote",
	"what did marketing say about the pricing page", "designer button design", "cafe", "café prices",
	"release deadline sprint review plan", "enterprise tier trial signup funnel retention churn renewal",
	"nothingmatches", "nothingmatches budget", "decided on the budget", "who owns the invoice action",
}

// oracle ranks docs with meetingintel.RankDocs from scratch (its own
// tokenising, matching and near test, none of the index's structures) and
// returns the top k as Search would.
func oracle(docs []Doc, q Query) []Hit {
	var words, stems []string
	for _, w := range q.Words {
		if t := Term(w); t != "" {
			words, stems = append(words, w), append(stems, t)
		}
	}
	tokens := func(text string) []string {
		var out []string
		for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !tokenChar(r) }) {
			out = append(out, Term(w))
		}
		return out
	}
	type doc struct {
		Doc
		toks []string
	}
	var all []doc
	for _, d := range docs {
		all = append(all, doc{d, tokens(d.Text)})
	}
	df := make([]int, len(stems))
	for _, d := range all {
		for i, s := range stems {
			if slices.Contains(d.toks, s) {
				df[i]++
			}
		}
	}
	// Words that match nothing are dropped, as the stores drop them.
	var keepW, keepS []string
	for i := range stems {
		if df[i] > 0 {
			keepW, keepS = append(keepW, words[i]), append(keepS, stems[i])
		}
	}
	var rds []meetingintel.RankDoc
	var ids []int64
	var total float64
	for _, d := range all {
		var mask uint64
		for i, s := range keepS {
			if slices.Contains(d.toks, s) {
				mask |= 1 << i
			}
		}
		if mask == 0 {
			continue
		}
		rd := meetingintel.RankDoc{Kind: d.Kind, Meeting: d.Meeting, Seq: d.Seq, Terms: mask, Len: float64(len(d.toks))}
		if d.Kind == meetingintel.KindSegment {
			rd.SpeakerTerms = meetingintel.SpeakerTerms(d.Speaker, keepW)
		}
		for j := 0; j+1 < len(keepS); j++ {
			for p := range d.toks {
				for o := range d.toks {
					if p != o && d.toks[p] == keepS[j] && d.toks[o] == keepS[j+1] && abs(p-o) <= meetingintel.NearDistance+1 {
						rd.Near |= 1 << j
					}
				}
			}
		}
		rds = append(rds, rd)
		ids = append(ids, d.ID)
	}
	var held float64 // documents, once per term they hold
	for _, d := range rds {
		n := float64(bits.OnesCount64(d.Terms))
		total += n * d.Len
		held += n
	}
	idfs := make([]float64, len(keepS))
	j := 0
	for i := range stems {
		if df[i] > 0 {
			idfs[j] = meetingintel.BM25IDF(float64(len(docs)), float64(df[i]))
			j++
		}
	}
	meetingintel.RankDocs(rds, idfs, max(total/max(held, 1), 1), q.Weights)
	h := &topK{k: max(q.K, 1)}
	for i, d := range rds {
		if (q.Kind != "" && d.Kind != q.Kind) || (q.Allow != nil && !q.Allow(d.Meeting, ids[i])) {
			continue
		}
		h.push(Hit{ID: ids[i], Kind: d.Kind, Meeting: d.Meeting, Seq: d.Seq, Terms: d.Terms, Score: d.Score})
	}
	return h.sorted()
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func sameHits(t *testing.T, what string, got, want []Hit) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d hits, want %d\ngot  %v\nwant %v", what, len(got), len(want), got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: hit %d is %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

// queriesFor returns the test's queries with every option: kinds, k, and
// a visibility predicate that hides every third meeting.
func queriesFor(r *rand.Rand) []Query {
	var qs []Query
	for _, text := range testQueries {
		terms := meetingintel.DropIntentWords(meetingintel.SearchTerms(text))
		for _, k := range []int{1, 10, 50} {
			qs = append(qs, Query{Words: terms, Weights: meetingintel.KindWeights(text), K: k})
		}
		qs = append(qs,
			Query{Words: terms, Weights: meetingintel.KindWeights(text), K: 10, Kind: meetingintel.KindDecision},
			Query{Words: terms, Weights: meetingintel.KindWeights(text), K: 10, Kind: meetingintel.KindSegment},
			Query{Words: terms, Weights: meetingintel.KindWeights(text), K: 5 + r.IntN(20),
				Allow: func(m, doc int64) bool { return (m == 0 && doc%2 == 0) || (m != 0 && (m/10)%3 != 0) }})
	}
	return qs
}

// TestSearchExact: the pruned top k equals brute-force RankDocs over every
// match, and Brute equals an oracle that shares none of the index's
// structures, on generated corpora, after edits too.
func TestSearchExact(t *testing.T) {
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 99))
		docs := genCorpus(r, 30+int(seed)*20, 40)
		ix := New()
		ix.Put(docs...)
		check := func(stage string) {
			pruned := 0
			for qi, q := range queriesFor(r) {
				what := fmt.Sprintf("seed %d %s query %d %q kind %q k %d", seed, stage, qi, q.Words, q.Kind, q.K)
				got, brute := ix.Search(q), ix.Brute(q)
				sameHits(t, what+" (search vs brute)", got.Hits, brute.Hits)
				sameHits(t, what+" (brute vs oracle)", brute.Hits, oracle(docs, q))
				pruned += brute.Scored - got.Scored
			}
			if pruned <= 0 {
				t.Errorf("seed %d %s: no candidate was pruned", seed, stage)
			}
		}
		check("built")
		// Edits: replace some documents' text, delete others, add a meeting.
		for i := range docs {
			switch r.IntN(10) {
			case 0:
				docs[i].Text = "budget pricing " + docs[i].Text
				ix.Put(docs[i])
			case 1:
				ix.Delete(docs[i].ID)
				docs[i].ID = -1
			}
		}
		docs = slices.DeleteFunc(docs, func(d Doc) bool { return d.ID == -1 })
		extra := genCorpus(r, 3, 10)
		for i := range extra {
			extra[i].ID += 1_000_000
			extra[i].Meeting += 1_000_000
		}
		ix.Put(extra...)
		docs = append(docs, extra...)
		if ix.Len() != len(docs) {
			t.Fatalf("index holds %d documents, want %d", ix.Len(), len(docs))
		}
		check("edited")
	}
}

// TestCompact: deleting most documents compacts the index, and searches
// stay exact.
func TestCompact(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	docs := genCorpus(r, 60, 60)
	ix := New()
	ix.Put(docs...)
	var keep []Doc
	for i, d := range docs {
		if i%3 == 0 {
			keep = append(keep, d)
		} else {
			ix.Delete(d.ID)
		}
	}
	if len(ix.kind) >= len(docs) || ix.dead > ix.live {
		t.Fatalf("not compacted: %d slots, %d deleted, %d live of %d", len(ix.kind), ix.dead, ix.live, len(docs))
	}
	for _, q := range queriesFor(r) {
		sameHits(t, fmt.Sprint(q.Words), ix.Search(q).Hits, oracle(keep, q))
	}
	// Re-adding a deleted id, out of id order, finds it.
	ix.Put(docs[1])
	if n := ix.find(docs[1].ID); n < 0 || ix.ids[n] != docs[1].ID {
		t.Fatalf("re-added document %d not found", docs[1].ID)
	}
	ix.Delete(docs[1].ID)
	if n := ix.find(docs[1].ID); n >= 0 {
		t.Fatalf("deleted document %d still found", docs[1].ID)
	}
}

func TestTerms(t *testing.T) {
	for word, want := range map[string]string{
		"pricing": "price", "Prices": "price", "café": "cafe", "Meetings": "meet", "2026": "2026",
		"it": "it", "ÉCOLE": "ecol", "...": "",
	} {
		if got := Term(word); got != want {
			t.Errorf("Term(%q) = %q, want %q", word, got, want)
		}
	}
	var toks []string
	eachToken("Don't re-deploy: the café's API, v2!", nil, func(tok []byte) { toks = append(toks, string(tok)) })
	if want := []string{"don", "t", "re", "deploy", "the", "cafe", "s", "api", "v2"}; !slices.Equal(toks, want) {
		t.Errorf("tokens %q, want %q", toks, want)
	}
}

// TestSearchSpreadExact: SearchSpread's page equals meetingintel.Spread
// applied to brute-force RankDocs' ranking of every match.
func TestSearchSpreadExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	ix := New()
	ix.Put(genCorpus(r, 40, 60)...)
	for qi, q := range queriesFor(r) {
		got := ix.SearchSpread(q)
		all := q
		all.K = 1 << 20
		ranked := ix.Brute(all).Hits
		sp := meetingintel.NewSpread(max(q.K, 1))
		for _, h := range ranked {
			if sp.Full() {
				break
			}
			sp.Offer(h.Kind, h.Meeting, h.Seq, h.Score)
		}
		order, scores := sp.Page()
		want := make([]Hit, len(order))
		for i, at := range order {
			want[i] = ranked[at]
			want[i].Score = scores[i]
		}
		sameHits(t, fmt.Sprintf("query %d %q kind %q k %d", qi, q.Words, q.Kind, q.K), got.Hits, want)
	}
}
