package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/meetingintel/meetingintel"
)

// How search ranks, and why not with FTS5's bm25().
//
// FTS5 finds the rowids matching each term (all of them: exact top-k, no
// match dropped however common its word), and the score is computed in Go
// by meetingintel.RankDocs, which PostgreSQL calls too, so both stores rank
// alike:
//
//   - Terms: one query per term returns every matching rowid, so each
//     term's document frequency is exact.
//   - Score: BM25 with term presence (each matched term adds its IDF once;
//     k1 = 1.2, b = 0.75, lengths in FTS5 tokens from its docsize table,
//     normalised by the candidates' mean), times the kind weight, plus for
//     a transcript line what its passage (the lines either side) and its
//     meeting hold of the query (see RankDocs).
//   - Per candidate, one query reads kind, meeting, line and length (rowid
//     order, joined from json_each). Speakers are not read per candidate:
//     the distinct names come from the segments_speaker index, and only
//     the lines of names holding a query word are looked up (usually
//     none); beyond maxSpeakers names each candidate's speaker is read.
//   - Visibility and meeting filters stay in SQL, on the best candidates
//     first, in growing batches. Snippets come from FTS5's snippet(), for
//     the page shown only, in one scan of the rowid range the hits span.
//
// Trade-offs:
//   - Term frequency counts as 1 (presence, not count): knowing the count
//     needs the positions of every candidate, which costs what bm25() cost.
//     Repetition in speech is a weak signal.
//   - Cost grows with the matches of the query's words: a word in 10% of
//     3M lines means 300,000 candidates to score (docs/benchmarks.md measures it).
//   - It reads FTS5's shadow tables (search_fts_data, search_fts_docsize);
//     their format is part of SQLite's stable file format, and detail and
//     columnsize must stay at their defaults.
const (
	snippetTokens = 14

	snippetScan = 300 // matches a range scan may read per snippet instead of one query each
)

// termMatches is what one query term matched.
type termMatches struct {
	term string
	ids  []int64 // every matching rowid, newest first
	df   float64 // documents matching
}

