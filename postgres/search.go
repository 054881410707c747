package postgres

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/meetingintel/meetingintel"
)

// How search works, and where it may rank differently from SQLite.
//
// Both stores split a query with meetingintel.SearchTerms, let any term
// match, and rank by the same formula: BM25 with term presence (each
// matched term adds its IDF once), k1 = 1.2, b = 0.75, times the kind
// weight (meetingintel.KindWeights, boosting the kind a question asks for;
// its intent words, such as "decide", are dropped from the terms). Here the
// index is a tsvector column (english configuration) with a GIN index;
// ts_rank is not used because it knows nothing of how rare a word is across
// documents, and "how many and how rare" is what ranks a question's answers
// above lines that share one common word with it.
//
// Every document matching any term is ranked (exact top-k, nothing dropped
// for being common): one query, through the GIN index, returns each match's
// kind, place, length in tokens and matched terms; document frequencies are
// counted from those rows, exactly; meetingintel.RankDocs scores them as
// SQLite does (passages and meetings included); visibility and filters
// apply to the best-scored candidates' meetings, in batches growing
// fourfold; snippets come from ts_headline for the page shown only. The
// planner's statistics only say early which words match nothing.
//
// Queries whose plan depends on the words run with their arguments in hand
// (pgx.QueryExecModeExec), never from a cached generic plan.
//
// Differences from SQLite (FTS5, porter stemmer):
//   - Stemming is Snowball english, not Porter: most forms stem alike, a
//     few do not (so a word may match in one store and not the other).
//   - PostgreSQL's english stop words are never indexed; SearchTerms drops
//     all of them already, so only a word in a document behaves differently:
//     it occupies no position.
//   - Accents are kept (SQLite folds them: "café" finds "cafe" there, not here).
//   - Document length is counted in tokens as FTS5 counts them (runs of
//     letters and digits) and normalised by the candidates' mean, as in
//     SQLite; the document count comes from pg_class for large tables.
//     Scores may differ where stemming does.
//   - Snippets: ts_headline picks a window of at most snippetWords words
//     around the matches; FTS5 picks snippetTokens tokens. Both mark matches
//     as **word** and start or end with "…" where text was cut.
const (
	rareCap      = 1000
	snippetWords = 14

	// statsCommonAbove: a term the statistics give more documents than
	// this is common without counting. Well above rareCap, since the
	// frequencies come from a sample of the table.
	statsCommonAbove = 5 * rareCap

	// exactCountBelow: under this many documents (by the planner's
	// estimate) the total is counted exactly; above, the estimate is used.
	exactCountBelow = 20_000

	// maxTerms: a candidate's matched terms, and which consecutive pairs
	// are near, are bits of an int64.
	maxTerms = 32
)

// headlineOptions makes ts_headline mark matches as **word**, like FTS5's
// snippet(): one window of snippetWords-2 to snippetWords words (the whole
// text when shorter), short words kept.
var headlineOptions = `StartSel=**, StopSel=**, MaxWords=` + strconv.Itoa(snippetWords) + `, MinWords=` + strconv.Itoa(snippetWords-2) + `, ShortWord=0`

// searchTerm is one query term as PostgreSQL sees it.
type searchTerm struct {
	query string  // its tsquery, as text (lexemes quoted by PostgreSQL)
	word  string  // the query word, as SearchTerms gave it
	rare  bool    // at most rareCap matches: df is exact
	df    float64 // document frequency
	idf   float64
	docs  float64 // documents indexed
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
	if !meetingintel.ValidKind(q.Kind) {
		return nil, meetingintel.Errorf(meetingintel.EINVALID, "Unknown kind of search hit %q.", q.Kind)
	}
	limit := clampLimit(q.Limit, meetingintel.DefaultLimit, meetingintel.MaxLimit)

	terms, err := db.termStats(ctx, words)
	if err != nil {
		return nil, err
	}
	if len(terms) == 0 {
		return []meetingintel.SearchHit{}, nil
	}
	var all []string
	for _, t := range terms {
		all = append(all, "("+t.query+")")
	}
	anyTerm := strings.Join(all, " | ")
	filtered := !q.From.IsZero() || !q.To.IsZero() || strings.TrimSpace(q.Attendee) != "" || strings.TrimSpace(q.Tag) != ""
	// Every document matching any term is ranked, up to MaxRanked of the
	// newest (as in SQLite).
	cs, err := db.candidates(ctx, terms, anyTerm, meetingintel.MaxRanked, weights)
	if err != nil {
		return nil, err
	}
	// After ranking, as in SQLite: a hit scores as in an unfiltered search.
	if q.Kind != "" {
		cs = slices.DeleteFunc(cs, func(c candidate) bool { return c.kind != q.Kind })
	}
	page, err := db.visible(ctx, u, q, filtered, cs, limit)
	if err != nil {
		return nil, err
	}
	return db.hits(ctx, page, anyTerm)
}

