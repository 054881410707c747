package postings

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"

	"github.com/meetingintel/meetingintel"
)

// maxTerms is how many query terms a search uses: a document's terms are
// bits of a uint16 in the per-query scratch (meetingintel.MaxSearchTerms
// is 16).
const maxTerms = 16

// tableTerms: up to this many terms, per-mask bounds come from a table.
const tableTerms = 12

// Query is one search.
type Query struct {
	Words []string // meetingintel.SearchTerms (after DropIntentWords), in query order
	// TermWeights (when set) scale each word's IDF, by Words' index
	// (meetingintel.TermWeights); a missing one is 1.
	TermWeights []float64
	Weights     map[string]float64
	// Kind, when set, keeps only hits of that kind, scored as in a search
	// of every kind.
	Kind string
	K    int
	// Allow, when set, keeps only the documents it allows, by meeting
	// (0: an action without a meeting) and document id. It is called for
	// candidates that may enter the top k only.
	Allow func(meeting, doc int64) bool
}

// Hit is one ranked document.
type Hit struct {
	ID      int64
	Kind    string
	Meeting int64
	Seq     int
	Terms   uint64 // bit i: the document holds Result.Words[i]
	Score   float64
}

// Result is a search's top k, best first (newer first on ties).
type Result struct {
	Hits []Hit
	// Words are the query words that match something, in query order,
	// with the documents holding each (DFs): bit i of Hit.Terms.
	Words []string
	DFs   []int
	// Scored counts the documents whose exact score was computed (the
	// other matches were pruned by their bound).
	Scored int
}

// found is a query word that matches something.
type found struct {
	word   string
	weight float64 // Query.TermWeights', 1 when not given
	term   uint32
	df     int32
}

// scratch is one search's working memory, pooled: per document its
// query-term mask and whether it was visited, per meeting its cover.
type scratch struct {
	mask    []uint16
	visited []uint64 // bit n: visited; for one term, n holds it (mask is not written)
	cover   []uint16
	ctxB    []float64
	idfTbl  []float64
	nearTbl []float64
	maxTbl  []float64 // per mask: TermBound's sum at weight 1
	toks    []uint32
}

// query is a prepared search: terms, masks and covers in scratch.
type query struct {
	ix      *Index
	q       Query
	found   []found
	s       *scratch
	r       meetingintel.Ranker
	spkMask []uint64
	spkB    []float64  // per speaker, at weight 1
	kindW   [6]float64 // per kind number: its weight
	maxSpk  float64    // the highest speaker bound, at weight 1
	// single: the query has one term. Its matches' masks are all 1, so
	// they are not written: visited holds which documents have the term
	// (a bit each, where mask takes 16), and top needs no visited test.
	single bool
}

// Search returns the top q.K documents by meetingintel.RankDocs' score over
// every document matching any of q.Words (exact: the same documents and
// scores as Brute), without scoring most of them:
//
//  1. One walk over every term's postings marks each document's terms
//     and ORs each meeting's cover.
//  2. Terms are taken rarest first; each document of a term's postings
//     not seen yet gets an upper bound from its mask, kind, length,
//     speaker and meeting cover (meetingintel.Ranker's bounds), and is
//     scored exactly only when the bound reaches the k-th best score so
//     far. Before each term, MaxScore's test: when the bound of a document
//     holding only the remaining terms (TermBound per term) is below the
//     k-th score, the remaining postings are not read at all.
func (ix *Index) Search(q Query) Result {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	qq := ix.prepare(q)
	if qq == nil {
		return Result{Hits: []Hit{}}
	}
	defer qq.release()
	return qq.top(max(q.K, 1))
}

