package sqlite

import (
	"context"
	"strings"
	"unicode"

	"github.com/meetingintel/meetingintel"
)

// Search tuning. FTS5 ranks by computing bm25 for every document that
// matches, so a query whose words match hundreds of thousands of segments
// would take hundreds of milliseconds. The store avoids that in two ways
// (see Search): terms are classed rare or common by counting their matches
// up to rareCap (cheap: reading a doclist in rowid order stops early), and
// only rare terms drive an exact ranking; a query of common terms only is
// ranked within the newest recentWindow matching documents (widened once to
// recentBudget when filters leave too few hits).
const (
	rareCap       = 1000
	recentWindow  = 1000
	recentBudget  = 10000
	maxTerms      = 16
	snippetTokens = 14
)

// kindWeight multiplies bm25 by the kind of text matched: a word in a title
// says more about a meeting than the same word in one line of transcript.
const kindWeight = `CASE d.kind WHEN 'title' THEN 2.0 WHEN 'decision' THEN 1.5 WHEN 'action' THEN 1.5
	WHEN 'summary' THEN 1.2 ELSE 1.0 END`

// Search ranks what the actor may see against the words of q.Query.
func (db *DB) Search(ctx context.Context, q meetingintel.SearchQuery) ([]meetingintel.SearchHit, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	terms := searchTerms(q.Query)
	if len(terms) == 0 {
		return nil, meetingintel.Errorf(meetingintel.EINVALID,
			"Search needs at least one meaningful word; %q has only common words or punctuation.", q.Query)
	}
	limit := clampLimit(q.Limit, meetingintel.DefaultLimit, meetingintel.MaxLimit)

	// Class each term by how many documents it matches.
	var rare, found []string
	for _, t := range terms {
		var n int
		if err := db.reader.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM search_fts
			WHERE search_fts MATCH ? LIMIT ?)`, quoteTerm(t), rareCap+1).Scan(&n); err != nil {
			return nil, internal(err)
		}
		switch {
		case n == 0:
		case n <= rareCap:
			rare, found = append(rare, t), append(found, t)
		default:
			found = append(found, t)
		}
	}
	if len(found) == 0 {
		return []meetingintel.SearchHit{}, nil
	}
	all := orTerms(found)

	// Visibility and filters over the candidates.
	cond := `(d.meeting_id IS NULL OR (m.id IS NOT NULL AND ` + canSee + `))`
	condArgs := visArgs(u)
	if c, a := meetingFilterSQL(q.From, q.To, q.Attendee, q.Tag); c != "" {
		// Unlinked actions have no date, attendees or tags: a filter excludes them.
		cond = `m.id IS NOT NULL AND ` + canSee + ` AND ` + c
		condArgs = append(condArgs, a...)
	}

	var cands []candidate
	switch {
	case len(rare) > 0:
		// Exact: every document matching a rare term is ranked. Common terms
		// join the expression so they still add to a document's score, but
		// only where a rare term matched (FTS5 seeks, not scans, the long
		// doclists under an AND).
		expr := all
		if len(rare) < len(found) {
			expr = "(" + orTerms(rare) + ") AND (" + all + ")"
		}
		inner := `SELECT rowid AS id, rank FROM search_fts WHERE search_fts MATCH ? ORDER BY rank LIMIT ?`
		cands, err = db.candidates(ctx, inner, []any{expr, rareCap * len(rare)}, cond, condArgs, limit)
	default:
		inner := `SELECT rowid AS id, rank FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?`
		cands, err = db.candidates(ctx, inner, []any{all, recentWindow}, cond, condArgs, limit)
		if err == nil && len(cands) < limit {
			cands, err = db.candidates(ctx, inner, []any{all, recentBudget}, cond, condArgs, limit)
		}
	}
	if err != nil {
		return nil, err
	}
	return db.hits(ctx, cands, all)
}

// candidate is a ranked document before its snippet is made.
type candidate struct {
	id, meetingID, refID int64
	seq                  *int
	kind, title          string
	date                 int64
	score                float64
}

// candidates runs the ranking query: inner selects (id, rank) from the FTS
// index, cond filters by visibility and meeting filters, and the best limit
// by weighted score come back.
func (db *DB) candidates(ctx context.Context, inner string, innerArgs []any, cond string, condArgs []any, limit int) ([]candidate, error) {
	args := append(append(append([]any{}, innerArgs...), condArgs...), limit)
	rows, err := db.reader.QueryContext(ctx, `SELECT h.id, -(h.rank * `+kindWeight+`) AS score, d.kind,
		coalesce(d.meeting_id, 0), coalesce(d.ref_id, 0), d.seq, coalesce(m.title, ''), coalesce(m.date, 0)
		FROM (`+inner+`) h
		JOIN search_docs d ON d.id = h.id
		LEFT JOIN meetings m ON m.id = d.meeting_id
		WHERE `+cond+`
		ORDER BY score DESC, h.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		var seq *int64
		if err := rows.Scan(&c.id, &c.score, &c.kind, &c.meetingID, &c.refID, &seq, &c.title, &c.date); err != nil {
			return nil, internal(err)
		}
		if seq != nil {
			s := int(*seq)
			c.seq = &s
		}
		out = append(out, c)
	}
	return out, internal(rows.Err())
}

