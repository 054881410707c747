package meetingintel

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
)

// Kinds of search hits: what part of a meeting matched.
const (
	KindTitle    = "title"
	KindSummary  = "summary"
	KindSegment  = "segment"
	KindAction   = "action"
	KindDecision = "decision"
)

// SearchQuery is a full-text search. Query is words or a natural-language
// question; stop words are dropped and any remaining word may match.
type SearchQuery struct {
	Query    string
	From     time.Time // meeting date, inclusive
	To       time.Time // meeting date, exclusive
	Attendee string
	Tag      string
	// Kind, when set (KindAction or KindDecision, ...), keeps only hits of
	// that kind: search_actions and search_decisions rank within them, so
	// transcript lines cannot crowd them out of the page.
	Kind  string
	Limit int // default DefaultLimit, at most MaxLimit
}

// ValidKind reports whether k may be a SearchQuery's Kind ("" is every kind).
func ValidKind(k string) bool {
	switch k {
	case "", KindTitle, KindSummary, KindSegment, KindAction, KindDecision:
		return true
	}
	return false
}

// SearchHit is one ranked match. Snippet marks matched words as **word**.
type SearchHit struct {
	MeetingID   int64     `json:"meeting_id"`
	Title       string    `json:"title"`
	MeetingDate time.Time `json:"meeting_date"`
	Kind        string    `json:"kind"`
	Speaker     string    `json:"speaker,omitempty"`
	StartMS     *int64    `json:"start_ms,omitempty"` // segments only
	Seq         *int      `json:"seq,omitempty"`      // segments only
	ActionID    int64     `json:"action_id,omitempty"`
	DecisionID  int64     `json:"decision_id,omitempty"`
	Snippet     string    `json:"snippet"`
	Score       float64   `json:"score"` // higher is better; comparable within one result list
	// Context holds the transcript lines around a segment hit (at most
	// ContextLines before and after, each cut to ContextMaxRunes), so a
	// reader can quote the exchange without fetching the transcript.
	Context []ContextLine `json:"context,omitempty"`
}

// ContextLine is one transcript line beside a segment hit.
type ContextLine struct {
	Seq     int    `json:"seq"`
	Speaker string `json:"speaker"`
	StartMS int64  `json:"start_ms"`
	Text    string `json:"text"`
}

// Bounds of a hit's context: lines either side, and runes per line (a
// long monologue would otherwise fill the answer).
const (
	ContextLines    = 2
	ContextMaxRunes = 300
)

// MeetingLine is a transcript line of a meeting, as stores read them for
// AddContext.
type MeetingLine struct {
	MeetingID int64
	Line      ContextLine
}

// AddContext gives each segment hit of hits the lines of lines that lie
// within ContextLines of it in its meeting (the hit's own line excluded),
// in transcript order, their text cut to ContextMaxRunes.
func AddContext(hits []SearchHit, lines []MeetingLine) {
	slices.SortFunc(lines, func(a, b MeetingLine) int {
		if a.MeetingID != b.MeetingID {
			return cmp.Compare(a.MeetingID, b.MeetingID)
		}
		return cmp.Compare(a.Line.Seq, b.Line.Seq)
	})
	for i := range hits {
		h := &hits[i]
		if h.Kind != KindSegment || h.Seq == nil {
			continue
		}
		for _, l := range lines {
			if l.MeetingID == h.MeetingID && l.Line.Seq != *h.Seq && l.Line.Seq >= *h.Seq-ContextLines && l.Line.Seq <= *h.Seq+ContextLines {
				c := l.Line
				if r := []rune(c.Text); len(r) > ContextMaxRunes {
					c.Text = string(r[:ContextMaxRunes-1]) + "…"
				}
				h.Context = append(h.Context, c)
			}
		}
	}
}

// SearchService searches what the acting user may see.
type SearchService interface {
	Search(ctx context.Context, q SearchQuery) ([]SearchHit, error)
}

// TidySnippet cleans a snippet whose text already carried markdown bold
// around a matched word: the marks would double ("****pricing****").
func TidySnippet(s string) string {
	for strings.Contains(s, "****") {
		s = strings.ReplaceAll(s, "****", "**")
	}
	return s
}
