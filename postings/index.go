// Package postings is an in-process full-text index of a store's search
// documents, built for exact top-k ranking by meetingintel.RankDocs'
// score: postings per stemmed term (which documents hold it), a forward
// view of each document's tokens (for lengths and the near test), each
// meeting's transcript lines by position (a line's passage) and, per
// query, each meeting's term cover. Every candidate's score is thus
// computable without reading the others, and per-term upper bounds
// (meetingintel.Ranker.TermBound) let a search skip the candidates of
// common words that cannot enter the top k (see Search).
//
// The index holds words, not text or visibility: stores keep the text
// (snippets) and decide who sees what (Query.Allow); Live keeps an index in
// step with a store's database.
package postings

import (
	"encoding/binary"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/meetingintel/meetingintel"
)

// Doc is one search document as a store gives it to the index.
type Doc struct {
	ID      int64  // the store's search document id; higher is newer
	Kind    string // meetingintel.KindTitle, ...
	Meeting int64  // 0: an action without a meeting
	Seq     int    // segments: the line's position in its meeting
	Speaker string // segments: who said it
	Text    string
}

// kinds numbers the kinds of documents (0: none, for dead documents).
var kinds = []string{"", meetingintel.KindTitle, meetingintel.KindSummary, meetingintel.KindSegment,
	meetingintel.KindAction, meetingintel.KindDecision}

const kindSegment = 3

func kindNumber(k string) uint8 {
	for i, v := range kinds {
		if v == k {
			return uint8(i)
		}
	}
	return 0
}

// maxSeq bounds the position a line may have in its meeting's line table;
// lines beyond it are indexed but have no neighbours (no real transcript
// has a million lines, and the table must not grow with a bad number).
const maxSeq = 1 << 20

// term is one stemmed term's postings.
type term struct {
	post   []byte // document numbers, ascending, as varint gaps
	last   int32  // the last number in post (-1: none)
	df     int32  // live documents holding the term
	lenSum uint64 // their lengths, summed
}

// run is a stretch of document numbers of one meeting: from run.from up
// to the next run's. A meeting's documents mostly arrive together, so
// there are about as many runs as meetings, and a walk over postings (in
// ascending numbers) finds each document's meeting in them without
// reading mtg, a stream of four bytes per document (see cursor).
type run struct {
	from int32
	mtg  uint32
}

// meeting is one meeting's transcript lines.
type meeting struct {
	id    int64
	lines []int32 // by seq: document number + 1 (0: no line)
}

// Index is the in-process index. Its methods are safe for concurrent use.
type Index struct {
	mu sync.RWMutex

	// Documents by number, in order of arrival.
	ids    []int64
	kind   []uint8 // 0: deleted
	mtg    []uint32
	seq    []int32
	spk    []uint32
	length []uint32
	fwdAt  []uint32 // document n's tokens are fwd[fwdAt[n]:fwdAt[n+1]]
	fwd    []byte   // every document's tokens (term numbers), as varints
	// late maps the ids of documents that arrived out of id order to their
	// numbers; the others are in inOrder (numbers in id order), found by
	// binary search.
	late    map[int64]int32
	inOrder []int32
	maxID   int64

	terms []term
	dict  map[string]uint32 // stem -> term number
	words map[string]uint32 // token -> term number (stemming cache)

	mtgs    []meeting // 0: none
	mtgByID map[int64]uint32
	runs    []run
	spks    []string // 0: no speaker
	spkByID map[string]uint32

	live, dead int
	scratch    sync.Pool
	tokBuf     []byte
	seen       []uint32 // per added document: its distinct terms
}

// New returns an empty index.
func New() *Index {
	ix := &Index{
		late:    map[int64]int32{},
		dict:    map[string]uint32{},
		words:   map[string]uint32{},
		mtgs:    []meeting{{}},
		mtgByID: map[int64]uint32{},
		spks:    []string{""},
		spkByID: map[string]uint32{"": 0},
		fwdAt:   []uint32{0},
	}
	return ix
}

// Grow makes room for n more documents, so building an index of a known
// size does not copy its arrays as they grow (which at millions of
// documents doubles the memory building takes).
func (ix *Index) Grow(n int) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.ids = slices.Grow(ix.ids, n)
	ix.kind = slices.Grow(ix.kind, n)
	ix.mtg = slices.Grow(ix.mtg, n)
	ix.seq = slices.Grow(ix.seq, n)
	ix.spk = slices.Grow(ix.spk, n)
	ix.length = slices.Grow(ix.length, n)
	ix.fwdAt = slices.Grow(ix.fwdAt, n)
	ix.inOrder = slices.Grow(ix.inOrder, n)
}

// growTokens makes room in the forward view for n documents in all, at
// the bytes per document of those it holds (plus a tenth), so building
// does not copy it as it grows.
func (ix *Index) growTokens(n int) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if have := len(ix.kind); have > 0 && n > have {
		per := float64(len(ix.fwd)) / float64(have)
		ix.fwd = slices.Grow(ix.fwd, int(per*1.1*float64(n-have)))
	}
}

