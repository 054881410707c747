package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/meetingintel/meetingintel"
)

// How search ranks, and why not with FTS5's bm25().
//
// FTS5's bm25() computes each phrase's IDF on the first row it scores by
// walking that phrase's whole doclist: ~7 ms for a word in 10% of 3M
// transcript lines, paid on every query however few rows are ranked.
// Fetching a word's newest matching rowids stops after LIMIT rows (~0.2 ms).
// So FTS5 only finds rowids here, and the score is computed in Go with the
// same BM25 formula (k1 = 1.2, b = 0.75):
//
//   - Terms: one query per term fetches its newest rareCap+1 matches. A term
//     with at most rareCap matches is rare: its list is complete and its
//     document frequency exact. A longer one is common: its frequency is
//     estimated from how densely its newest matches fill the rowid span they
//     cover, scaled to the whole span. IDF is a logarithm, so a 20% error
//     moves it by ~0.2 while rare and common terms differ by 3 or more.
//     (Caching exact frequencies was not needed: the estimate is free.)
//   - Candidates: if any term is rare, every document matching a rare term
//     (exact); common terms add to those documents' scores only, found with
//     one FTS5 AND per common term (it seeks in the long doclist). Otherwise
//     the newest recentWindow documents matching any term, widened once to
//     recentBudget when filters leave too few hits.
//   - Score: sum over matched terms of IDF × (k1+1) / (1 + k1·(1-b+b·len/avg)),
//     times the kind weight. Lengths and totals are FTS5's own (its docsize
//     table and averages record, read directly), so for a document holding
//     each term once the score equals bm25()'s (search_test.go checks it).
//   - Visibility and meeting filters stay in SQL, on the best candidates
//     first, in growing batches. Snippets come from FTS5's snippet(), for
//     the page shown only, in one scan of the rowid range the hits span.
//
// Measured on 10,000 meetings × 300 lines (3M documents, 2 shared cores):
// median 11–12 ms → 3.5–4 ms; the cost left is ~1 µs per candidate for its
// length and kind, ~0.2 ms per term, ~1 ms for snippets.
//
// Trade-offs:
//   - Term frequency counts as 1 (presence, not count): knowing the count
//     needs the positions of every candidate, which costs what bm25() cost.
//     Questions rank almost as before (top 10 agree 9–10 of 10); single
//     words rank the shortest matching lines first where bm25() preferred
//     lines repeating the word. Repetition in speech is a weak signal.
//   - A common-only query ranks the newest recentWindow matches, as before.
//   - It reads FTS5's shadow tables (search_fts_data, search_fts_docsize);
//     their format is part of SQLite's stable file format, and detail and
//     columnsize must stay at their defaults.
//   - detail=column was not tried: the time left is in per-candidate
//     lookups and per-query FTS5 setup, not in reading doclists.
const (
	rareCap       = 1000
	recentWindow  = 1000
	recentBudget  = 10000
	snippetTokens = 14

	snippetScan = 300 // matches a range scan may read per snippet instead of one query each
)

// termMatches is what one query term matched.
type termMatches struct {
	term string
	ids  []int64 // matching rowids, newest first; all of them if complete
	df   float64 // documents matching, exact if complete, else estimated
}

func (t termMatches) complete(fetched int) bool { return len(t.ids) < fetched }

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
	limit := clampLimit(q.Limit, meetingintel.DefaultLimit, meetingintel.MaxLimit)
	st, err := db.indexStats(ctx)
	if err != nil {
		return nil, err
	}

	// Class each term by how many documents it matches.
	var rare, common []termMatches
	for _, t := range terms {
		ids, err := db.matchIDs(ctx, quoteTerm(t), rareCap+1)
		if err != nil {
			return nil, err
		}
		switch {
		case len(ids) == 0:
		case len(ids) <= rareCap:
			rare = append(rare, termMatches{term: t, ids: ids, df: float64(len(ids))})
		default:
			common = append(common, termMatches{term: t, ids: ids, df: st.estimateDF(ids)})
		}
	}
	if len(rare)+len(common) == 0 {
		return []meetingintel.SearchHit{}, nil
	}
	found := append(append([]termMatches{}, rare...), common...)

	// Visibility and filters over the candidates.
	cond := `(d.meeting_id IS NULL OR (m.id IS NOT NULL AND ` + canSee + `))`
	condArgs := visArgs(u)
	if c, a := meetingFilterSQL(q.From, q.To, q.Attendee, q.Tag); c != "" {
		// Unlinked actions have no date, attendees or tags: a filter excludes them.
		cond = `m.id IS NOT NULL AND ` + canSee + ` AND ` + c
		condArgs = append(condArgs, a...)
	}

	var present map[int64]uint32 // candidate rowid -> bit i set if found[i] matches
	if len(rare) > 0 {
		// Exact: every document matching a rare term is a candidate.
		present = map[int64]uint32{}
		for i, t := range rare {
			for _, id := range t.ids {
				present[id] |= 1 << i
			}
		}
		// Common terms count only where a rare term matched; FTS5 walks
		// the short doclists and seeks in the long one.
		for i, t := range common {
			ids, err := db.matchIDs(ctx, "("+orTerms(rare)+") AND "+quoteTerm(t.term), -1)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				present[id] |= 1 << (len(rare) + i)
			}
		}
		cands, err := db.candidates(ctx, present, found, st, weights, cond, condArgs, limit)
		if err != nil {
			return nil, err
		}
		return db.hits(ctx, cands, found, st)
	}

	present = newest(found, recentWindow)
	cands, err := db.candidates(ctx, present, found, st, weights, cond, condArgs, limit)
	if err == nil && len(cands) < limit {
		// Filters left too few: look further back, once.
		for i := range found {
			if found[i].ids, err = db.matchIDs(ctx, quoteTerm(found[i].term), recentBudget+1); err != nil {
				return nil, err
			}
			found[i].df = st.estimateDF(found[i].ids)
		}
		cands, err = db.candidates(ctx, newest(found, recentBudget), found, st, weights, cond, condArgs, limit)
	}
	if err != nil {
		return nil, err
	}
	return db.hits(ctx, cands, found, st)
}