// hits turns candidates into search hits with snippets (and speaker and
// start for segments): a few point lookups each, for the page shown only.
func (db *DB) hits(ctx context.Context, cands []candidate, expr string) ([]meetingintel.SearchHit, error) {
	out := make([]meetingintel.SearchHit, 0, len(cands))
	for _, c := range cands {
		h := meetingintel.SearchHit{MeetingID: c.meetingID, Title: c.title, Kind: c.kind, Score: c.score}
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
		if err := db.reader.QueryRowContext(ctx, `SELECT snippet(search_fts, 0, '**', '**', '…', ?)
			FROM search_fts WHERE search_fts MATCH ? AND rowid = ?`, snippetTokens, expr, c.id).Scan(&h.Snippet); err != nil {
			return nil, internal(err)
		}
		out = append(out, h)
	}
	return out, nil
}

// quoteTerm makes a term an FTS5 string. Terms hold only letters and digits
// (searchTerms splits on everything else), so no user text can reach the
// query syntax; doubling quotes is defence in depth.
func quoteTerm(t string) string {
	return `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
}

func orTerms(terms []string) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = quoteTerm(t)
	}
	return strings.Join(q, " OR ")
}

// searchTerms lower-cases a query, splits it on anything but letters and
// digits, and drops stop words, one-letter words and repeats. At most
// maxTerms terms are kept.
func searchTerms(query string) []string {
	words := strings.FieldsFunc(strings.ToLower(query), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	seen := map[string]bool{}
	var out []string
	for _, w := range words {
		if stopWords[w] || seen[w] || (len([]rune(w)) == 1 && !unicode.IsDigit([]rune(w)[0])) {
			continue
		}
		seen[w] = true
		out = append(out, w)
		if len(out) == maxTerms {
			break
		}
	}
	return out
}

// stopWords are English words too common to say what a search is about:
// function words, question words and the filler of spoken questions
// ("what did we say about ...").
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		a about above after again against all almost also am among an and any anyone anything are aren arent
		around as at be became because been before being below between both but by can cannot cant could
		couldn did didn didnt do does doesn doesnt doing don dont down during each either else ever every
		few for from further get gets got had hadn has hasn have haven having he her here hers herself him
		himself his how however i if in into is isn it its itself just let lets ll me might more most much
		must mustn my myself neither no nor not now of off often on once one only or other others our ours
		ourselves out over own per please quite rather re really s said same say says shall shan she should
		shouldn since so some something such t tell than that thats the their theirs them themselves then
		there these they thing things this those though through thus to too under until up upon us ve very
		via was wasn we were weren what whatever when whenever where whereas wherever whether which while
		who whoever whom whose why will with within without won would wouldn yet you your yours yourself
		yourselves d m o y ain let's anybody anywhere somebody someone
		hey hi hello ok okay yeah yes um uh like
		discuss discussed discussing talk talked talking mention mentioned mentions
		`) {
		m[w] = true
	}
	return m
}()