// Len returns how many documents the index holds.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

// Put adds docs, replacing any document of the same id.
func (ix *Index) Put(docs ...Doc) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, d := range docs {
		ix.remove(d.ID)
		ix.add(d)
	}
	ix.maybeCompact()
}

// Delete removes the documents of ids (absent ones are ignored).
func (ix *Index) Delete(ids ...int64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, id := range ids {
		ix.remove(id)
	}
	ix.maybeCompact()
}

// find returns the live document number of id, or -1.
func (ix *Index) find(id int64) int32 {
	if n, ok := ix.late[id]; ok {
		return n
	}
	// Deleted entries keep their place, so an id may be there twice: the
	// live one, if any, is in late.
	i, ok := slices.BinarySearchFunc(ix.inOrder, id, func(n int32, id int64) int { return cmpInt64(ix.ids[n], id) })
	if !ok || ix.kind[ix.inOrder[i]] == 0 {
		return -1
	}
	return ix.inOrder[i]
}

// termNumber returns the term number of a token, creating it.
func (ix *Index) termNumber(tok []byte) uint32 {
	if t, ok := ix.words[string(tok)]; ok {
		return t
	}
	w := string(tok)
	s := stem(w)
	t, ok := ix.dict[s]
	if !ok {
		t = uint32(len(ix.terms))
		ix.terms = append(ix.terms, term{last: -1})
		ix.dict[s] = t
	}
	ix.words[w] = t
	return t
}

func (ix *Index) add(d Doc) {
	n := int32(len(ix.kind))
	k := kindNumber(d.Kind)
	if k == 0 {
		k = kindNumber(meetingintel.KindSegment) // unknown kinds score as lines (weight 1)
	}
	if len(ix.ids) > 0 && d.ID <= ix.maxID {
		ix.late[d.ID] = n
	} else {
		ix.inOrder = append(ix.inOrder, n)
		ix.maxID = d.ID
	}
	ix.ids = append(ix.ids, d.ID)
	ix.kind = append(ix.kind, k)
	var m uint32
	if d.Meeting != 0 {
		var ok bool
		if m, ok = ix.mtgByID[d.Meeting]; !ok {
			m = uint32(len(ix.mtgs))
			ix.mtgs = append(ix.mtgs, meeting{id: d.Meeting})
			ix.mtgByID[d.Meeting] = m
		}
	}
	ix.mtg = append(ix.mtg, m)
	if len(ix.runs) == 0 || ix.runs[len(ix.runs)-1].mtg != m {
		ix.runs = append(ix.runs, run{from: n, mtg: m})
	}
	ix.seq = append(ix.seq, int32(min(max(d.Seq, -1), maxSeq)))
	var s uint32
	if k == kindSegment && d.Speaker != "" {
		var ok bool
		if s, ok = ix.spkByID[d.Speaker]; !ok {
			s = uint32(len(ix.spks))
			ix.spks = append(ix.spks, d.Speaker)
			ix.spkByID[d.Speaker] = s
		}
	}
	ix.spk = append(ix.spk, s)

	var count uint32
	ix.seen = ix.seen[:0]
	ix.tokBuf = eachToken(d.Text, ix.tokBuf, func(tok []byte) {
		t := ix.termNumber(tok)
		ix.fwd = binary.AppendUvarint(ix.fwd, uint64(t))
		count++
		if !slices.Contains(ix.seen, t) {
			ix.seen = append(ix.seen, t)
		}
	})
	ix.fwdAt = append(ix.fwdAt, uint32(len(ix.fwd)))
	ix.length = append(ix.length, count)
	for _, t := range ix.seen {
		p := &ix.terms[t]
		p.post = binary.AppendUvarint(p.post, uint64(n-p.last))
		p.last = n
		p.df++
		p.lenSum += uint64(count)
	}
	if k == kindSegment && m != 0 && d.Seq >= 0 && d.Seq < maxSeq {
		mt := &ix.mtgs[m]
		if d.Seq >= len(mt.lines) {
			mt.lines = slices.Grow(mt.lines, d.Seq+1-len(mt.lines))[:d.Seq+1]
		}
		mt.lines[d.Seq] = n + 1
	}
	ix.live++
}

// distinct calls fn with each distinct term of document n.
func (ix *Index) distinct(n int32, fn func(t uint32)) {
	ix.seen = ix.seen[:0]
	for b := ix.fwd[ix.fwdAt[n]:ix.fwdAt[n+1]]; len(b) > 0; {
		v, k := binary.Uvarint(b)
		b = b[k:]
		if t := uint32(v); !slices.Contains(ix.seen, t) {
			ix.seen = append(ix.seen, t)
			fn(t)
		}
	}
}