// Search ranks what the actor may see against the words of q.Query.
func (db *DB) Search(ctx context.Context, q meetingintel.SearchQuery) ([]meetingintel.SearchHit, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	terms := meetingintel.DropIntentWords(meetingintel.SearchTerms(q.Query))
	weights := meetingintel.KindWeights(q.Query)
	if len(terms) == 0 {
		return nil, meetingintel.Errorf(meetingintel.EINVALID,
			"Search needs at least one meaningful word; %q has only common words or punctuation.", q.Query)
	}
	if !meetingintel.ValidKind(q.Kind) {
		return nil, meetingintel.Errorf(meetingintel.EINVALID, "Unknown kind of search hit %q.", q.Kind)
	}
	limit := clampLimit(q.Limit, meetingintel.DefaultLimit, meetingintel.MaxLimit)
	st, err := db.indexStats(ctx)
	if err != nil {
		return nil, err
	}

	// Every document matching any term is ranked (exact top-k), up to
	// meetingintel.MaxRanked of them: beyond that only the newest are, so a
	// query of words every line holds stays bounded in time and memory on
	// millions of lines. Frequencies stay exact.
	var found []termMatches
	for _, t := range terms {
		ids, err := db.matchIDs(ctx, quoteTerm(t), meetingintel.MaxRanked)
		if err != nil {
			return nil, err
		}
		df := float64(len(ids))
		if len(ids) == meetingintel.MaxRanked {
			var n int64
			if err := db.reader.QueryRowContext(ctx, `SELECT count(*) FROM search_fts WHERE search_fts MATCH ?`, quoteTerm(t)).Scan(&n); err != nil {
				return nil, internal(err)
			}
			df = float64(n)
		}
		if len(ids) > 0 {
			found = append(found, termMatches{term: t, ids: ids, df: df})
		}
	}
	if len(found) == 0 {
		return []meetingintel.SearchHit{}, nil
	}

	// Visibility and filters over the candidates.
	cond := `(d.meeting_id IS NULL OR (m.id IS NOT NULL AND ` + canSee + `))`
	condArgs := visArgs(u)
	if c, a := meetingFilterSQL(q.From, q.To, q.Attendee, q.Tag); c != "" {
		// Unlinked actions have no date, attendees or tags: a filter excludes them.
		cond = `m.id IS NOT NULL AND ` + canSee + ` AND ` + c
		condArgs = append(condArgs, a...)
	}

	present := map[int64]uint32{} // candidate rowid -> bit i set if found[i] matches
	for i, t := range found {
		for _, id := range t.ids {
			present[id] |= 1 << i
		}
	}
	if len(present) > meetingintel.MaxRanked {
		// Each term's newest MaxRanked are in hand; rank the newest
		// MaxRanked of their union, which every term's list covers.
		ids := make([]int64, 0, len(present))
		for id := range present {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids[:len(ids)-meetingintel.MaxRanked] {
			delete(present, id)
		}
	}
	cands, err := db.candidates(ctx, present, found, st, weights, q.Kind, cond, condArgs, limit)
	if err != nil {
		return nil, err
	}
	return db.hits(ctx, cands, found, st)
}

// indexStats are FTS5's totals: documents indexed, their mean length in
// tokens, and the span of rowids (for estimating common terms' frequency).
type indexStats struct {
	docs, avgLen, idSpan float64
}

// indexStats reads the FTS5 averages record (row 1 of the _data shadow
// table: a varint count of rows, then a varint count of tokens per column;
// this is SQLite's stable file format) and the rowid range of search_docs.
func (db *DB) indexStats(ctx context.Context) (indexStats, error) {
	var avg []byte
	var lo, hi sql.NullInt64
	if err := db.reader.QueryRowContext(ctx, `SELECT (SELECT block FROM search_fts_data WHERE id = 1),
		(SELECT min(id) FROM search_docs), (SELECT max(id) FROM search_docs)`).Scan(&avg, &lo, &hi); err != nil {
		return indexStats{}, internal(err)
	}
	rows, n := ftsVarint(avg)
	tokens, _ := ftsVarint(avg[n:])
	st := indexStats{docs: float64(rows), avgLen: 1, idSpan: float64(hi.Int64 - lo.Int64 + 1)}
	if rows > 0 && tokens > 0 {
		st.avgLen = float64(tokens) / float64(rows)
	}
	return st, nil
}

// ftsVarint decodes one FTS5 varint (SQLite's format: big-endian groups of
// seven bits, the high bit set on all but the last; a ninth byte holds eight
// bits). It returns 0, 0 on short input.
func ftsVarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b); i++ {
		if i == 8 {
			return v<<8 | uint64(b[i]), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

// matchIDs returns the rowids matching an FTS5 expression, newest first, at
// most limit of them (-1: all). One string comes back rather than a row per
// id: rows cost more than the FTS5 lookup itself.
func (db *DB) matchIDs(ctx context.Context, expr string, limit int) ([]int64, error) {
	var list sql.NullString
	if err := db.reader.QueryRowContext(ctx, `SELECT group_concat(rowid) FROM (SELECT rowid FROM search_fts
		WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?)`, expr, limit).Scan(&list); err != nil {
		return nil, internal(err)
	}
	if list.String == "" {
		return nil, nil
	}
	ids := make([]int64, 0, strings.Count(list.String, ",")+1)
	for p := range strings.SplitSeq(list.String, ",") {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, internal(err)
		}
		ids = append(ids, id)
	}
	// group_concat's order is not promised; newest first is.
	slices.Sort(ids)
	slices.Reverse(ids)
	return ids, nil
}

// candidate is a ranked document before its snippet is made.
type candidate struct {
	id, meetingID, refID int64
	seq                  *int
	kind, title          string
	date                 int64
	terms                uint32 // bit i: the document matches terms[i]
	score                float64
}

// candidates scores the documents of present and returns the best limit
// that cond (visibility and meeting filters, in SQL) lets through, best
// first. Scoring needs only each document's kind and length; the costlier
// join with meetings runs on the best few only, since most documents are
// visible and only filters reject many.
func (db *DB) candidates(ctx context.Context, present map[int64]uint32, terms []termMatches, st indexStats, weights map[string]float64,
	kind, cond string, condArgs []any, limit int) ([]candidate, error) {
	if len(present) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, len(present))
	for id := range present {
		ids = append(ids, id)
	}
	// In rowid order the lookups below walk the B-trees forwards, and lines
	// come back in meeting order, which RankDocs sorts by.
	slices.Sort(ids)
	idfs := make([]float64, len(terms))
	words := make([]string, len(terms))
	for i, t := range terms {
		idfs[i] = meetingintel.BM25IDF(st.docs, t.df)
		words[i] = t.term
	}
	// Speakers whose names hold a query word: usually none, and then no
	// candidate's speaker need be read at all.
	named, all, err := db.namedSpeakers(ctx, words)
	if err != nil {
		return nil, err
	}
	speakerSQL := `''`
	if !all {
		// Too many speakers to list: read each candidate line's speaker.
		speakerSQL = `hex(coalesce((SELECT s.speaker FROM segments s WHERE s.meeting_id = d.meeting_id AND s.seq = d.seq), ''))`
	}
	// One string back, not a row per document: rows cost more than lookups.
	// Each entry is "id size-in-hex" plus " kind" for all but segments, and
	// " meeting seq [speaker-in-hex]" for segments. Joining json_each, rather
	// than IN (SELECT ...), spares SQLite an ephemeral index of every id.
	var sizes sql.NullString
	if err := db.reader.QueryRowContext(ctx, `SELECT group_concat(d.id || ' ' || hex(z.sz)
		|| CASE d.kind WHEN 'segment' THEN ' ' || d.meeting_id || ' ' || d.seq || ' ' || `+speakerSQL+` ELSE ' ' || d.kind END)
		FROM json_each(?) j
		CROSS JOIN search_docs d ON d.id = j.value
		JOIN search_fts_docsize z ON z.id = d.id`, jsonIDs(ids)).Scan(&sizes); err != nil {
		return nil, internal(err)
	}
	speakers := map[string]uint64{} // hex of a speaker's name -> meetingintel.SpeakerTerms
	scored := make([]candidate, 0, len(ids))
	docs := make([]meetingintel.RankDoc, 0, len(ids))
	for f := range strings.SplitSeq(sizes.String, ",") {
		if f == "" {
			continue // no rows: group_concat gave NULL
		}
		parts := strings.Fields(f)
		if len(parts) < 2 {
			return nil, internal(errors.New("search: malformed candidate row"))
		}
		id, err1 := strconv.ParseInt(parts[0], 10, 64)
		size, err2 := hex.DecodeString(parts[1])
		d := meetingintel.RankDoc{Kind: meetingintel.KindSegment}
		var err3, err4, err5 error
		switch len(parts) {
		case 3:
			d.Kind = parts[2]
		case 4, 5:
			d.Meeting, err3 = strconv.ParseInt(parts[2], 10, 64)
			d.Seq, err4 = strconv.Atoi(parts[3])
			if len(parts) == 5 { // hex('') is '', so no name means four parts
				m, ok := speakers[parts[4]]
				if !ok {
					var name []byte
					name, err5 = hex.DecodeString(parts[4])
					m = meetingintel.SpeakerTerms(string(name), words)
					speakers[parts[4]] = m
				}
				d.SpeakerTerms = m
			}
		}
		if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
			return nil, internal(err)
		}
		if all && d.Kind == meetingintel.KindSegment {
			d.SpeakerTerms = named[lineKey{d.Meeting, d.Seq}]
		}
		n, _ := ftsVarint(size) // tokens in the one column
		d.Terms, d.Len = uint64(present[id]), float64(n)
		docs = append(docs, d)
		scored = append(scored, candidate{id: id, kind: d.Kind, terms: present[id]})
	}
	// Lengths are normalised by the candidates' mean, which PostgreSQL can
	// compute too (it keeps no index-wide token count), so both rank alike.
	var total float64
	for _, d := range docs {
		total += d.Len
	}
	for j := 0; j+1 < len(terms); j++ {
		// The candidates are at most MaxRanked of the newest, so the newest
		// MaxRanked near matches hold every near match among them.
		near, err := db.matchIDs(ctx, "NEAR("+quoteTerm(terms[j].term)+" "+quoteTerm(terms[j+1].term)+", "+strconv.Itoa(meetingintel.NearDistance)+")", meetingintel.MaxRanked)
		if err != nil {
			return nil, err
		}
		at := make(map[int64]bool, len(near))
		for _, id := range near {
			at[id] = true
		}
		for i := range scored {
			if at[scored[i].id] {
				docs[i].Near |= 1 << j
			}
		}
	}
	meetingintel.RankDocs(docs, idfs, max(total/float64(max(len(docs), 1)), 1), weights)
	for i := range scored {
		scored[i].score = docs[i].Score
	}
	// A kind filter applies after ranking, so a hit scores as it would in
	// an unfiltered search (lengths normalise over every candidate).
	if kind != "" {
		scored = slices.DeleteFunc(scored, func(c candidate) bool { return c.kind != kind })
	}

	// Visibility and filters, best first, in batches growing fourfold:
	// usually the first batch fills the page. Visible candidates are
	// offered to a meetingintel.Spread in order, which discounts lines
	// next to better ones.
	var seen []candidate
	spread := meetingintel.NewSpread(limit)
	batch := limit + limit/2 + 4
	for i := 0; i < len(scored) && !spread.Full(); {
		end := min(i+batch, len(scored))
		// Only the next batch need be in order, not every candidate.
		bestFirst(scored[i:], end-i)
		got, err := db.visible(ctx, scored[i:end], cond, condArgs)
		if err != nil {
			return nil, err
		}
		byScore(got)
		for _, c := range got {
			seq := 0
			if c.seq != nil {
				seq = *c.seq
			}
			spread.Offer(c.kind, c.meetingID, seq, c.score)
			seen = append(seen, c)
		}
		i, batch = end, batch*4
	}
	page, scores := spread.Page()
	out := make([]candidate, len(page))
	for k, i := range page {
		out[k] = seen[i]
		out[k].score = scores[k]
	}
	return out, nil
}

