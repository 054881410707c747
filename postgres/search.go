package postgres

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/meetingintel/meetingintel"
)

// How search works, and where it may rank differently from SQLite.
//
// Both stores split a query with meetingintel.SearchTerms, let any term
// match, and rank by the same formula: BM25 with term presence (each
// matched term adds its IDF once), k1 = 1.2, b = 0.75, times the kind
// weight (meetingintel.KindWeights, boosting the kind a question asks for;
// its intent words, such as "decide", are dropped from the terms). Here the index is a tsvector column (english configuration)
// with a GIN index; ts_rank is not used because it knows nothing of how rare
// a word is across documents, and "how many and how rare" is what ranks a
// question's answers above lines that share one common word with it.
//
//   - Terms: one query counts each term's matches up to rareCap+1 (GIN
//     bitmap scans). A term with at most rareCap matches is rare, its
//     document frequency exact; a common term's frequency is read from the
//     planner's statistics of the tsv column (most common lexemes, kept by
//     ANALYZE), else taken as rareCap+1, a lower bound.
//   - Candidates: every document matching a rare term; with no rare term,
//     the newest recentWindow documents matching any term, widened once to
//     recentBudget when filters leave too few hits (as SQLite does).
//   - Visibility and filters are in the same SQL as the ranking; snippets
//     come from ts_headline for the page shown only.
//
// Differences from SQLite (FTS5, porter stemmer):
//   - Stemming is Snowball english, not Porter: most forms stem alike, a
//     few do not (so a word may match in one store and not the other).
//   - PostgreSQL's english stop words are never indexed; SearchTerms drops
//     all of them already, so only a word in a document behaves differently:
//     it occupies no position.
//   - Accents are kept (SQLite folds them: "café" finds "cafe" there, not here).
//   - Document length is counted in distinct lexemes (length(tsvector)), and
//     the average length is the candidates', not the whole index's; the
//     document count comes from pg_class for large tables. Scores differ in
//     the decimals, and documents of similar score may swap places.
//   - Snippets: ts_headline picks a window of at most snippetWords words
//     around the matches; FTS5 picks snippetTokens tokens. Both mark matches
//     as **word** and start or end with "…" where text was cut.
const (
	rareCap      = 1000
	recentWindow = 1000
	recentBudget = 10000
	snippetWords = 14

	bm25K1 = 1.2
	bm25B  = 0.75

	// exactCountBelow: under this many documents (by the planner's
	// estimate) the total is counted exactly; above, the estimate is used.
	exactCountBelow = 100_000
)

// kindWeightSQL returns a CASE giving each document the weight of its kind
// (meetingintel.KindWeights: the same weights as SQLite's, with the kind a
// question asks for boosted), its arguments appended to a.
func kindWeightSQL(a *args, weights map[string]float64) string {
	var b strings.Builder
	b.WriteString(`CASE d.kind`)
	for _, k := range []string{meetingintel.KindTitle, meetingintel.KindSummary, meetingintel.KindSegment,
		meetingintel.KindAction, meetingintel.KindDecision} {
		w, ok := weights[k]
		if !ok {
			w = 1
		}
		b.WriteString(` WHEN '` + k + `' THEN ` + a.add(w) + `::float8`)
	}
	b.WriteString(` ELSE 1.0 END`)
	return b.String()
}

// headlineOptions makes ts_headline mark matches as **word**, like FTS5's
// snippet(): one window of snippetWords-2 to snippetWords words (the whole
// text when shorter), short words kept.
var headlineOptions = `StartSel=**, StopSel=**, MaxWords=` + strconv.Itoa(snippetWords) + `, MinWords=` + strconv.Itoa(snippetWords-2) + `, ShortWord=0`

// searchTerm is one query term as PostgreSQL sees it.
type searchTerm struct {
	query string  // its tsquery, as text (lexemes quoted by PostgreSQL)
	n     int     // matches counted, at most rareCap+1
	df    float64 // document frequency, exact when n <= rareCap
	idf   float64
}

