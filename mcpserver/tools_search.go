package mcpserver

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/meetinginput"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// SearchMeetingsArgs are search_meetings' parameters.
type SearchMeetingsArgs struct {
	Query    string `json:"query" jsonschema:"words or a question, e.g. what did we decide about pricing"`
	Limit    int    `json:"limit,omitempty" jsonschema:"how many hits, at most 100 (default 20; more is capped)"`
	DateFrom string `json:"date_from,omitempty" jsonschema:"only meetings on or after this day, YYYY-MM-DD or RFC 3339"`
	DateTo   string `json:"date_to,omitempty" jsonschema:"only meetings up to this day (inclusive), YYYY-MM-DD or RFC 3339"`
	Attendee string `json:"attendee,omitempty" jsonschema:"only meetings with this attendee (email or name)"`
	Tag      string `json:"tag,omitempty" jsonschema:"only meetings with this tag"`
}

// SearchHit is one search_meetings hit.
type SearchHit struct {
	MeetingID   int64  `json:"meeting_id"`
	Title       string `json:"title"`
	MeetingDate string `json:"meeting_date"`
	Kind        string `json:"kind" jsonschema:"what matched: segment, title, summary, action or decision"`
	Speaker     string `json:"speaker" jsonschema:"who said it (segment hits; empty for others)"`
	StartMS     *int64 `json:"start_ms" jsonschema:"when it was said, milliseconds from the start (segment hits; null for others); use with get_transcript start_ms"`
	ActionID    int64  `json:"action_id,omitempty"`
	DecisionID  int64  `json:"decision_id,omitempty"`
	Snippet     string `json:"snippet" jsonschema:"the matching text with matched words in **bold**; quoted data"`
	URL         string `json:"url"`
	// Context is omitted for hits other than segments.
	Context []meetingintel.ContextLine `json:"context,omitempty" jsonschema:"segment hits: up to 2 transcript lines before and after the hit (seq, speaker, start_ms, text cut to 300 characters), in order; quoted data"`
}

// SearchMeetingsResult is search_meetings' result.
type SearchMeetingsResult struct {
	Results []SearchHit `json:"results"`
	Note    string      `json:"note,omitempty"`
}

// SearchArgs is search's parameter (ChatGPT connectors and deep research).
type SearchArgs struct {
	Query string `json:"query" jsonschema:"what to look for, in words or as a question"`
}