// maxSpeakers is how many distinct speakers namedSpeakers lists, one
// index seek each, before search reads every candidate line's speaker
// instead. A variable so tests can take the other path.
var maxSpeakers = 512

// lineKey is a transcript line: its meeting and position.
type lineKey struct {
	meeting int64
	seq     int
}

// namedSpeakers returns, for every line whose speaker's name holds a query
// word, the words' bits (meetingintel.SpeakerTerms), and true; or false when
// there are more than maxSpeakers speakers to check. Distinct names come
// from the segments_speaker index by skipping from one name to the next.
func (db *DB) namedSpeakers(ctx context.Context, words []string) (map[lineKey]uint64, bool, error) {
	var hits []string
	masks := map[string]uint64{}
	var last sql.NullString // NULL: before the first name
	for n := 0; ; n++ {
		if n == maxSpeakers {
			return nil, false, nil
		}
		var name sql.NullString
		var err error
		if last.Valid {
			err = db.reader.QueryRowContext(ctx, `SELECT min(speaker) FROM segments WHERE speaker > ?`, last.String).Scan(&name)
		} else {
			err = db.reader.QueryRowContext(ctx, `SELECT min(speaker) FROM segments`).Scan(&name)
		}
		if err != nil {
			return nil, false, internal(err)
		}
		if !name.Valid {
			break
		}
		if m := meetingintel.SpeakerTerms(name.String, words); m != 0 {
			hits = append(hits, name.String)
			masks[name.String] = m
		}
		last = name
	}
	out := map[lineKey]uint64{}
	if len(hits) == 0 {
		return out, true, nil
	}
	b, err := json.Marshal(hits)
	if err != nil {
		return nil, false, internal(err)
	}
	rows, err := db.reader.QueryContext(ctx, `SELECT s.meeting_id, s.seq, s.speaker FROM json_each(?) j
		CROSS JOIN segments s INDEXED BY segments_speaker ON s.speaker = j.value`, string(b))
	if err != nil {
		return nil, false, internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k lineKey
		var sp string
		if err := rows.Scan(&k.meeting, &k.seq, &sp); err != nil {
			return nil, false, internal(err)
		}
		out[k] = masks[sp]
	}
	if err := rows.Err(); err != nil {
		return nil, false, internal(err)
	}
	return out, true, nil
}

