package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/sqlstore"
	"github.com/meetingintel/meetingintel/postings"
)

// How search works.
//
// The flow is shared (sqlstore.SearchWith): ranking on the in-process
// index (package postings), which both stores feed, so PostgreSQL and
// SQLite rank alike, with the same words matching (FTS5's tokenizer and
// Porter stemmer, in Go). The index is built from search_docs at the first
// search and catches up with search_log (migration 009, written by
// statement triggers) before every search, so each replica sees every
// committed write, its own and the others' (postings.Live). Visibility and
// filters are checked in SQL by the shared flow. What is PostgreSQL's own:
// the tsvector column and its GIN index make the snippets (ts_headline),
// for the page shown only.
//
// Snippets: ts_headline picks a window of at most snippetWords words
// around the matches; FTS5 picks snippetTokens tokens. Both mark matches as
// **word** and start or end with "…" where text was cut.
const snippetWords = 14

// headlineOptions makes ts_headline mark matches as **word**, like FTS5's
// snippet(): one window of snippetWords-2 to snippetWords words (the whole
// text when shorter), short words kept.
var headlineOptions = `StartSel=**, StopSel=**, MaxWords=` + strconv.Itoa(snippetWords) + `, MinWords=` + strconv.Itoa(snippetWords-2) + `, ShortWord=0`

// Search ranks what the actor may see against the words of q.Query: the
// shared flow (sqlstore.SearchWith) with ts_headline's snippets.
func (db *DB) Search(ctx context.Context, q meetingintel.SearchQuery) ([]meetingintel.SearchHit, error) {
	return db.SearchWith(ctx, q, engine{db})
}

// engine is PostgreSQL's part of search: the index handle and ts_headline
// snippets.
type engine struct{ db *DB }

// Index returns the in-process index, caught up with search_log.
func (e engine) Index(ctx context.Context) (*postings.Index, error) { return e.db.search.Index(ctx) }

// Snippets makes the page's snippets with ts_headline, in one query: the
// words' tsquery marks them (any word: an OR of each one's).
func (e engine) Snippets(ctx context.Context, page []sqlstore.SearchDoc, words []string, _ []int) (map[int64]string, error) {
	ids := make([]int64, len(page))
	for i, d := range page {
		ids[i] = d.ID
	}
	rows, err := e.db.pool.Query(ctx, `WITH q AS (
			SELECT coalesce(string_agg('(' || plainto_tsquery('english', w)::text || ')', ' | '), '')::tsquery AS q
			FROM unnest($2::text[]) AS w WHERE numnode(plainto_tsquery('english', w)) > 0
		)
		SELECT d.id, coalesce(d.body, s.text, ''),
			coalesce(ts_headline('english', coalesce(d.body, s.text, ''), q.q, $3), '')
		FROM search_docs d CROSS JOIN q
		LEFT JOIN segments s ON d.kind = 'segment' AND s.meeting_id = d.meeting_id AND s.seq = d.seq
		WHERE d.id = ANY($1)`, ids, words, headlineOptions)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	out := make(map[int64]string, len(page))
	for rows.Next() {
		var id int64
		var text, snippet string
		if err := rows.Scan(&id, &text, &snippet); err != nil {
			return nil, internal(err)
		}
		out[id] = ellipsis(text, snippet)
	}
	return out, internal(rows.Err())
}

// ellipsis adds "…" where ts_headline cut the text, as FTS5's snippet()
// does: before a window that does not start the text, after one that does
// not end it.
func ellipsis(text, snippet string) string {
	plain := strings.ReplaceAll(snippet, "**", "")
	if plain == "" || strings.Contains(text, "**") {
		return snippet // marks in the text itself: positions cannot be told apart
	}
	i := strings.Index(text, plain)
	if i < 0 {
		return snippet
	}
	if strings.TrimSpace(text[:i]) != "" {
		snippet = "…" + snippet
	}
	if strings.TrimSpace(text[i+len(plain):]) != "" {
		snippet += "…"
	}
	return snippet
}