// termStats returns the terms that match something, with their tsquery,
// class and IDF.
func (db *DB) termStats(ctx context.Context, words []string) ([]searchTerm, error) {
	if len(words) > maxTerms {
		words = words[:maxTerms]
	}
	// One row per word PostgreSQL indexes (a stop word gives an empty
	// tsquery; SearchTerms already drops all of english's): its tsquery,
	// its frequency in the statistics (NULL when not listed), and its
	// matches counted up to $2 unless the statistics already call it
	// common (a word of several lexemes, which the statistics do not
	// describe, is always counted). Every row also carries the document count: exact on small
	// tables, where reltuples may be stale or unset (-1 before the first
	// ANALYZE); the planner's estimate on large ones, where counting would
	// cost a scan. The most_common_elem_freqs array ends with three
	// summary numbers, not lexemes': unnest pairs them with NULL.
	rows, err := db.pool.Query(ctx, `WITH docs AS MATERIALIZED (
			SELECT CASE WHEN reltuples < $3 THEN (SELECT count(*) FROM search_docs)::float8
				ELSE reltuples::float8 END AS n
			FROM pg_class WHERE oid = 'search_docs'::regclass
		), mce AS MATERIALIZED (
			SELECT e.lex, e.freq FROM pg_stats s,
				unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs::float8[]) AS e(lex, freq)
			WHERE s.schemaname = current_schema() AND s.tablename = 'search_docs' AND s.attname = 'tsv'
				AND e.lex IS NOT NULL
		), t AS (
			SELECT w, plainto_tsquery('english', w) AS q, (tsvector_to_array(to_tsvector('english', w)))[1] AS lex, i
			FROM unnest($1::text[]) WITH ORDINALITY AS u(w, i)
		)
		SELECT t.q::text, t.w, docs.n, f.freq,
			CASE WHEN numnode(t.q) > 1 OR coalesce(f.freq * docs.n, 0) <= $4 THEN (SELECT count(*) FROM (SELECT 1 FROM search_docs d
				WHERE d.tsv @@ t.q LIMIT $2) x) END
		FROM t CROSS JOIN docs LEFT JOIN mce f ON f.lex = t.lex
		WHERE numnode(t.q) > 0 ORDER BY t.i`, words, rareCap+1, exactCountBelow, statsCommonAbove)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	var terms []searchTerm
	docs := 1.0
	for rows.Next() {
		var t searchTerm
		var freq *float64
		var n *int64
		if err := rows.Scan(&t.query, &t.word, &docs, &freq, &n); err != nil {
			return nil, internal(err)
		}
		docs = max(docs, 1)
		if n != nil && *n == 0 {
			continue
		}
		t.rare = n != nil && *n <= rareCap
		if n != nil {
			t.df = float64(*n)
		}
		if freq != nil && !t.rare {
			t.df = max(t.df, *freq*docs)
		}
		terms = append(terms, t)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err)
	}
	for i := range terms {
		terms[i].df = min(terms[i].df, max(docs, terms[i].df))
		terms[i].idf = meetingintel.BM25IDF(docs, terms[i].df)
		terms[i].docs = docs
	}
	return terms, nil
}

// candidate is a ranked document before its snippet is made.
type candidate struct {
	id, meetingID, refID int64
	seq                  *int
	kind, title          string
	date                 int64
	score                float64
}

