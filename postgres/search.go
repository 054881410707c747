package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/postings"
)

// How search works.
//
// Ranking runs on the in-process index (package postings), which both
// stores feed, so PostgreSQL and SQLite rank alike, with the same words
// matching (FTS5's tokenizer and Porter stemmer, in Go): the exact top k
// by meetingintel.RankDocs' score over every match, pruned by per-term
// bounds. The index is built from search_docs at the first search and
// catches up with search_log (migration 009, written by statement
// triggers) before every search, so each replica sees every committed
// write, its own and the others' (postings.Live).
//
// Visibility and meeting filters stay here, in SQL: a filtered search
// reads the meetings it may see first and the index ranks only theirs; an
// unfiltered one ranks everything, checks the page's meetings and ranks
// again without any the actor may not see. The page is spread over the
// places of each meeting (postings.SearchSpread), as in SQLite. The tsvector column and its
// GIN index stay for snippets (ts_headline), for the page shown only.
//
// Snippets: ts_headline picks a window of at most snippetWords words
// around the matches; FTS5 picks snippetTokens tokens. Both mark matches as
// **word** and start or end with "…" where text was cut.
const snippetWords = 14

// headlineOptions makes ts_headline mark matches as **word**, like FTS5's
// snippet(): one window of snippetWords-2 to snippetWords words (the whole
// text when shorter), short words kept.
var headlineOptions = `StartSel=**, StopSel=**, MaxWords=` + strconv.Itoa(snippetWords) + `, MinWords=` + strconv.Itoa(snippetWords-2) + `, ShortWord=0`

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
	ix, err := db.search.Index(ctx)
	if err != nil {
		return nil, err
	}
	filtered := !q.From.IsZero() || !q.To.IsZero() || strings.TrimSpace(q.Attendee) != "" || strings.TrimSpace(q.Tag) != ""
	var allowed map[int64]bool // nil: every meeting, until one is found hidden
	if filtered {
		see, seeArgs, _, err := db.Visibility(ctx)
		if err != nil {
			return nil, err
		}
		a := args{}
		cond := a.bind(see, seeArgs)
		if c := meetingFilterSQL(&a, q.From, q.To, q.Attendee, q.Tag); c != "" {
			cond += ` AND ` + c
		}
		if allowed, err = db.meetingSet(ctx, `SELECT m.id FROM meetings m WHERE `+cond, a); err != nil {
			return nil, err
		}
	}
	hidden := map[int64]bool{}     // meetings found hidden from the actor
	hiddenDocs := map[int64]bool{} // unlinked actions found hidden
	var unlinkedOK map[int64]bool  // when read: the unlinked actions the actor sees
	for round := 0; ; round++ {
		if round == 2 && !filtered {
			// Much is hidden (other workspaces, private meetings): read what
			// the actor sees once rather than ranking again and again.
			see, seeArgs, unlinked, err := db.Visibility(ctx)
			if err != nil {
				return nil, err
			}
			a := args{}
			if allowed, err = db.meetingSet(ctx, `SELECT m.id FROM meetings m WHERE `+a.bind(see, seeArgs), a); err != nil {
				return nil, err
			}
			if unlinkedOK, err = db.meetingSet(ctx, `SELECT d.id FROM search_docs d JOIN actions ua ON ua.id = d.ref_id
				WHERE d.meeting_id IS NULL AND d.kind = 'action' AND `+unlinked, nil); err != nil {
				return nil, err
			}
		}
		res := ix.SearchSpread(postings.Query{Words: words, TermWeights: meetingintel.TermWeights(q.Query, words), Weights: weights, Kind: q.Kind, K: limit,
			Allow: func(m, doc int64) bool {
				if m == 0 {
					return !filtered && !hiddenDocs[doc] && (unlinkedOK == nil || unlinkedOK[doc])
				}
				return !hidden[m] && (allowed == nil || allowed[m])
			}})
		cs := make([]candidate, len(res.Hits))
		for i, h := range res.Hits {
			cs[i] = candidate{id: h.ID, meetingID: h.Meeting, kind: h.Kind, score: h.Score}
			if h.Kind == meetingintel.KindSegment {
				seq := h.Seq
				cs[i].seq = &seq
			}
		}
		page, err := db.visible(ctx, u, q, filtered, cs, limit)
		if err != nil {
			return nil, err
		}
		if len(page) < len(cs) {
			// A meeting on the page may not be seen: rank again without it.
			ok := map[int64]bool{}
			for _, c := range page {
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
		return db.hits(ctx, page, res.Words)
	}
}

// meetingSet returns the ids query selects (meetings, or documents).
func (db *DB) meetingSet(ctx context.Context, query string, a args) (map[int64]bool, error) {
	rows, err := db.pool.Query(ctx, query, a...)
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

// candidate is a ranked document before its snippet is made.
type candidate struct {
	id, meetingID int64
	seq           *int
	kind, title   string
	date          int64
	score         float64
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
	// Workspaces and visibility both come from sqlstore: the chosen
	// workspace's meetings u sees, and its unlinked actions.
	see, seeArgs, unlinked, err := db.Visibility(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[int64]*meeting{}    // checked meetings; nil: not let through
	inWorkspace := map[int64]bool{} // checked unlinked actions, by search document
	var out []candidate
	batch := limit + limit/2 + 4
	for i := 0; i < len(cs) && len(out) < limit; {
		end := min(i+batch, len(cs))
		var ids, actions []int64
		for _, c := range cs[i:end] {
			if _, ok := seen[c.meetingID]; !ok && c.meetingID != 0 {
				seen[c.meetingID] = nil
				ids = append(ids, c.meetingID)
			}
			if _, ok := inWorkspace[c.id]; !ok && c.meetingID == 0 && !filtered {
				inWorkspace[c.id] = false
				actions = append(actions, c.id)
			}
		}
		if len(actions) > 0 {
			rows, err := db.pool.Query(ctx, `SELECT d.id FROM search_docs d JOIN actions ua ON ua.id = d.ref_id
				WHERE d.id = ANY($1) AND d.kind = 'action' AND `+unlinked, actions)
			if err != nil {
				return nil, internal(err)
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return nil, internal(err)
				}
				inWorkspace[id] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, internal(err)
			}
		}
		if len(ids) > 0 {
			a := args{ids}
			cond := a.bind(see, seeArgs)
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
				if !filtered && inWorkspace[c.id] {
					out = append(out, c)
				}
			} else if m := seen[c.meetingID]; m != nil {
				c.title, c.date = m.title, m.date
				out = append(out, c)
			}
		}
		i, batch = end, batch*4
	}
	return out[:min(len(out), limit)], nil
}

// hits turns candidates into search hits with snippets (and speaker and
// start for segments), in one query for the page shown.
func (db *DB) hits(ctx context.Context, cands []candidate, words []string) ([]meetingintel.SearchHit, error) {
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
		ref                    int64
	}
	byID := make(map[int64]extra, len(cands))
	// The words' tsquery marks the snippet (any word: an OR of each one's).
	rows, err := db.pool.Query(ctx, `WITH q AS (
			SELECT coalesce(string_agg('(' || plainto_tsquery('english', w)::text || ')', ' | '), '')::tsquery AS q
			FROM unnest($2::text[]) AS w WHERE numnode(plainto_tsquery('english', w)) > 0
		)
		SELECT d.id, coalesce(d.body, s.text, ''),
			coalesce(ts_headline('english', coalesce(d.body, s.text, ''), q.q, $3), ''), coalesce(s.speaker, ''), s.start_ms,
			coalesce(d.ref_id, 0)
		FROM search_docs d CROSS JOIN q
		LEFT JOIN segments s ON d.kind = 'segment' AND s.meeting_id = d.meeting_id AND s.seq = d.seq
		WHERE d.id = ANY($1)`, ids, words, headlineOptions)
	if err != nil {
		return nil, internal(err)
	}
	for rows.Next() {
		var id int64
		var e extra
		if err := rows.Scan(&id, &e.text, &e.snippet, &e.speaker, &e.start, &e.ref); err != nil {
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
			h.ActionID = e.ref
		case meetingintel.KindDecision:
			h.DecisionID = e.ref
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