// top runs step 2 of Search for the k best; a prepared query may run it
// again for a larger k (SearchSpread) without walking the postings for
// masks and covers again.
func (qq *query) top(k int) Result {
	ix, q := qq.ix, qq.q
	if !qq.single {
		clear(qq.s.visited)
	}
	res := qq.result()
	h := &topK{k: k}
	order := make([]int, len(qq.found))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(qq.found[a].df, qq.found[b].df) })
	maxW := 0.0
	for _, w := range q.Weights {
		maxW = max(maxW, w)
	}
	maxW = max(maxW, 1)
	var maxSpk, maxCtx float64
	for _, b := range qq.spkB {
		maxSpk = max(maxSpk, b)
	}
	for _, b := range qq.s.ctxB[:len(ix.mtgs)] {
		maxCtx = max(maxCtx, b)
	}
	for oi, i := range order {
		if h.full() {
			// MaxScore: a document not visited yet holds only terms of
			// order[oi:].
			var rest float64
			for _, j := range order[oi:] {
				rest += qq.r.TermBound(j, 1)
			}
			if below(maxW*(rest+maxSpk)+maxCtx, h.min().Score) {
				break
			}
		}
		// The walk is inlined (no call per posting): it is most of a
		// search's time on common words.
		s, kind := qq.s, kindNumber(q.Kind)
		// One word and no speaker named: lines' bounds differ only by
		// length, so the k-th score is also a longest length that may
		// enter (cut), and a longer line is passed over on a compare.
		byLen := qq.single && qq.maxSpk == 0 && qq.kindW[kindSegment] > 0
		cut := uint32(math.MaxUint32)
		if byLen && h.full() {
			cut = qq.lineCut(h.min().Score, maxCtx)
		}
		cur := ix.cursor()
		n := int32(-1)
		for b := ix.terms[qq.found[i].term].post; len(b) > 0; {
			v, k := uint64(b[0]), 1 // most gaps of a common word fit a byte
			if v >= 0x80 {
				v, k = binary.Uvarint(b)
			}
			b = b[k:]
			n += int32(v)
			kn := ix.kind[n]
			if kn == 0 {
				continue
			}
			if !qq.single {
				if s.visited[n>>6]&(1<<(n&63)) != 0 {
					continue
				}
				s.visited[n>>6] |= 1 << (n & 63)
			}
			if q.Kind != "" && kn != kind {
				continue
			}
			mask := qq.postMask(n)
			if h.full() {
				if kn == kindSegment && ix.length[n] > cut {
					continue
				}
				m := cur.at(n)
				if below(qq.quickBound(n, m, mask), h.min().Score) || below(qq.bound(n, m, mask), h.min().Score) {
					continue
				}
			}
			if q.Allow != nil && !q.Allow(ix.meetingID(n), ix.ids[n]) {
				continue
			}
			res.Scored++
			h.push(qq.hit(n, mask))
			if byLen && h.full() {
				cut = qq.lineCut(h.min().Score, maxCtx)
			}
		}
	}
	res.Hits = h.sorted()
	return res
}

// Brute ranks every document matching q's words with meetingintel.RankDocs
// itself and returns the top q.K: what Search must return, for tests.
func (ix *Index) Brute(q Query) Result {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	qq := ix.prepare(q)
	if qq == nil {
		return Result{Hits: []Hit{}}
	}
	defer qq.release()
	res := qq.result()
	var nums []int32
	var docs []meetingintel.RankDoc
	for i := range qq.found {
		ix.walk(qq.found[i].term, func(n int32) {
			s := qq.s
			if ix.kind[n] == 0 {
				return
			}
			if !qq.single {
				if s.visited[n>>6]&(1<<(n&63)) != 0 {
					return
				}
				s.visited[n>>6] |= 1 << (n & 63)
			}
			nums = append(nums, n)
			docs = append(docs, qq.rankDoc(n, qq.postMask(n)))
		})
	}
	idfs := qq.r.IDFs
	meetingintel.RankDocs(docs, idfs, qq.r.AvgLen, q.Weights)
	h := &topK{k: max(q.K, 1)}
	for i, n := range nums {
		if q.Kind != "" && docs[i].Kind != q.Kind {
			continue
		}
		if q.Allow != nil && !q.Allow(docs[i].Meeting, ix.ids[n]) {
			continue
		}
		res.Scored++
		h.push(Hit{ID: ix.ids[n], Kind: docs[i].Kind, Meeting: docs[i].Meeting, Seq: docs[i].Seq, Terms: docs[i].Terms, Score: docs[i].Score})
	}
	res.Hits = h.sorted()
	return res
}

