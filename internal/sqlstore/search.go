package sqlstore

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/postings"
)

// How search runs, in both stores.
//
// Ranking runs on the in-process index (package postings), which both
// stores feed, so SQLite and PostgreSQL rank alike: the exact top k by
// meetingintel.RankDocs' score over every match, pruned by per-term
// bounds, spread over the places of each meeting (postings.SearchSpread).
//
// Visibility and meeting filters stay in SQL, here: a filtered search
// reads the meetings it may see first and the index ranks only their
// documents; an unfiltered one lets the index rank everything, checks the
// page's meetings and, if one may not be seen, ranks again without it
// (rarely more than one round). Either way the page is the exact top k of
// what the actor may see. Snippets are made here too, from the page's
// text with the index's tokens (postings.Snippet), so both stores show the
// same ones, at the cost of reading the page's text, which the visibility
// query reads anyway.

// SnippetTokens is how many tokens a search hit's snippet shows at most.
const SnippetTokens = 14

// SearchEngine is what a store adds to the shared search flow.
type SearchEngine interface {
	// Index returns the in-process index, caught up with every committed
	// write.
	Index(ctx context.Context) (*postings.Index, error)
}

// SearchDoc is a ranked search document on the page, before its snippet
// is made.
type SearchDoc struct {
	ID, MeetingID, RefID int64
	Seq                  *int
	Kind, Title          string
	Date                 int64
	Terms                uint64 // bit i: the document holds the query's words[i]
	Score                float64
	Text                 string // what the snippet is made of
}