func (ix *Index) remove(id int64) {
	n := ix.find(id)
	if n < 0 {
		return
	}
	delete(ix.late, id)
	ix.distinct(n, func(t uint32) {
		ix.terms[t].df--
		ix.terms[t].lenSum -= uint64(ix.length[n])
	})
	if ix.kind[n] == kindSegment && ix.mtg[n] != 0 {
		mt := &ix.mtgs[ix.mtg[n]]
		if s := int(ix.seq[n]); s >= 0 && s < len(mt.lines) && mt.lines[s] == n+1 {
			mt.lines[s] = 0
		}
	}
	ix.kind[n] = 0
	ix.live--
	ix.dead++
}

// maybeCompact rebuilds the index without its deleted documents once they
// outnumber the live ones: postings keep deleted entries (searches skip
// them), so they would otherwise grow with every edit.
func (ix *Index) maybeCompact() {
	if ix.dead < 1024 || ix.dead < ix.live {
		return
	}
	order := make([]int32, 0, ix.live)
	for n := range ix.kind {
		if ix.kind[n] != 0 {
			order = append(order, int32(n))
		}
	}
	slices.SortFunc(order, func(a, b int32) int { return cmpInt64(ix.ids[a], ix.ids[b]) })
	fresh := New()
	fresh.words, fresh.dict = ix.words, ix.dict
	fresh.terms = make([]term, len(ix.terms))
	for i := range fresh.terms {
		fresh.terms[i].last = -1
	}
	var tokBuf []uint32
	for _, n := range order {
		tokBuf = tokBuf[:0]
		for b := ix.fwd[ix.fwdAt[n]:ix.fwdAt[n+1]]; len(b) > 0; {
			v, k := binary.Uvarint(b)
			b = b[k:]
			tokBuf = append(tokBuf, uint32(v))
		}
		var mid int64
		if m := ix.mtg[n]; m != 0 {
			mid = ix.mtgs[m].id
		}
		fresh.addTokens(Doc{ID: ix.ids[n], Kind: kinds[ix.kind[n]], Meeting: mid, Seq: int(ix.seq[n]), Speaker: ix.spks[ix.spk[n]]}, tokBuf)
	}
	// Keep the pool and lock of ix; take the rest.
	ix.ids, ix.kind, ix.mtg, ix.seq, ix.spk, ix.length = fresh.ids, fresh.kind, fresh.mtg, fresh.seq, fresh.spk, fresh.length
	ix.fwdAt, ix.fwd, ix.late, ix.inOrder, ix.maxID, ix.terms = fresh.fwdAt, fresh.fwd, fresh.late, fresh.inOrder, fresh.maxID, fresh.terms
	ix.mtgs, ix.mtgByID, ix.runs, ix.spks, ix.spkByID = fresh.mtgs, fresh.mtgByID, fresh.runs, fresh.spks, fresh.spkByID
	ix.live, ix.dead = fresh.live, 0
}

// addTokens adds a document whose tokens are already term numbers (compaction).
func (ix *Index) addTokens(d Doc, toks []uint32) {
	// add tokenises text; here the text is gone, so feed the tokens through
	// the same path with a reader over them.
	n := int32(len(ix.kind))
	ix.add(Doc{ID: d.ID, Kind: d.Kind, Meeting: d.Meeting, Seq: d.Seq, Speaker: d.Speaker})
	ix.fwd = ix.fwd[:ix.fwdAt[n]]
	ix.seen = ix.seen[:0]
	for _, t := range toks {
		ix.fwd = binary.AppendUvarint(ix.fwd, uint64(t))
		if !slices.Contains(ix.seen, t) {
			ix.seen = append(ix.seen, t)
		}
	}
	ix.fwdAt[n+1] = uint32(len(ix.fwd))
	ix.length[n] = uint32(len(toks))
	for _, t := range ix.seen {
		p := &ix.terms[t]
		p.post = binary.AppendUvarint(p.post, uint64(n-p.last))
		p.last = n
		p.df++
		p.lenSum += uint64(len(toks))
	}
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cursor finds the meetings of ascending document numbers in ix.runs.
type cursor struct {
	runs []run
	i    int    // the run of the last number asked
	end  int32  // where run i ends
	mtg  uint32 // run i's meeting
}

func (ix *Index) cursor() cursor { return cursor{runs: ix.runs, i: -1} }

// at returns document n's meeting number; n must not be less than the
// last n asked. It is small enough to inline: a walk calls it for most
// postings, and almost always n is still in the same run.
func (c *cursor) at(n int32) uint32 {
	if n >= c.end {
		c.seek(n)
	}
	return c.mtg
}

// seek moves to the run holding n.
func (c *cursor) seek(n int32) {
	// The last run starting at or before n: usually the next one.
	i := c.i + 1
	if i+1 < len(c.runs) && c.runs[i+1].from <= n {
		rest := c.runs[i+1:]
		i += sort.Search(len(rest), func(j int) bool { return rest[j].from > n })
	}
	c.i, c.end, c.mtg = i, math.MaxInt32, c.runs[i].mtg
	if i+1 < len(c.runs) {
		c.end = c.runs[i+1].from
	}
}