// avgLen is BM25's normaliser: the mean length of the documents in the
// terms' postings, a document counted once per term it holds. It is
// close to the matches' mean (a document counted once), which a search
// would know only after reading every posting, and ranks as well: on
// QMSum, the collection's mean instead cost 1 to 2 points of hit@10.
func (ix *Index) avgLen(found []found) float64 {
	var sum, n uint64
	for _, f := range found {
		sum += ix.terms[f.term].lenSum
		n += uint64(f.df)
	}
	return max(float64(sum)/float64(max(n, 1)), 1)
}

// below reports whether bound cannot reach score: it is less by more
// than rounding (bounds and scores add the same parts in other orders).
func below(bound, score float64) bool {
	return bound < score-1e-9*math.Abs(score)
}

func (qq *query) result() Result {
	var r Result
	for _, f := range qq.found {
		r.Words = append(r.Words, f.word)
		r.DFs = append(r.DFs, int(f.df))
	}
	return r
}

// walk calls fn with every document number of term t's postings
// (deleted ones included), ascending.
func (ix *Index) walk(t uint32, fn func(n int32)) {
	n := int32(-1)
	for b := ix.terms[t].post; len(b) > 0; {
		v, k := uint64(b[0]), 1 // most gaps of a common word fit a byte
		if v >= 0x80 {
			v, k = binary.Uvarint(b)
		}
		b = b[k:]
		n += int32(v)
		fn(n)
	}
}

func (ix *Index) meetingID(n int32) int64 {
	return ix.mtgs[ix.mtg[n]].id
}