// byScore sorts candidates best first, newer first on ties.
func byScore(cs []candidate) {
	slices.SortFunc(cs, func(a, b candidate) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		if a.id > b.id {
			return -1
		}
		return 1
	})
}

// bestFirst moves the best n candidates of cs (byScore's order) to its
// front, in order, in O(len(cs) log n) with a heap of n rather than a sort
// of them all.
func bestFirst(cs []candidate, n int) {
	if n >= len(cs) {
		byScore(cs)
		return
	}
	worse := func(a, b candidate) bool { // a ranks below b
		if a.score != b.score {
			return a.score < b.score
		}
		return a.id < b.id
	}
	// cs[:n] is a min-heap: its root is the worst of the best n so far.
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= n {
				return
			}
			if r := l + 1; r < n && worse(cs[r], cs[l]) {
				l = r
			}
			if !worse(cs[l], cs[i]) {
				return
			}
			cs[i], cs[l] = cs[l], cs[i]
			i = l
		}
	}
	for i := n/2 - 1; i >= 0; i-- {
		down(i)
	}
	for j := n; j < len(cs); j++ {
		if worse(cs[0], cs[j]) {
			cs[0], cs[j] = cs[j], cs[0]
			down(0)
		}
	}
	byScore(cs[:n])
}

// visible returns the candidates of cs that cond lets through, with their
// metadata filled in.
func (db *DB) visible(ctx context.Context, cs []candidate, cond string, condArgs []any) ([]candidate, error) {
	byID := make(map[int64]*candidate, len(cs))
	ids := make([]int64, len(cs))
	for i := range cs {
		byID[cs[i].id], ids[i] = &cs[i], cs[i].id
	}
	rows, err := db.reader.QueryContext(ctx, `SELECT d.id, d.kind, coalesce(d.meeting_id, 0), coalesce(d.ref_id, 0),
		d.seq, coalesce(m.title, ''), coalesce(m.date, 0)
		FROM search_docs d
		LEFT JOIN meetings m ON m.id = d.meeting_id
		WHERE d.id IN (SELECT value FROM json_each(?)) AND `+cond, append([]any{jsonIDs(ids)}, condArgs...)...)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var id int64
		var c candidate
		var seq *int64
		if err := rows.Scan(&id, &c.kind, &c.meetingID, &c.refID, &seq, &c.title, &c.date); err != nil {
			return nil, internal(err)
		}
		orig := byID[id]
		c.id, c.terms, c.score = id, orig.terms, orig.score
		if seq != nil {
			s := int(*seq)
			c.seq = &s
		}
		out = append(out, c)
	}
	return out, internal(rows.Err())
}

