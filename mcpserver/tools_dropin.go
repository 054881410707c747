package mcpserver

// The replaced system's tools that ours did not cover (DESIGN §12): its
// assistants' skill file calls search_actions, search_decisions and
// get_decision in parallel, and get_schema to learn the data model.

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/meetingintel/meetingintel"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// searchKindDefaultLimit is search_actions' and search_decisions' default
// page, the replaced system's.
const searchKindDefaultLimit = 10

// SearchKindArgs are search_actions' and search_decisions' parameters.
type SearchKindArgs struct {
	Query string `json:"query" jsonschema:"words or a question"`
	Limit int    `json:"limit,omitempty" jsonschema:"how many, at most 100 (default 10; more is capped)"`
}

// ActionHit is one search_actions result: the action, its meeting's title
// and the matching text.
type ActionHit struct {
	ActionOut
	Snippet string `json:"snippet" jsonschema:"the matching text with matched words in **bold**; quoted data"`
}

// SearchActionsResult is search_actions' result.
type SearchActionsResult struct {
	Actions []ActionHit `json:"actions"`
	Note    string      `json:"note,omitempty"`
}

// DecisionHit is one search_decisions result: the decision, its meeting's
// title and the matching text.
type DecisionHit struct {
	DecisionOut
	MeetingTitle string `json:"meeting_title"`
	Snippet      string `json:"snippet" jsonschema:"the matching text with matched words in **bold**; quoted data"`
}

// SearchDecisionsResult is search_decisions' result.
type SearchDecisionsResult struct {
	Decisions []DecisionHit `json:"decisions"`
	Note      string        `json:"note,omitempty"`
}

// SchemaArgs is get_schema's parameter list: it takes none.
type SchemaArgs struct{}

// SchemaResult is get_schema's result: the records the tools return (as
// JSON Schemas derived from the same Go types, so they cannot drift) and
// the values fields take.
type SchemaResult struct {
	Entities          map[string]any `json:"entities" jsonschema:"meeting, action and decision: the JSON Schema of each as tools return it"`
	ActionStatuses    []string       `json:"action_statuses"`
	Visibilities      []string       `json:"visibilities" jsonschema:"team: every member sees it; private: its attendees, creator and admins"`
	TranscriptFormats []string       `json:"transcript_formats"`
	SearchHitKinds    []string       `json:"search_hit_kinds"`
	MaxLimit          int            `json:"max_limit" jsonschema:"the largest page; a larger limit is capped"`
	Notes             string         `json:"notes"`
}

func (s *Server) addDropInTools() {
	addTool(s, &mcp.Tool{
		Name:        "search_actions",
		Description: "Full-text search over action items only, best match first (words or a question). Each hit is the action with its meeting's title.",
		Annotations: readOnly("Search action items"),
	}, s.searchActions)
	addTool(s, &mcp.Tool{
		Name:        "search_decisions",
		Description: "Full-text search over decisions only, best match first (words or a question). Each hit is the decision with its meeting's title.",
		Annotations: readOnly("Search decisions"),
	}, s.searchDecisions)
	schema, err := schemaResult()
	if err != nil {
		panic(fmt.Sprintf("get_schema: %v", err))
	}
	addTool(s, &mcp.Tool{
		Name:        "get_schema",
		Description: "Describe the data: the fields of meetings, action items and decisions, and the values statuses, visibility and transcript formats take.",
		Annotations: readOnly("Describe the data model"),
	}, func(context.Context, SchemaArgs) (*mcp.CallToolResult, *SchemaResult, error) {
		return nil, schema, nil
	})
}

// searchKind runs a search limited to one kind of hit.
func (s *Server) searchKind(ctx context.Context, in SearchKindArgs, kind string) ([]meetingintel.SearchHit, string, error) {
	if strings.TrimSpace(in.Query) == "" {
		return nil, "", meetingintel.Errorf(meetingintel.EINVALID, "query is required: give words or a question to search for.")
	}
	limit, capped, err := checkLimit(in.Limit)
	if err != nil {
		return nil, "", err
	}
	if in.Limit == 0 {
		limit = searchKindDefaultLimit
	}
	hits, err := s.store.Search(ctx, meetingintel.SearchQuery{Query: in.Query, Kind: kind, Limit: limit})
	return hits, capped, err
}

func (s *Server) searchActions(ctx context.Context, in SearchKindArgs) (*mcp.CallToolResult, *SearchActionsResult, error) {
	hits, capped, err := s.searchKind(ctx, in, meetingintel.KindAction)
	if err != nil {
		return nil, nil, err
	}
	out := &SearchActionsResult{Actions: []ActionHit{}}
	for _, h := range hits {
		a, err := s.store.FindActionByID(ctx, h.ActionID)
		if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
			continue // deleted since the search
		} else if err != nil {
			return nil, nil, err
		}
		hit := ActionHit{ActionOut: actionOut(a), Snippet: h.Snippet}
		hit.MeetingTitle = h.Title
		out.Actions = append(out.Actions, hit)
	}
	if len(out.Actions) == 0 {
		out.Note = "No matching action items. Try other words, or list_actions to browse."
	}
	out.Note = joinNotes(capped, out.Note)
	return nil, out, nil
}

func (s *Server) searchDecisions(ctx context.Context, in SearchKindArgs) (*mcp.CallToolResult, *SearchDecisionsResult, error) {
	hits, capped, err := s.searchKind(ctx, in, meetingintel.KindDecision)
	if err != nil {
		return nil, nil, err
	}
	out := &SearchDecisionsResult{Decisions: []DecisionHit{}}
	for _, h := range hits {
		d, err := s.store.FindDecisionByID(ctx, h.DecisionID)
		if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
			continue // deleted since the search
		} else if err != nil {
			return nil, nil, err
		}
		out.Decisions = append(out.Decisions, DecisionHit{DecisionOut: decisionOut(d), MeetingTitle: h.Title, Snippet: h.Snippet})
	}
	if len(out.Decisions) == 0 {
		out.Note = "No matching decisions. Try other words, or list_decisions to browse."
	}
	out.Note = joinNotes(capped, out.Note)
	return nil, out, nil
}

// schemaResult builds get_schema's answer once, from the result types.
func schemaResult() (*SchemaResult, error) {
	entities := map[string]any{}
	for name, v := range map[string]any{"meeting": MeetingDetail{}, "action": ActionOut{}, "decision": DecisionOut{}} {
		typed, err := schemaOf(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		entities[name] = typed
	}
	return &SchemaResult{
		Entities:          entities,
		ActionStatuses:    []string{string(meetingintel.StatusOpen), string(meetingintel.StatusComplete), string(meetingintel.StatusParked)},
		Visibilities:      []string{string(meetingintel.VisibilityTeam), string(meetingintel.VisibilityPrivate)},
		TranscriptFormats: []string{"auto", "vtt", "srt", "otter", "fireflies", "text"},
		SearchHitKinds:    []string{meetingintel.KindTitle, meetingintel.KindSummary, meetingintel.KindSegment, meetingintel.KindAction, meetingintel.KindDecision},
		MaxLimit:          meetingintel.MaxLimit,
		Notes: "Dates are RFC 3339 (meeting_date) or YYYY-MM-DD (due_date). attendees and tags take a list or one comma-separated string. " +
			"Actions list Open by default; owners are free text.",
	}, nil
}

// schemaOf is the JSON Schema of v's type, as plain JSON values.
func schemaOf(v any) (map[string]any, error) {
	sch, err := jsonschema.ForType(reflect.TypeOf(v), &jsonschema.ForOptions{})
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(sch)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	return out, json.Unmarshal(b, &out)
}