// prepare finds q's terms and runs step 1 of Search; nil when no word
// matches anything.
func (ix *Index) prepare(q Query) *query {
	qq := &query{ix: ix, q: q}
	for wi, w := range q.Words {
		if len(qq.found) == maxTerms {
			break
		}
		t := Term(w)
		if t == "" {
			continue
		}
		weight := 1.0
		if wi < len(q.TermWeights) {
			weight = q.TermWeights[wi]
		}
		if tn, ok := ix.dict[t]; ok && ix.terms[tn].df > 0 {
			qq.found = append(qq.found, found{word: w, weight: weight, term: tn, df: ix.terms[tn].df})
		}
	}
	if len(qq.found) == 0 {
		return nil
	}
	s, _ := ix.scratch.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	if len(s.mask) < len(ix.kind) {
		s.mask = make([]uint16, len(ix.kind)+len(ix.kind)/8)
		s.visited = make([]uint64, len(s.mask)/64+1)
	}
	if len(s.cover) < len(ix.mtgs) {
		s.cover = make([]uint16, len(ix.mtgs)+len(ix.mtgs)/8)
		s.ctxB = make([]float64, len(s.cover))
	}
	qq.s = s
	qq.single = len(qq.found) == 1
	// Speakers whose names hold a query word (usually none): the terms the
	// matching lines' speakers name are meetingintel.Ranker.Named.
	words := make([]string, len(qq.found))
	for i, f := range qq.found {
		words[i] = f.word
	}
	qq.spkMask = make([]uint64, len(ix.spks))
	anyNamed := false
	for i, name := range ix.spks {
		if i > 0 {
			qq.spkMask[i] = meetingintel.SpeakerTerms(name, words)
			anyNamed = anyNamed || qq.spkMask[i] != 0
		}
	}
	var named uint64
	// One walk over the postings: each match's terms, each meeting's cover.
	// It is most of a search on common words, so it reads per document
	// only its kind and mask (and its meeting, in runs).
	for i, f := range qq.found {
		bit := uint16(1) << i
		cur := ix.cursor()
		last := ^uint32(0)
		n := int32(-1)
		for b := ix.terms[f.term].post; len(b) > 0; {
			v, k := uint64(b[0]), 1 // most gaps of a common word fit a byte
			if v >= 0x80 {
				v, k = binary.Uvarint(b)
			}
			b = b[k:]
			n += int32(v)
			kn := ix.kind[n]
			if kn == 0 {
				continue
			}
			if qq.single {
				s.visited[n>>6] |= 1 << (n & 63)
			} else {
				s.mask[n] |= bit
			}
			if kn == kindSegment {
				if m := cur.at(n); m != last {
					s.cover[m] |= bit
					last = m
				}
				if anyNamed {
					named |= qq.spkMask[ix.spk[n]]
				}
			}
		}
	}
	idfs := make([]float64, len(qq.found))
	for i, f := range qq.found {
		idfs[i] = meetingintel.BM25IDF(float64(ix.live), float64(f.df)) * f.weight
	}
	qq.r = meetingintel.Ranker{IDFs: idfs, AvgLen: ix.avgLen(qq.found), Weights: q.Weights, Named: named}
	for k, name := range kinds {
		qq.kindW[k] = 1
		if w, ok := q.Weights[name]; ok {
			qq.kindW[k] = w
		}
	}
	qq.spkB = make([]float64, len(ix.spks))
	for i := range ix.spks {
		if i > 0 {
			qq.spkB[i] = qq.r.SpeakerBound(qq.spkMask[i], 1)
			qq.maxSpk = max(qq.maxSpk, qq.spkB[i])
		}
	}
	for m := range ix.mtgs {
		s.ctxB[m] = 0
		if c := s.cover[m]; c != 0 {
			s.ctxB[m] = qq.r.ContextBound(uint64(c))
		}
	}
	if len(qq.found) <= tableTerms {
		size := 1 << len(qq.found)
		s.idfTbl = slices.Grow(s.idfTbl[:0], size)[:size]
		s.nearTbl = slices.Grow(s.nearTbl[:0], size)[:size]
		s.maxTbl = slices.Grow(s.maxTbl[:0], size)[:size]
		for mask := range size {
			var idf float64
			for i, v := range idfs {
				if mask&(1<<i) != 0 {
					idf += v
				}
			}
			// The near bonus alone, at weight 1 (a kind with no weight).
			near := qq.r.Own(meetingintel.RankDoc{Near: meetingintel.NearPairs(uint64(mask), len(idfs)), Len: 1})
			var most float64
			for i := range idfs {
				if mask&(1<<i) != 0 {
					most += qq.r.TermBound(i, 1)
				}
			}
			s.idfTbl[mask], s.nearTbl[mask], s.maxTbl[mask] = idf, near, most
		}
	}
	return qq
}

// release clears the scratch and returns it to the pool.
func (qq *query) release() {
	s := qq.s
	if !qq.single {
		clear(s.mask)
	}
	clear(s.visited)
	clear(s.cover)
	qq.ix.scratch.Put(s)
}

// lineCut returns a length no shorter than the longest a line of a
// one-word query without named speakers may have and still reach score:
// its bound is BM25 of its length plus the same near part, speaker part
// (0) and at most ctx from its meeting, all times the lines' weight. The
// length is rounded up, and score lowered by below's slack, so a line
// past the cut is one bound would have passed over.
func (qq *query) lineCut(score, ctx float64) uint32 {
	need := (score-1e-9*math.Abs(score)-ctx)/qq.kindW[kindSegment] - qq.s.nearTbl[1]
	if need <= 0 {
		return math.MaxUint32
	}
	l := meetingintel.BM25MaxLen(qq.s.idfTbl[1], qq.r.AvgLen, need)
	switch {
	case l < 0:
		return 0
	case l >= math.MaxUint32-1:
		return math.MaxUint32
	}
	return uint32(l) + 1
}