// Search ranks what the actor may see against the words of q.Query.
func (db *DB) Search(ctx context.Context, q meetingintel.SearchQuery) ([]meetingintel.SearchHit, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	// Words that say what kind of hit a question wants ("decide") steer
	// the kind weights, not matching, as in SQLite.
	words := meetingintel.DropIntentWords(meetingintel.SearchTerms(q.Query))
	weights := meetingintel.KindWeights(q.Query)
	if len(words) == 0 {
		return nil, meetingintel.Errorf(meetingintel.EINVALID,
			"Search needs at least one meaningful word; %q has only common words or punctuation.", q.Query)
	}
	limit := clampLimit(q.Limit, meetingintel.DefaultLimit, meetingintel.MaxLimit)

	terms, docs, err := db.termStats(ctx, words)
	if err != nil {
		return nil, err
	}
	if len(terms) == 0 {
		return []meetingintel.SearchHit{}, nil
	}
	var rare, all []string
	for _, t := range terms {
		all = append(all, "("+t.query+")")
		if t.n <= rareCap {
			rare = append(rare, "("+t.query+")")
		}
	}
	for i := range terms {
		terms[i].idf = idf(docs, terms[i].df)
	}

	var cands []candidate
	if len(rare) > 0 {
		// Exact: every document matching a rare term is ranked; common terms
		// add to the score of those documents only.
		cands, err = db.rank(ctx, u, q, weights, terms, strings.Join(rare, " | "), 0, limit)
	} else {
		cands, err = db.rank(ctx, u, q, weights, terms, strings.Join(all, " | "), recentWindow, limit)
		if err == nil && len(cands) < limit {
			cands, err = db.rank(ctx, u, q, weights, terms, strings.Join(all, " | "), recentBudget, limit)
		}
	}
	if err != nil {
		return nil, err
	}
	return db.hits(ctx, cands, strings.Join(all, " | "))
}

// termStats returns the terms that match something, with their tsquery and
// document frequency, and the number of documents indexed.
func (db *DB) termStats(ctx context.Context, words []string) ([]searchTerm, float64, error) {
	// A word PostgreSQL treats as a stop word gives an empty tsquery and is
	// dropped (SearchTerms already drops all of english's).
	rows, err := db.pool.Query(ctx, `SELECT q::text, (SELECT count(*) FROM (SELECT 1 FROM search_docs d
			WHERE d.tsv @@ q LIMIT $2) x), coalesce(lex, '')
		FROM (SELECT plainto_tsquery('english', w) AS q,
				(tsvector_to_array(to_tsvector('english', w)))[1] AS lex, i
			FROM unnest($1::text[]) WITH ORDINALITY AS t(w, i)) t
		WHERE numnode(q) > 0 ORDER BY i`, words, rareCap+1)
	if err != nil {
		return nil, 0, internal(err)
	}
	var terms []searchTerm
	var common []string // lexemes of common terms, in order
	for rows.Next() {
		var t searchTerm
		var lex string
		if err := rows.Scan(&t.query, &t.n, &lex); err != nil {
			rows.Close()
			return nil, 0, internal(err)
		}
		if t.n == 0 {
			continue
		}
		t.df = float64(t.n)
		if t.n > rareCap {
			common = append(common, lex)
		}
		terms = append(terms, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, internal(err)
	}
	if len(terms) == 0 {
		return nil, 0, nil
	}

	// The document count: exact on small tables, where reltuples may be
	// stale or unset (-1 before the first ANALYZE); the planner's estimate
	// on large ones, where counting would cost a scan.
	var docs float64
	if err := db.pool.QueryRow(ctx, `SELECT CASE WHEN reltuples < $1 THEN (SELECT count(*) FROM search_docs)::float8
		ELSE reltuples::float8 END FROM pg_class WHERE oid = 'search_docs'::regclass`, exactCountBelow).Scan(&docs); err != nil {
		return nil, 0, internal(err)
	}
	if len(common) > 0 {
		freqs, err := db.commonLexemes(ctx)
		if err != nil {
			return nil, 0, err
		}
		j := 0
		for i := range terms {
			if terms[i].n <= rareCap {
				continue
			}
			if f, ok := freqs[common[j]]; ok {
				terms[i].df = max(terms[i].df, f*docs)
			}
			j++
		}
	}
	for i := range terms {
		terms[i].df = min(terms[i].df, max(docs, terms[i].df))
	}
	return terms, max(docs, 1), nil
}

// commonLexemes returns the share of documents holding each of the most
// common lexemes, from the statistics ANALYZE keeps for the tsv column
// (empty before the first ANALYZE).
func (db *DB) commonLexemes(ctx context.Context) (map[string]float64, error) {
	var elems []string
	var freqs []float64
	err := db.pool.QueryRow(ctx, `SELECT coalesce(most_common_elems::text::text[], '{}'),
		coalesce(most_common_elem_freqs::float8[], '{}')
		FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'search_docs' AND attname = 'tsv'`).Scan(&elems, &freqs)
	out := map[string]float64{}
	if err != nil {
		// No statistics yet: no row.
		return out, nil
	}
	for i, e := range elems {
		if i < len(freqs) {
			out[e] = freqs[i]
		}
	}
	return out, nil
}

// idf is BM25's inverse document frequency as FTS5 computes it, floored
// just above zero so every match scores.
func idf(docs, df float64) float64 {
	v := math.Log((docs - df + 0.5) / (df + 0.5))
	if v <= 0 {
		v = 1e-6
	}
	return v
}

// candidate is a ranked document before its snippet is made.
type candidate struct {
	id, meetingID, refID int64
	seq                  *int
	kind, title          string
	date                 int64
	score                float64
}

// rank scores the documents matching match (a tsquery text), the newest
// window of them when window > 0, and returns the best limit that
// visibility and q's filters let through, best first, newer first on ties.
func (db *DB) rank(ctx context.Context, u *meetingintel.User, q meetingintel.SearchQuery, weights map[string]float64, terms []searchTerm,
	match string, window, limit int) ([]candidate, error) {
	var a args
	inner := `SELECT d.id FROM search_docs d WHERE d.tsv @@ ` + a.add(match) + `::tsquery`
	if window > 0 {
		inner += ` ORDER BY d.id DESC LIMIT ` + a.add(window)
	}
	sum := make([]string, len(terms))
	for i, t := range terms {
		sum[i] = `CASE WHEN d.tsv @@ ` + a.add(t.query) + `::tsquery THEN ` + a.add(t.idf) + `::float8 ELSE 0 END`
	}
	// Visibility and filters. Unlinked actions have no date, attendees or
	// tags: a filter excludes them.
	var cond string
	if q.From.IsZero() && q.To.IsZero() && strings.TrimSpace(q.Attendee) == "" && strings.TrimSpace(q.Tag) == "" {
		cond = `(d.meeting_id IS NULL OR (m.id IS NOT NULL AND ` + canSee(&a, u) + `))`
	} else {
		cond = `m.id IS NOT NULL AND ` + canSee(&a, u)
		if c := meetingFilterSQL(&a, q.From, q.To, q.Attendee, q.Tag); c != "" {
			cond += ` AND ` + c
		}
	}
	kindWeight := kindWeightSQL(&a, weights)
	rows, err := db.pool.Query(ctx, `WITH c AS (
			SELECT d.id, length(d.tsv)::float8 AS len, avg(length(d.tsv)) OVER ()::float8 AS avglen
			FROM search_docs d WHERE d.id IN (`+inner+`)
		)
		SELECT d.id, d.kind, coalesce(d.meeting_id, 0), coalesce(d.ref_id, 0), d.seq, coalesce(m.title, ''), coalesce(m.date, 0),
			(`+strings.Join(sum, " + ")+`) * `+strconv.FormatFloat(bm25K1+1, 'f', -1, 64)+`
				/ (1 + `+strconv.FormatFloat(bm25K1, 'f', -1, 64)+` * (1 - `+strconv.FormatFloat(bm25B, 'f', -1, 64)+
		` + `+strconv.FormatFloat(bm25B, 'f', -1, 64)+` * c.len / greatest(c.avglen, 1)))
				* `+kindWeight+` AS score
		FROM c JOIN search_docs d ON d.id = c.id
		LEFT JOIN meetings m ON m.id = d.meeting_id
		WHERE `+cond+`
		ORDER BY score DESC, d.id DESC LIMIT `+a.add(limit), a...)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.id, &c.kind, &c.meetingID, &c.refID, &c.seq, &c.title, &c.date, &c.score); err != nil {
			return nil, internal(err)
		}
		out = append(out, c)
	}
	return out, internal(rows.Err())
}