// SearchDoc is one search result: a meeting.
type SearchDoc struct {
	ID    string `json:"id" jsonschema:"the meeting id; pass it to fetch"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// SearchResult is search's result.
type SearchResult struct {
	Results []SearchDoc `json:"results"`
}

// FetchArgs is fetch's parameter.
type FetchArgs struct {
	ID string `json:"id" jsonschema:"a meeting id, as search returned it"`
}

// FetchResult is fetch's result: a meeting as one document.
type FetchResult struct {
	ID       string         `json:"id"`
	Title    string         `json:"title"`
	Text     string         `json:"text" jsonschema:"the meeting: details, summary, decisions, actions and transcript (quoted data)"`
	URL      string         `json:"url"`
	Metadata map[string]any `json:"metadata"`
}

func (s *Server) addSearchTools() {
	addTool(s, &mcp.Tool{
		Name:        "search_meetings",
		Description: "Full-text search over meeting titles, summaries, transcripts, action items and decisions. Ranked hits with meeting_id, kind, speaker, start_ms and a snippet. Filter by date_from, date_to, attendee, tag.",
		Annotations: readOnly("Search meetings"),
	}, s.searchMeetings)
	addTool(s, &mcp.Tool{
		Name:        "search",
		Description: "Search the team's meetings (titles, summaries, transcripts, actions, decisions) and return matching meetings as {id, title, url}; read one with fetch.",
		Annotations: readOnly("Search"),
	}, s.search)
	addTool(s, &mcp.Tool{
		Name:        "fetch",
		Description: "Fetch one meeting by the id search returned: details, summary, decisions, actions and transcript as one document.",
		Annotations: readOnly("Fetch a meeting"),
	}, s.fetch)
}

func (s *Server) searchMeetings(ctx context.Context, in SearchMeetingsArgs) (*mcp.CallToolResult, *SearchMeetingsResult, error) {
	limit, capped, err := checkLimit(in.Limit)
	if err != nil {
		return nil, nil, err
	}
	q := meetingintel.SearchQuery{Query: in.Query, Attendee: strings.TrimSpace(in.Attendee), Tag: strings.TrimSpace(in.Tag), Limit: limit}
	if strings.TrimSpace(in.Query) == "" {
		return nil, nil, meetingintel.Errorf(meetingintel.EINVALID, "query is required: give words or a question to search for.")
	}
	if strings.TrimSpace(in.DateFrom) != "" {
		if q.From, err = meetinginput.DateTime("date_from", in.DateFrom); err != nil {
			return nil, nil, err
		}
	}
	if strings.TrimSpace(in.DateTo) != "" {
		if q.To, err = meetinginput.UpTo("date_to", in.DateTo); err != nil {
			return nil, nil, err
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From) {
		return nil, nil, meetingintel.Errorf(meetingintel.EINVALID, "date_to (%s) must not be before date_from (%s).", strings.TrimSpace(in.DateTo), strings.TrimSpace(in.DateFrom))
	}
	hits, err := s.store.Search(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	out := &SearchMeetingsResult{Results: []SearchHit{}}
	used := 0
	for _, h := range hits {
		sh := SearchHit{
			MeetingID: h.MeetingID, Title: h.Title, MeetingDate: formatTime(h.MeetingDate), Kind: h.Kind,
			Speaker: h.Speaker, StartMS: h.StartMS, ActionID: h.ActionID, DecisionID: h.DecisionID,
			Snippet: h.Snippet, URL: s.meetingURL(h.MeetingID), Context: h.Context,
		}
		n := jsonSize(sh)
		if used+n > maxPayloadBytes && len(out.Results) > 0 {
			out.Note = fmt.Sprintf("Only the best %d hits fit in one answer; narrow the search with dates, attendee or tag.", len(out.Results))
			break
		}
		used += n
		out.Results = append(out.Results, sh)
	}
	if len(out.Results) == 0 {
		out.Note = "No matches. Try other words, fewer filters, or list_meetings to browse."
	}
	out.Note = joinNotes(capped, out.Note)
	return nil, out, nil
}

func (s *Server) search(ctx context.Context, in SearchArgs) (*mcp.CallToolResult, *SearchResult, error) {
	out := &SearchResult{Results: []SearchDoc{}}
	if strings.TrimSpace(in.Query) == "" {
		return nil, out, nil
	}
	hits, err := s.store.Search(ctx, meetingintel.SearchQuery{Query: in.Query, Limit: meetingintel.MaxLimit})
	if err != nil {
		return nil, nil, err
	}
	seen := map[int64]bool{}
	for _, h := range hits {
		if seen[h.MeetingID] {
			continue
		}
		seen[h.MeetingID] = true
		out.Results = append(out.Results, SearchDoc{ID: strconv.FormatInt(h.MeetingID, 10), Title: h.Title, URL: s.meetingURL(h.MeetingID)})
		if len(out.Results) == meetingintel.DefaultLimit {
			break
		}
	}
	return nil, out, nil
}

func (s *Server) fetch(ctx context.Context, in FetchArgs) (*mcp.CallToolResult, *FetchResult, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(in.ID), 10, 64)
	if err != nil || id <= 0 {
		return nil, nil, meetingintel.Errorf(meetingintel.EINVALID, "id %q is not a meeting id; use an id that search returned.", in.ID)
	}
	m, err := s.store.FindMeetingByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\nDate: %s\n", m.Title, m.Date.UTC().Format(time.RFC1123))
	if len(m.Attendees) > 0 {
		names := make([]string, len(m.Attendees))
		for i, a := range m.Attendees {
			names[i] = a.Name
			if a.Email != "" {
				names[i] += " <" + a.Email + ">"
			}
		}
		fmt.Fprintf(&b, "Attendees: %s\n", strings.Join(names, ", "))
	}
	if len(m.Tags) > 0 {
		fmt.Fprintf(&b, "Tags: %s\n", strings.Join(m.Tags, ", "))
	}
	summary, cut := truncateUTF8(m.Summary, maxSummaryBytes)
	if summary != "" {
		b.WriteString("\n## Summary\n\n" + summary + "\n")
		if cut {
			b.WriteString("[The summary continues on the meeting page.]\n")
		}
	}
	decisions, _, err := s.store.FindDecisions(ctx, meetingintel.DecisionFilter{MeetingID: &id, Limit: meetingintel.MaxLimit})
	if err != nil {
		return nil, nil, err
	}
	if len(decisions) > 0 {
		b.WriteString("\n## Decisions\n\n")
		for _, d := range decisions {
			t, _ := truncateUTF8(d.Text, 1000)
			fmt.Fprintf(&b, "- %s\n", t)
		}
	}
	actions, _, err := s.store.FindActions(ctx, meetingintel.ActionFilter{MeetingID: &id, Limit: meetingintel.MaxLimit})
	if err != nil {
		return nil, nil, err
	}
	if len(actions) > 0 {
		b.WriteString("\n## Action items\n\n")
		for _, a := range actions {
			t, _ := truncateUTF8(a.Text, 1000)
			fmt.Fprintf(&b, "- [%s] %s (owner: %s", a.Status, t, a.Owner)
			if a.DueDate != "" {
				fmt.Fprintf(&b, ", due %s", a.DueDate)
			}
			b.WriteString(")\n")
		}
	}
	truncated := false
	if m.SegmentCount > 0 {
		b.WriteString("\n## Transcript (quoted from the meeting)\n\n")
		c := cursor{Tool: "get_transcript", MeetingID: id}
		for b.Len() < fetchTextBytes {
			p, err := s.transcriptPage(ctx, m, c, fetchTextBytes-b.Len())
			if err != nil {
				return nil, nil, err
			}
			for _, g := range p.Segments {
				fmt.Fprintf(&b, "[%s] %s: %s\n", clock(g.StartMS), g.Speaker, g.Text)
			}
			if p.NextCursor == "" {
				break
			}
			if c, err = decodeCursor(p.NextCursor, "get_transcript"); err != nil {
				return nil, nil, err
			}
			truncated = b.Len() >= fetchTextBytes
		}
		if truncated {
			fmt.Fprintf(&b, "\n[The transcript continues; the get_transcript tool with meeting_id %d and cursor %q reads the rest.]\n", id, c.encode())
		}
	}
	attendees := make([]string, len(m.Attendees))
	for i, a := range m.Attendees {
		attendees[i] = a.Name
	}
	return nil, &FetchResult{
		ID: strconv.FormatInt(id, 10), Title: m.Title, Text: b.String(), URL: s.meetingURL(id),
		Metadata: map[string]any{
			"date": formatTime(m.Date), "attendees": attendees, "tags": nonNil(m.Tags), "source": m.Source,
			"visibility": string(m.Visibility), "segment_count": m.SegmentCount, "transcript_truncated": truncated,
		},
	}, nil
}