// quickBound is a looser bound than bound, from tables only (no length,
// no speaker lookup): most documents of common words fail it, and then
// bound's division and reads are spared.
// m is n's meeting number.
func (qq *query) quickBound(n int32, m uint32, mask uint16) float64 {
	s := qq.s
	if len(qq.found) > tableTerms {
		return math.Inf(1)
	}
	k := qq.ix.kind[n]
	b := (s.maxTbl[mask] + qq.maxSpk) * qq.kindW[k]
	if k == kindSegment {
		b += s.ctxB[m]
	}
	return b
}

// bound is an upper bound of document n's score: Own with every near pair
// it may have, plus its meeting's (m) ContextBound for a line.
func (qq *query) bound(n int32, m uint32, mask uint16) float64 {
	s := qq.s
	w := qq.kindW[qq.ix.kind[n]]
	var b float64
	if s.idfTbl != nil && len(qq.found) <= tableTerms {
		b = meetingintel.BM25(s.idfTbl[mask], float64(qq.ix.length[n]), qq.r.AvgLen) + s.nearTbl[mask]
		b = (b + qq.spkB[qq.ix.spk[n]]) * w
	} else {
		d := qq.rankDoc(n, mask)
		d.Near = meetingintel.NearPairs(d.Terms, len(qq.found))
		b = qq.r.Own(d)
	}
	if qq.ix.kind[n] == kindSegment {
		b += s.ctxB[m]
	}
	return b
}

// postMask is the mask of document n, found in a query term's postings.
func (qq *query) postMask(n int32) uint16 {
	if qq.single {
		return 1
	}
	return qq.s.mask[n]
}

// maskOf is the mask of any live document n.
func (qq *query) maskOf(n int32) uint16 {
	if qq.single {
		return uint16(qq.s.visited[n>>6] >> (n & 63) & 1)
	}
	return qq.s.mask[n]
}

// rankDoc is document n as RankDocs sees it, Near included.
func (qq *query) rankDoc(n int32, mask uint16) meetingintel.RankDoc {
	ix := qq.ix
	d := meetingintel.RankDoc{Kind: kinds[ix.kind[n]], Meeting: ix.meetingID(n), Seq: int(ix.seq[n]),
		Terms: uint64(mask), Len: float64(ix.length[n])}
	if ix.kind[n] == kindSegment {
		d.SpeakerTerms = qq.spkMask[ix.spk[n]]
	}
	if np := meetingintel.NearPairs(d.Terms, len(qq.found)); np != 0 {
		d.Near = qq.near(n, np)
	}
	return d
}

// near returns which pairs of pairs (bits j: terms j and j+1) occur within
// meetingintel.NearDistance tokens of each other in document n, in either
// order (FTS5's NEAR(a b, N): at most N tokens between them).
func (qq *query) near(n int32, pairs uint64) uint64 {
	ix := qq.ix
	toks := qq.s.toks[:0]
	for b := ix.fwd[ix.fwdAt[n]:ix.fwdAt[n+1]]; len(b) > 0; {
		v, k := binary.Uvarint(b)
		b = b[k:]
		toks = append(toks, uint32(v))
	}
	qq.s.toks = toks
	var out uint64
	for j := 0; j+1 < len(qq.found); j++ {
		if pairs&(1<<j) == 0 {
			continue
		}
		a, b := qq.found[j].term, qq.found[j+1].term
	scan:
		for p, t := range toks {
			if t != a {
				continue
			}
			for q := max(p-meetingintel.NearDistance-1, 0); q <= min(p+meetingintel.NearDistance+1, len(toks)-1); q++ {
				if q != p && toks[q] == b {
					out |= 1 << j
					break scan
				}
			}
		}
	}
	return out
}