// SearchWith ranks what the actor may see against the words of q.Query,
// with eng's index.
func (db *Store) SearchWith(ctx context.Context, q meetingintel.SearchQuery, eng SearchEngine) ([]meetingintel.SearchHit, error) {
	if _, err := Actor(ctx); err != nil {
		return nil, err
	}
	// Words that say what kind of hit a question wants ("decide") steer
	// the kind weights, not matching.
	terms := meetingintel.DropIntentWords(meetingintel.SearchTerms(q.Query))
	weights := meetingintel.KindWeights(q.Query)
	if len(terms) == 0 {
		return nil, meetingintel.Errorf(meetingintel.EINVALID,
			"Search needs at least one meaningful word; %q has only common words or punctuation.", q.Query)
	}
	if !meetingintel.ValidKind(q.Kind) {
		return nil, meetingintel.Errorf(meetingintel.EINVALID, "Unknown kind of search hit %q.", q.Kind)
	}
	limit := ClampLimit(q.Limit, meetingintel.DefaultLimit, meetingintel.MaxLimit)
	ix, err := eng.Index(ctx)
	if err != nil {
		return nil, err
	}

	// Workspaces and visibility: the chosen workspaces' meetings the actor
	// sees, and their unlinked actions.
	canSee, condArgs, unlinked, err := db.Visibility(ctx)
	if err != nil {
		return nil, err
	}
	cond := `((d.meeting_id IS NULL AND EXISTS (SELECT 1 FROM actions ua WHERE ua.id = d.ref_id AND ` + unlinked + `))
		OR (m.id IS NOT NULL AND ` + canSee + `))`
	var allowed map[int64]bool // nil: every meeting, until one is found hidden
	if c, a := db.D.MeetingFilterSQL(q.From, q.To, q.Attendee, q.Tag); c != "" {
		// Unlinked actions have no date, attendees or tags: a filter excludes them.
		cond = `m.id IS NOT NULL AND ` + canSee + ` AND ` + c
		condArgs = append(slices.Clone(condArgs), a...)
		if allowed, err = db.idSet(ctx, `SELECT m.id FROM meetings m WHERE `+canSee+` AND `+c, condArgs); err != nil {
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
			if allowed, err = db.idSet(ctx, `SELECT m.id FROM meetings m WHERE `+canSee, condArgs); err != nil {
				return nil, err
			}
			if unlinkedOK, err = db.idSet(ctx, `SELECT d.id FROM search_docs d JOIN actions ua ON ua.id = d.ref_id
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
		page, err := db.visibleDocs(ctx, res.Hits, cond, condArgs)
		if err != nil {
			return nil, err
		}
		if len(page) < len(res.Hits) {
			// A meeting on the page may not be seen: rank again without it.
			ok := make(map[int64]bool, len(page))
			for _, d := range page {
				ok[d.ID] = true
			}
			for _, h := range res.Hits {
				if !ok[h.ID] && h.Meeting == 0 {
					hiddenDocs[h.ID] = true
				} else if !ok[h.ID] {
					hidden[h.Meeting] = true
				}
			}
			continue
		}
		return db.searchHits(ctx, page, res.Words)
	}
}

// idSet returns the ids query (in `?` form) selects: meetings, or documents.
func (db *Store) idSet(ctx context.Context, query string, args []any) (map[int64]bool, error) {
	rows, err := db.r().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, db.internal(err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, db.internal(err)
		}
		out[id] = true
	}
	return out, db.internal(rows.Err())
}

// visibleDocs returns the hits that cond (over search_docs d and meetings
// m, arguments condArgs) lets through, in the index's order (best first,
// newer first on ties), with their metadata and text (a line's is in
// segments).
func (db *Store) visibleDocs(ctx context.Context, hits []postings.Hit, cond string, condArgs []any) ([]SearchDoc, error) {
	if len(hits) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	rows, err := db.r().QueryContext(ctx, `SELECT d.id, coalesce(d.ref_id, 0), coalesce(m.title, ''), coalesce(m.date, 0),
			coalesce(d.body, s.text, '')
		FROM search_docs d
		LEFT JOIN meetings m ON m.id = d.meeting_id
		LEFT JOIN segments s ON d.kind = 'segment' AND s.meeting_id = d.meeting_id AND s.seq = d.seq
		WHERE d.id IN (`+db.D.IDList+`) AND `+cond, append([]any{JSONInts(ids)}, condArgs...)...)
	if err != nil {
		return nil, db.internal(err)
	}
	defer rows.Close()
	type meta struct {
		ref         int64
		title, text string
		date        int64
	}
	seen := make(map[int64]meta, len(hits))
	for rows.Next() {
		var id int64
		var m meta
		if err := rows.Scan(&id, &m.ref, &m.title, &m.date, &m.text); err != nil {
			return nil, db.internal(err)
		}
		seen[id] = m
	}
	if err := rows.Err(); err != nil {
		return nil, db.internal(err)
	}
	out := make([]SearchDoc, 0, len(seen))
	for _, h := range hits {
		m, ok := seen[h.ID]
		if !ok {
			continue
		}
		d := SearchDoc{ID: h.ID, MeetingID: h.Meeting, RefID: m.ref, Kind: h.Kind, Title: m.title, Date: m.date,
			Terms: h.Terms, Score: h.Score, Text: m.text}
		if h.Kind == meetingintel.KindSegment {
			seq := h.Seq
			d.Seq = &seq
		}
		out = append(out, d)
	}
	return out, nil
}

// searchHits turns the page into search hits with snippets (the words
// that matched), speaker and start for segments, and the lines around them.
func (db *Store) searchHits(ctx context.Context, page []SearchDoc, words []string) ([]meetingintel.SearchHit, error) {
	out := make([]meetingintel.SearchHit, 0, len(page))
	if len(page) == 0 {
		return out, nil
	}
	for _, d := range page {
		h := meetingintel.SearchHit{MeetingID: d.MeetingID, Title: d.Title, Kind: d.Kind, Score: d.Score,
			Snippet: meetingintel.TidySnippet(postings.Snippet(d.Text, matched(words, d.Terms), SnippetTokens))}
		if d.MeetingID != 0 {
			h.MeetingDate = FromMS(d.Date)
		}
		switch d.Kind {
		case meetingintel.KindAction:
			h.ActionID = d.RefID
		case meetingintel.KindDecision:
			h.DecisionID = d.RefID
		case meetingintel.KindSegment:
			h.Seq = d.Seq
		}
		out = append(out, h)
	}
	return out, db.addContext(ctx, out)
}

// matched returns the words whose bits are set in terms.
func matched(words []string, terms uint64) []string {
	var out []string
	for i, w := range words {
		if terms&(1<<i) != 0 {
			out = append(out, w)
		}
	}
	return out
}

// addContext reads every segment hit's line (speaker, start) and the lines
// around it in one query, and attaches them (meetingintel.AddContext).
func (db *Store) addContext(ctx context.Context, hits []meetingintel.SearchHit) error {
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
		return db.internal(err)
	}
	rows, err := db.r().QueryContext(ctx, `SELECT DISTINCT sg.meeting_id, sg.seq, sg.speaker, sg.start_ms, sg.text
		FROM `+db.D.PairList+` JOIN segments sg ON sg.meeting_id = h.m AND sg.seq BETWEEN h.s - ? AND h.s + ?`,
		string(spec), meetingintel.ContextLines, meetingintel.ContextLines)
	if err != nil {
		return db.internal(err)
	}
	defer rows.Close()
	type place struct {
		meeting int64
		seq     int
	}
	lines := []meetingintel.MeetingLine{}
	own := map[place]meetingintel.MeetingLine{}
	for rows.Next() {
		var l meetingintel.MeetingLine
		if err := rows.Scan(&l.MeetingID, &l.Line.Seq, &l.Line.Speaker, &l.Line.StartMS, &l.Line.Text); err != nil {
			return db.internal(err)
		}
		lines = append(lines, l)
		own[place{l.MeetingID, l.Line.Seq}] = l
	}
	if err := rows.Err(); err != nil {
		return db.internal(err)
	}
	for i := range hits {
		h := &hits[i]
		if h.Kind != meetingintel.KindSegment || h.Seq == nil {
			continue
		}
		l, ok := own[place{h.MeetingID, *h.Seq}]
		if !ok {
			continue // the transcript was replaced since ranking: the hit stays, without its line
		}
		start := l.Line.StartMS
		h.Speaker, h.StartMS = l.Line.Speaker, &start
	}
	meetingintel.AddContext(hits, lines)
	return nil
}

// JSONInts is ids as a JSON array, the one argument of Dialect.IDList.
func JSONInts(ids []int64) string {
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
