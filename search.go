package meetingintel

import (
	"context"
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
	Limit    int // default DefaultLimit, at most MaxLimit
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
