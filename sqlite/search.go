package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/postings"
)

// How search ranks.
//
// Ranking runs on the in-process index (package postings), which both
// stores feed, so SQLite and PostgreSQL rank alike: it holds every search
// document's terms (FTS5's tokenizer, porter unicode61 remove_diacritics
// 2, rebuilt in Go), and returns the exact top k by meetingintel.RankDocs'
// score over every match, pruning by per-term bounds (postings.Search). It
// is built from search_docs at the first search and catches up with
// search_log (migration 009, written by triggers) before each search, so
// writes by any process on the file are seen (postings.Live).
//
// Visibility and meeting filters stay here, in SQL: a filtered search
// reads the meetings it may see first and the index ranks only their
// documents; an unfiltered one lets the index rank everything, checks the
// page's meetings and, if one may not be seen, ranks again without it (5%
// of meetings private: rarely more than one round). Either way the page is
// the exact top k of what the actor may see, spread over the places of
// each meeting (postings.SearchSpread, meetingintel.Spread). FTS5 stays for snippets, for
// the page shown only.
const (
	snippetTokens = 14

	snippetScan = 300 // matches a range scan may read per snippet instead of one query each
)

// termMatches is what one query term matched.
type termMatches struct {
	term string
	df   float64 // documents matching
}

// Search ranks what the actor may see against the words of q.Query.
func (db *DB) Search(ctx context.Context, q meetingintel.SearchQuery) ([]meetingintel.SearchHit, error) {
	if _, err := actor(ctx); err != nil {
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
	ix, err := db.search.Index(ctx)
	if err != nil {
		return nil, err
	}

	// Workspaces and visibility both come from sqlstore: the chosen
	// workspace's meetings the actor sees, and its unlinked actions.
	canSee, condArgs, unlinked, err := db.Visibility(ctx)
	if err != nil {
		return nil, err
	}
	cond := `((d.meeting_id IS NULL AND EXISTS (SELECT 1 FROM actions ua WHERE ua.id = d.ref_id AND ` + unlinked + `))
		OR (m.id IS NOT NULL AND ` + canSee + `))`
	var allowed map[int64]bool // nil: every meeting, until one is found hidden
	if c, a := meetingFilterSQL(q.From, q.To, q.Attendee, q.Tag); c != "" {
		// Unlinked actions have no date, attendees or tags: a filter excludes them.
		cond = `m.id IS NOT NULL AND ` + canSee + ` AND ` + c
		condArgs = append(slices.Clone(condArgs), a...)
		if allowed, err = db.meetingSet(ctx, `SELECT m.id FROM meetings m WHERE `+canSee+` AND `+c, condArgs); err != nil {
			return nil, err
		}
	}
	filtered := allowed != nil
	hidden := map[int64]bool{}     // meetings found hidden from the actor
	hiddenDocs := map[int64]bool{} // unlinked actions found hidden
	var unlinkedOK map[int64]bool  // when read: the unlinked actions the actor sees
	for round := 0; ; round++ {
		if round == 2 && !filtered {
			// Much is hidden (other workspaces, private meetings): read what
			// the actor sees once rather than ranking again and again.
			if allowed, err = db.meetingSet(ctx, `SELECT m.id FROM meetings m WHERE `+canSee, condArgs); err != nil {
				return nil, err
			}
			if unlinkedOK, err = db.meetingSet(ctx, `SELECT d.id FROM search_docs d JOIN actions ua ON ua.id = d.ref_id
				WHERE d.meeting_id IS NULL AND d.kind = 'action' AND `+unlinked, nil); err != nil {
				return nil, err
			}
		}
		res := ix.SearchSpread(postings.Query{Words: terms, TermWeights: meetingintel.TermWeights(q.Query, terms), Weights: weights, Kind: q.Kind, K: limit,
			Allow: func(m, doc int64) bool {
				if m == 0 {
					return !filtered && !hiddenDocs[doc] && (unlinkedOK == nil || unlinkedOK[doc])
				}
				return !hidden[m] && (allowed == nil || allowed[m])
			}})
		cs := make([]candidate, len(res.Hits))
		for i, h := range res.Hits {
			cs[i] = candidate{id: h.ID, meetingID: h.Meeting, kind: h.Kind, terms: uint32(h.Terms), score: h.Score}
		}
		got, err := db.visible(ctx, cs, cond, condArgs)
		if err != nil {
			return nil, err
		}
		if len(got) < len(cs) {
			// A meeting on the page may not be seen: rank again without it.
			ok := map[int64]bool{}
			for _, c := range got {
				ok[c.id] = true
			}
			for _, c := range cs {
				if !ok[c.id] && c.meetingID == 0 {
					hiddenDocs[c.id] = true
				} else if !ok[c.id] {
					hidden[c.meetingID] = true
				}
			}
			continue
		}
		byScore(got)
		found := make([]termMatches, len(res.Words))
		for i, w := range res.Words {
			found[i] = termMatches{term: w, df: float64(res.DFs[i])}
		}
		st, err := db.indexStats(ctx)
		if err != nil {
			return nil, err
		}
		return db.hits(ctx, got, found, st)
	}
}

// meetingSet returns the ids query selects (meetings, or documents).
func (db *DB) meetingSet(ctx context.Context, query string, args []any) (map[int64]bool, error) {
	rows, err := db.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, internal(err)
		}
		out[id] = true
	}
	return out, internal(rows.Err())
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

// candidate is a ranked document before its snippet is made.
type candidate struct {
	id, meetingID, refID int64
	seq                  *int
	kind, title          string
	date                 int64
	terms                uint32 // bit i: the document matches terms[i]
	score                float64
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
			snippetTokens, orTerms(termsIn(terms, c.terms)), c.id).Scan(&s); err != nil && !errors.Is(err, sql.ErrNoRows) {
			// No row: FTS5's stemmer did not match a word the index did
			// (they agree but for rare words); the hit stays, unmarked.
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