// candidates scores the documents matching match (a tsquery text), the
// newest window of them when window > 0, and returns them best first,
// newer first on ties.
func (db *DB) candidates(ctx context.Context, terms []searchTerm, match string, window int,
	weights map[string]float64) ([]candidate, error) {
	type row struct {
		c        candidate
		len      float64
		termBits int64
		speaker  string
	}
	var rs []row
	var a args
	// Which terms each document holds, as bits: one int8 per row.
	bits := make([]string, len(terms))
	for i, t := range terms {
		bits[i] = `CASE WHEN d.tsv @@ ` + a.add(t.query) + `::tsquery THEN ` + strconv.FormatInt(1<<i, 10) + `::int8 ELSE 0 END`
	}
	// Length in tokens as FTS5's unicode61 tokenizer counts them (runs of
	// letters and digits, stop words included), so both stores normalise
	// lengths alike.
	// Consecutive terms near each other, as bits after the terms' own:
	// FTS5's NEAR(a b, N) allows N tokens between them, so positions differ
	// by 1 to N+1, in either order.
	for j := 0; j+1 < len(terms); j++ {
		var alts []string
		for dist := 1; dist <= meetingintel.NearDistance+1; dist++ {
			alts = append(alts,
				`tsquery_phrase(`+a.add(terms[j].query)+`::tsquery, `+a.add(terms[j+1].query)+`::tsquery, `+strconv.Itoa(dist)+`)`,
				`tsquery_phrase(`+a.add(terms[j+1].query)+`::tsquery, `+a.add(terms[j].query)+`::tsquery, `+strconv.Itoa(dist)+`)`)
		}
		bits = append(bits, `CASE WHEN d.tsv @@ (`+strings.Join(alts, " || ")+`) THEN `+strconv.FormatInt(1<<(len(terms)+j), 10)+`::int8 ELSE 0 END`)
	}
	sql := `SELECT d.id, d.kind, coalesce(d.meeting_id, 0), coalesce(d.ref_id, 0), d.seq,
		cardinality(regexp_split_to_array(' ' || coalesce(d.body, s.text, '') || ' ', '[^[:alnum:]]+')) - 2, coalesce(s.speaker, ''), ` +
		strings.Join(bits, " | ") + ` FROM search_docs d
		LEFT JOIN segments s ON d.kind = 'segment' AND s.meeting_id = d.meeting_id AND s.seq = d.seq
		WHERE d.tsv @@ ` + a.add(match) + `::tsquery`
	if window > 0 {
		sql += ` ORDER BY d.id DESC LIMIT ` + a.add(window)
	}
	// Planned with the words in hand, never from a generic plan (see above).
	rows, err := db.pool.Query(ctx, sql, append([]any{pgx.QueryExecModeExec}, a...)...)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var r row
		var n int32
		if err := rows.Scan(&r.c.id, &r.c.kind, &r.c.meetingID, &r.c.refID, &r.c.seq, &n, &r.speaker, &r.termBits); err != nil {
			return nil, internal(err)
		}
		r.len = float64(n)
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err)
	}
	var total float64
	for _, r := range rs {
		total += r.len
	}
	if len(rs) == 0 {
		return nil, nil
	}
	avgLen := max(total/float64(len(rs)), 1)
	words := make([]string, len(terms))
	for i, t := range terms {
		words[i] = t.word
	}
	speakers := map[string]uint64{}
	docs := make([]meetingintel.RankDoc, len(rs))
	for i, r := range rs {
		mask := uint64(r.termBits)
		docs[i] = meetingintel.RankDoc{Kind: r.c.kind, Meeting: r.c.meetingID, Terms: mask & (1<<len(terms) - 1),
			Near: mask >> len(terms), Len: r.len}
		if r.c.seq != nil {
			docs[i].Seq = *r.c.seq
		}
		if r.speaker != "" {
			m, ok := speakers[r.speaker]
			if !ok {
				m = meetingintel.SpeakerTerms(r.speaker, words)
				speakers[r.speaker] = m
			}
			docs[i].SpeakerTerms = m
		}
	}
	// Every match is in hand unless the window filled, so each term's
	// document frequency is exact; a full window keeps termStats' figures.
	dfs := make([]float64, len(terms))
	for _, r := range rs {
		for j := range terms {
			if window == 0 || len(rs) < window {
				if r.termBits&(1<<j) != 0 {
					dfs[j]++
				}
			}
		}
	}
	idfs := make([]float64, len(terms))
	for i, t := range terms {
		idfs[i] = t.idf
		if dfs[i] > 0 {
			idfs[i] = meetingintel.BM25IDF(max(t.docs, dfs[i]), dfs[i])
		}
	}
	meetingintel.RankDocs(docs, idfs, avgLen, weights)
	out := make([]candidate, 0, len(rs))
	for i, r := range rs {
		r.c.score = docs[i].Score
		out = append(out, r.c)
	}
	slices.SortFunc(out, func(x, y candidate) int {
		if c := cmp.Compare(y.score, x.score); c != 0 {
			return c
		}
		return cmp.Compare(y.id, x.id)
	})
	return out, nil
}

