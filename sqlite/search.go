package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/sqlstore"
	"github.com/meetingintel/meetingintel/postings"
)

// How search ranks.
//
// The flow is shared (sqlstore.SearchWith): ranking on the in-process
// index (package postings), which both stores feed, so SQLite and
// PostgreSQL rank alike. It holds every search document's terms (FTS5's
// tokenizer, porter unicode61 remove_diacritics 2, rebuilt in Go); it is
// built from search_docs at the first search and catches up with
// search_log (migration 009, written by triggers) before each search, so
// writes by any process on the file are seen (postings.Live). Visibility
// and filters are checked in SQL by the shared flow. What is SQLite's
// own: FTS5 makes the snippets, for the page shown only.
const (
	snippetTokens = 14

	snippetScan = 300 // matches a range scan may read per snippet instead of one query each
)

// Search ranks what the actor may see against the words of q.Query: the
// shared flow (sqlstore.SearchWith) with FTS5's snippets.
func (db *DB) Search(ctx context.Context, q meetingintel.SearchQuery) ([]meetingintel.SearchHit, error) {
	return db.SearchWith(ctx, q, engine{db})
}

// engine is SQLite's part of search: the index handle and FTS5 snippets.
type engine struct{ db *DB }

// Index returns the in-process index, caught up with search_log.
func (e engine) Index(ctx context.Context) (*postings.Index, error) { return e.db.search.Index(ctx) }

// Snippets makes the page's snippets with FTS5's snippet().
func (e engine) Snippets(ctx context.Context, page []sqlstore.SearchDoc, words []string, dfs []int) (map[int64]string, error) {
	st, err := e.db.indexStats(ctx)
	if err != nil {
		return nil, err
	}
	terms := make([]termMatches, len(words))
	for i, w := range words {
		terms[i] = termMatches{term: w, df: float64(dfs[i])}
	}
	return e.db.snippets(ctx, page, terms, st)
}

// termMatches is what one query term matched.
type termMatches struct {
	term string
	df   float64 // documents matching
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

// jsonIDs is ids as a JSON array, for json_each: one bound parameter
// however many ids.
func jsonIDs(ids []int64) string { return sqlstore.JSONInts(ids) }

// snippets makes the marked snippet of each candidate with FTS5's
// snippet(). Every FTS5 query costs ~0.1 ms to set up plus a doclist seek
// per term, so one query over the rowid range the hits span, computing
// snippets for the hits only, beats one query per hit when that range
// holds few matches (hits among the newest matches of common words, or of
// rare words); otherwise each hit gets its own query, with only the terms
// it holds.
func (db *DB) snippets(ctx context.Context, cands []sqlstore.SearchDoc, terms []termMatches, st indexStats) (map[int64]string, error) {
	out := make(map[int64]string, len(cands))
	if len(cands) == 0 {
		return out, nil
	}
	var held uint32
	lo, hi := cands[0].ID, cands[0].ID
	ids := make([]int64, len(cands))
	for i, c := range cands {
		held |= uint32(c.Terms)
		lo, hi, ids[i] = min(lo, c.ID), max(hi, c.ID), c.ID
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
			snippetTokens, orTerms(termsIn(terms, uint32(c.Terms))), c.ID).Scan(&s); err != nil && !errors.Is(err, sql.ErrNoRows) {
			// No row: FTS5's stemmer did not match a word the index did
			// (they agree but for rare words); the hit stays, unmarked.
			return nil, internal(err)
		}
		out[c.ID] = s
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