// hits turns candidates into search hits with snippets (and speaker and
// start for segments), in one query for the page shown.
func (db *DB) hits(ctx context.Context, cands []candidate, match string) ([]meetingintel.SearchHit, error) {
	out := make([]meetingintel.SearchHit, 0, len(cands))
	if len(cands) == 0 {
		return out, nil
	}
	ids := make([]int64, len(cands))
	for i, c := range cands {
		ids[i] = c.id
	}
	type extra struct {
		text, snippet, speaker string
		start                  *int64
	}
	byID := make(map[int64]extra, len(cands))
	rows, err := db.pool.Query(ctx, `SELECT d.id, coalesce(d.body, s.text, ''),
			ts_headline('english', coalesce(d.body, s.text, ''), $2::tsquery, $3), coalesce(s.speaker, ''), s.start_ms
		FROM search_docs d
		LEFT JOIN segments s ON d.kind = 'segment' AND s.meeting_id = d.meeting_id AND s.seq = d.seq
		WHERE d.id = ANY($1)`, ids, match, headlineOptions)
	if err != nil {
		return nil, internal(err)
	}
	for rows.Next() {
		var id int64
		var e extra
		if err := rows.Scan(&id, &e.text, &e.snippet, &e.speaker, &e.start); err != nil {
			rows.Close()
			return nil, internal(err)
		}
		byID[id] = e
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal(err)
	}
	for _, c := range cands {
		e := byID[c.id]
		h := meetingintel.SearchHit{MeetingID: c.meetingID, Title: c.title, Kind: c.kind, Score: c.score,
			Snippet: ellipsis(e.text, e.snippet)}
		if c.meetingID != 0 {
			h.MeetingDate = fromMS(c.date)
		}
		switch c.kind {
		case meetingintel.KindAction:
			h.ActionID = c.refID
		case meetingintel.KindDecision:
			h.DecisionID = c.refID
		case meetingintel.KindSegment:
			h.Speaker, h.StartMS, h.Seq = e.speaker, e.start, c.seq
		}
		out = append(out, h)
	}
	return out, nil
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