// jsonIDs is ids as a JSON array, for json_each: one bound parameter
// however many ids.
func jsonIDs(ids []int64) string {
	b := make([]byte, 0, len(ids)*8+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// hits turns candidates into search hits with snippets (and speaker and
// start for segments): a few point lookups each, for the page shown only.
func (db *DB) hits(ctx context.Context, cands []candidate, terms []termMatches, st indexStats) ([]meetingintel.SearchHit, error) {
	snippets, err := db.snippets(ctx, cands, terms, st)
	if err != nil {
		return nil, err
	}
	out := make([]meetingintel.SearchHit, 0, len(cands))
	for _, c := range cands {
		h := meetingintel.SearchHit{MeetingID: c.meetingID, Title: c.title, Kind: c.kind, Score: c.score, Snippet: meetingintel.TidySnippet(snippets[c.id])}
		if c.meetingID != 0 {
			h.MeetingDate = fromMS(c.date)
		}
		switch c.kind {
		case meetingintel.KindAction:
			h.ActionID = c.refID
		case meetingintel.KindDecision:
			h.DecisionID = c.refID
		case meetingintel.KindSegment:
			var start int64
			if err := db.reader.QueryRowContext(ctx, `SELECT speaker, start_ms FROM segments WHERE meeting_id = ? AND seq = ?`,
				c.meetingID, *c.seq).Scan(&h.Speaker, &start); err != nil {
				return nil, internal(err)
			}
			h.StartMS, h.Seq = &start, c.seq
		}
		out = append(out, h)
	}
	return out, db.addContext(ctx, out)
}

// addContext reads the lines around every segment hit in one query and
// attaches them (meetingintel.AddContext).
func (db *DB) addContext(ctx context.Context, hits []meetingintel.SearchHit) error {
	var at [][2]int64
	for _, h := range hits {
		if h.Kind == meetingintel.KindSegment && h.Seq != nil {
			at = append(at, [2]int64{h.MeetingID, int64(*h.Seq)})
		}
	}
	if len(at) == 0 {
		return nil
	}
	spec, err := json.Marshal(at)
	if err != nil {
		return internal(err)
	}
	rows, err := db.reader.QueryContext(ctx, `SELECT DISTINCT s.meeting_id, s.seq, s.speaker, s.start_ms, s.text
		FROM json_each(?) h JOIN segments s ON s.meeting_id = json_extract(h.value, '$[0]')
			AND s.seq BETWEEN json_extract(h.value, '$[1]') - ? AND json_extract(h.value, '$[1]') + ?`,
		string(spec), meetingintel.ContextLines, meetingintel.ContextLines)
	if err != nil {
		return internal(err)
	}
	defer rows.Close()
	var lines []meetingintel.MeetingLine
	for rows.Next() {
		var l meetingintel.MeetingLine
		if err := rows.Scan(&l.MeetingID, &l.Line.Seq, &l.Line.Speaker, &l.Line.StartMS, &l.Line.Text); err != nil {
			return internal(err)
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		return internal(err)
	}
	meetingintel.AddContext(hits, lines)
	return nil
}

// snippets makes the marked snippet of each candidate with FTS5's
// snippet(). Every FTS5 query costs ~0.1 ms to set up plus a doclist seek
// per term, so one query over the rowid range the hits span, computing
// snippets for the hits only, beats one query per hit when that range
// holds few matches (hits among the newest matches of common words, or of
// rare words); otherwise each hit gets its own query, with only the terms
// it holds.
func (db *DB) snippets(ctx context.Context, cands []candidate, terms []termMatches, st indexStats) (map[int64]string, error) {
	out := make(map[int64]string, len(cands))
	if len(cands) == 0 {
		return out, nil
	}
	var held uint32
	lo, hi := cands[0].id, cands[0].id
	ids := make([]int64, len(cands))
	for i, c := range cands {
		held |= c.terms
		lo, hi, ids[i] = min(lo, c.id), max(hi, c.id), c.id
	}
	var inRange float64 // estimated matches in [lo, hi]
	for i, t := range terms {
		if held&(1<<i) != 0 {
			inRange += t.df * float64(hi-lo+1) / max(st.idSpan, 1)
		}
	}
	if inRange <= snippetScan*float64(len(cands)) {
		// The test sits in a CASE: in the WHERE clause SQLite would drive
		// the scan by the id list, one FTS5 query per id again.
		rows, err := db.reader.QueryContext(ctx, `SELECT rowid, CASE WHEN rowid IN (SELECT value FROM json_each(?))
			THEN snippet(search_fts, 0, '**', '**', '…', ?) END
			FROM search_fts WHERE search_fts MATCH ? AND rowid BETWEEN ? AND ?`,
			jsonIDs(ids), snippetTokens, orTerms(termsIn(terms, held)), lo, hi)
		if err != nil {
			return nil, internal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var s sql.NullString
			if err := rows.Scan(&id, &s); err != nil {
				return nil, internal(err)
			}
			if s.Valid {
				out[id] = s.String
			}
		}
		return out, internal(rows.Err())
	}
	for _, c := range cands {
		var s string
		if err := db.reader.QueryRowContext(ctx, `SELECT snippet(search_fts, 0, '**', '**', '…', ?)
			FROM search_fts WHERE search_fts MATCH ? AND rowid = ?`,
			snippetTokens, orTerms(termsIn(terms, c.terms)), c.id).Scan(&s); err != nil {
			return nil, internal(err)
		}
		out[c.id] = s
	}
	return out, nil
}

// termsIn returns the terms whose bits are set in mask.
func termsIn(terms []termMatches, mask uint32) []termMatches {
	var out []termMatches
	for i, t := range terms {
		if mask&(1<<i) != 0 {
			out = append(out, t)
		}
	}
	return out
}

// quoteTerm makes a term an FTS5 string. Terms hold only letters and digits
// (searchTerms splits on everything else), so no user text can reach the
// query syntax; doubling quotes is defence in depth.
func quoteTerm(t string) string {
	return `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
}

// orTerms is the FTS5 expression matching any of terms.
func orTerms(terms []termMatches) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = quoteTerm(t.term)
	}
	return strings.Join(q, " OR ")
}