// visible returns the best limit candidates of cs (sorted best first) that
// the actor may see and q's filters let through, with their meeting's title
// and date. Meetings are checked for the best candidates first, in batches
// growing fourfold: usually the first batch fills the page. Unlinked actions
// have no date, attendees or tags: a filter excludes them.
func (db *DB) visible(ctx context.Context, u *meetingintel.User, q meetingintel.SearchQuery, filtered bool,
	cs []candidate, limit int) ([]candidate, error) {
	type meeting struct {
		title string
		date  int64
	}
	seen := map[int64]*meeting{} // checked meetings; nil: not let through
	// Visible candidates are offered to a meetingintel.Spread in order, as
	// in SQLite: it discounts lines next to better ones.
	var out []candidate
	spread := meetingintel.NewSpread(limit)
	batch := limit + limit/2 + 4
	for i := 0; i < len(cs) && !spread.Full(); {
		end := min(i+batch, len(cs))
		var ids []int64
		for _, c := range cs[i:end] {
			if _, ok := seen[c.meetingID]; !ok && c.meetingID != 0 {
				seen[c.meetingID] = nil
				ids = append(ids, c.meetingID)
			}
		}
		if len(ids) > 0 {
			a := args{ids}
			cond := canSee(&a, u)
			if c := meetingFilterSQL(&a, q.From, q.To, q.Attendee, q.Tag); c != "" {
				cond += ` AND ` + c
			}
			rows, err := db.pool.Query(ctx, `SELECT m.id, m.title, m.date FROM meetings m WHERE m.id = ANY($1) AND `+cond, a...)
			if err != nil {
				return nil, internal(err)
			}
			for rows.Next() {
				var id int64
				var m meeting
				if err := rows.Scan(&id, &m.title, &m.date); err != nil {
					rows.Close()
					return nil, internal(err)
				}
				seen[id] = &m
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, internal(err)
			}
		}
		for _, c := range cs[i:end] {
			if c.meetingID == 0 {
				if filtered {
					continue
				}
			} else if m := seen[c.meetingID]; m != nil {
				c.title, c.date = m.title, m.date
			} else {
				continue
			}
			seq := 0
			if c.seq != nil {
				seq = *c.seq
			}
			spread.Offer(c.kind, c.meetingID, seq, c.score)
			out = append(out, c)
		}
		i, batch = end, batch*4
	}
	page, scores := spread.Page()
	kept := make([]candidate, len(page))
	for k, i := range page {
		kept[k] = out[i]
		kept[k].score = scores[k]
	}
	return kept, nil
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
			Snippet: meetingintel.TidySnippet(ellipsis(e.text, e.snippet))}
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
	return out, db.addContext(ctx, out)
}

// addContext reads the lines around every segment hit in one query and
// attaches them (meetingintel.AddContext).
func (db *DB) addContext(ctx context.Context, hits []meetingintel.SearchHit) error {
	var meetings []int64
	var seqs []int32
	for _, h := range hits {
		if h.Kind == meetingintel.KindSegment && h.Seq != nil {
			meetings, seqs = append(meetings, h.MeetingID), append(seqs, int32(*h.Seq))
		}
	}
	if len(meetings) == 0 {
		return nil
	}
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT s.meeting_id, s.seq, s.speaker, s.start_ms, s.text
		FROM unnest($1::bigint[], $2::int[]) AS h(m, q)
		JOIN segments s ON s.meeting_id = h.m AND s.seq BETWEEN h.q - $3 AND h.q + $3`,
		meetings, seqs, meetingintel.ContextLines)
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