// newest returns the window newest documents matching any term, with the
// terms each holds. Each term's list holds its newest matches (at least
// window+1 or all of them), so a document in the window that matches a term
// is in that term's list: the terms found are exact.
func newest(terms []termMatches, window int) map[int64]uint32 {
	var all []int64
	for _, t := range terms {
		all = append(all, t.ids...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	if len(all) > window {
		all = all[len(all)-window:]
	}
	present := make(map[int64]uint32, len(all))
	for _, id := range all {
		present[id] = 0
	}
	for i, t := range terms {
		for _, id := range t.ids {
			if m, ok := present[id]; ok {
				present[id] = m | 1<<i
			}
		}
	}
	return present
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

// estimateDF estimates how many documents match a term from its newest
// matches ids (newest first): the share of rowids they fill in the span
// they cover, times the whole rowid span.
func (st indexStats) estimateDF(ids []int64) float64 {
	n := float64(len(ids))
	width := float64(ids[0] - ids[len(ids)-1] + 1)
	return min(max(n*st.idSpan/width, n), max(st.docs, n))
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
	cond string, condArgs []any, limit int) ([]candidate, error) {
	if len(present) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, len(present))
	for id := range present {
		ids = append(ids, id)
	}
	// One string back, not a row per document: rows cost more than lookups.
	// Each entry is "id size-in-hex" plus " kind" for all but segments.
	var sizes sql.NullString
	if err := db.reader.QueryRowContext(ctx, `SELECT group_concat(d.id || ' ' || hex(z.sz)
		|| CASE d.kind WHEN 'segment' THEN '' ELSE ' ' || d.kind END)
		FROM search_docs d JOIN search_fts_docsize z ON z.id = d.id
		WHERE d.id IN (SELECT value FROM json_each(?))`, jsonIDs(ids)).Scan(&sizes); err != nil {
		return nil, internal(err)
	}
	idfs := make([]float64, len(terms))
	for i, t := range terms {
		idfs[i] = meetingintel.BM25IDF(st.docs, t.df)
	}
	scored := make([]candidate, 0, len(ids))
	for f := range strings.SplitSeq(sizes.String, ",") {
		if f == "" {
			continue // no rows: group_concat gave NULL
		}
		idText, rest, _ := strings.Cut(f, " ")
		sizeHex, kind, _ := strings.Cut(rest, " ")
		id, err1 := strconv.ParseInt(idText, 10, 64)
		size, err2 := hex.DecodeString(sizeHex)
		if err1 != nil || err2 != nil {
			return nil, internal(errors.Join(err1, err2))
		}
		if kind == "" {
			kind = meetingintel.KindSegment
		}
		c := candidate{id: id, kind: kind, terms: present[id]}
		var sum float64
		for i := range terms {
			if c.terms&(1<<i) != 0 {
				sum += idfs[i]
			}
		}
		n, _ := ftsVarint(size) // tokens in the one column
		c.score = meetingintel.BM25(sum, float64(n), st.avgLen) * weights[c.kind]
		scored = append(scored, c)
	}

	// Visibility and filters, best first, in batches growing fourfold:
	// usually the first batch fills the page.
	byScore(scored)
	var out []candidate
	batch := limit + limit/2 + 4
	for i := 0; i < len(scored) && len(out) < limit; {
		end := min(i+batch, len(scored))
		got, err := db.visible(ctx, scored[i:end], cond, condArgs)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		i, batch = end, batch*4
	}
	byScore(out)
	return out[:min(len(out), limit)], nil
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
	return out, nil
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