// hit scores document n exactly, as RankDocs would among every match.
func (qq *query) hit(n int32, mask uint16) Hit {
	ix, s := qq.ix, qq.s
	d := qq.rankDoc(n, mask)
	score := qq.r.Own(d)
	if ix.kind[n] == kindSegment {
		var at [meetingintel.PassageRadius + 1]uint64
		at[0] = d.Terms
		mt := ix.mtgs[ix.mtg[n]]
		seq := int(ix.seq[n])
		for dist := 1; dist <= meetingintel.PassageRadius; dist++ {
			for _, sq := range [2]int{seq - dist, seq + dist} {
				if sq >= 0 && sq < len(mt.lines) && mt.lines[sq] != 0 {
					at[dist] |= uint64(qq.maskOf(mt.lines[sq] - 1))
				}
			}
		}
		score += qq.r.Passage(at)
		score += qq.r.Meeting(uint64(s.cover[ix.mtg[n]]))
	}
	return Hit{ID: ix.ids[n], Kind: d.Kind, Meeting: d.Meeting, Seq: d.Seq, Terms: d.Terms, Score: score}
}

// topK keeps the k best hits: a min-heap by (score, id).
type topK struct {
	k    int
	hits []Hit
}

func worse(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return a.ID < b.ID
}

func (h *topK) full() bool { return len(h.hits) == h.k }
func (h *topK) min() Hit   { return h.hits[0] }

func (h *topK) push(x Hit) {
	if len(h.hits) < h.k {
		h.hits = append(h.hits, x)
		for i := len(h.hits) - 1; i > 0; {
			p := (i - 1) / 2
			if !worse(h.hits[i], h.hits[p]) {
				break
			}
			h.hits[i], h.hits[p] = h.hits[p], h.hits[i]
			i = p
		}
		return
	}
	if !worse(h.hits[0], x) {
		return
	}
	h.hits[0] = x
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(h.hits) {
			return
		}
		if r := l + 1; r < len(h.hits) && worse(h.hits[r], h.hits[l]) {
			l = r
		}
		if !worse(h.hits[l], h.hits[i]) {
			return
		}
		h.hits[i], h.hits[l] = h.hits[l], h.hits[i]
		i = l
	}
}

// sorted returns the hits best first.
func (h *topK) sorted() []Hit {
	out := slices.Clone(h.hits)
	slices.SortFunc(out, func(a, b Hit) int {
		if worse(a, b) {
			return 1
		}
		if worse(b, a) {
			return -1
		}
		return 0
	})
	if out == nil {
		out = []Hit{}
	}
	return out
}

// SearchSpread is Search with the page diversified by meetingintel.Spread:
// a line within SpreadDistance of a better one of its meeting is
// discounted, so q.K hits cover more places. It asks Search for more than
// q.K hits, fourfold more while the page is not settled, and at most
// q.K*(2*SpreadDistance+1), which always settles it. Hits carry their
// adjusted scores, best first.
func (ix *Index) SearchSpread(q Query) Result {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	qq := ix.prepare(q)
	if qq == nil {
		return Result{Hits: []Hit{}}
	}
	defer qq.release()
	limit := max(q.K, 1)
	most := limit * (2*meetingintel.SpreadDistance + 1)
	for k := 2 * limit; ; k = min(4*k, most) {
		res := qq.top(k)
		sp := meetingintel.NewSpread(limit)
		for _, h := range res.Hits {
			if sp.Full() {
				break
			}
			sp.Offer(h.Kind, h.Meeting, h.Seq, h.Score)
		}
		if sp.Full() || len(res.Hits) < k || k >= most {
			order, scores := sp.Page()
			hits := make([]Hit, len(order))
			for i, at := range order {
				hits[i] = res.Hits[at]
				hits[i].Score = scores[i]
			}
			res.Hits = hits
			return res
		}
	}
}
