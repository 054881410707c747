package mcpserver

import (
	"context"
	"fmt"

	"github.com/meetingintel/meetingintel"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ListDecisionsArgs are list_decisions' parameters.
type ListDecisionsArgs struct {
	MeetingID int64  `json:"meeting_id,omitempty" jsonschema:"only decisions of this meeting"`
	Limit     int    `json:"limit,omitempty" jsonschema:"how many per page, at most 100 (default 20; more is capped)"`
	Cursor    string `json:"cursor,omitempty" jsonschema:"next_cursor of a previous page"`
}

// ListDecisionsResult is list_decisions' result.
type ListDecisionsResult struct {
	Decisions  []DecisionOut `json:"decisions"`
	NextCursor string        `json:"next_cursor,omitempty" jsonschema:"pass as cursor for the next page; absent on the last page"`
	Note       string        `json:"note,omitempty"`
}

// CreateDecisionArgs are create_decision's parameters.
type CreateDecisionArgs struct {
	MeetingID    int64  `json:"meeting_id" jsonschema:"the meeting that decided"`
	DecisionText string `json:"decision_text" jsonschema:"what was decided"`
	Context      string `json:"context,omitempty" jsonschema:"why, or what led to it"`
}

// DecisionIDArgs names one decision.
type DecisionIDArgs struct {
	DecisionID int64 `json:"decision_id" jsonschema:"the decision's id"`
}

// UpdateDecisionArgs are update_decision's parameters; absent fields stay.
type UpdateDecisionArgs struct {
	DecisionID   int64   `json:"decision_id" jsonschema:"the decision's id"`
	DecisionText *string `json:"decision_text,omitempty" jsonschema:"new text of what was decided"`
	Context      *string `json:"context,omitempty" jsonschema:"new context (replaces it); empty clears it"`
}

func (s *Server) addDecisionTools() {
	addTool(s, &mcp.Tool{
		Name:        "list_decisions",
		Description: "List decisions, newest meeting first, optionally of one meeting; page with cursor.",
		Annotations: readOnly("List decisions"),
	}, s.listDecisions)
	addTool(s, &mcp.Tool{
		Name:        "get_decision",
		Description: "Get one decision by id, with its context and meeting.",
		Annotations: readOnly("Get a decision"),
	}, func(ctx context.Context, in DecisionIDArgs) (*mcp.CallToolResult, *DecisionOut, error) {
		d, err := s.store.FindDecisionByID(ctx, in.DecisionID)
		if err != nil {
			return nil, nil, err
		}
		out := decisionOut(d)
		return nil, &out, nil
	})
	addTool(s, &mcp.Tool{
		Name:        "create_decision",
		Description: "Record a decision taken in a meeting, with its context.",
		Annotations: write("Record a decision", false, false),
	}, func(ctx context.Context, in CreateDecisionArgs) (*mcp.CallToolResult, *DecisionOut, error) {
		d := &meetingintel.Decision{MeetingID: in.MeetingID, Text: in.DecisionText, Context: in.Context}
		if err := d.Validate(); err != nil {
			return nil, nil, err
		}
		if err := s.store.CreateDecision(ctx, d); err != nil {
			return nil, nil, err
		}
		out := decisionOut(d)
		return nil, &out, nil
	})
	addTool(s, &mcp.Tool{
		Name:        "update_decision",
		Description: "Change a decision's text or context; only the fields given change.",
		Annotations: write("Update a decision", false, true),
	}, func(ctx context.Context, in UpdateDecisionArgs) (*mcp.CallToolResult, *DecisionOut, error) {
		if in.DecisionText == nil && in.Context == nil {
			return nil, nil, meetingintel.Errorf(meetingintel.EINVALID, "Nothing to change: give decision_text or context.")
		}
		d, err := s.store.UpdateDecision(ctx, in.DecisionID, meetingintel.DecisionUpdate{Text: in.DecisionText, Context: in.Context})
		if err != nil {
			return nil, nil, err
		}
		out := decisionOut(d)
		return nil, &out, nil
	})
	addTool(s, &mcp.Tool{
		Name:        "delete_decision",
		Description: "Delete a decision. Cannot be undone.",
		Annotations: write("Delete a decision", true, true),
	}, func(ctx context.Context, in DecisionIDArgs) (*mcp.CallToolResult, *Deleted, error) {
		if err := s.store.DeleteDecision(ctx, in.DecisionID); err != nil {
			return nil, nil, err
		}
		return nil, &Deleted{Deleted: true, ID: in.DecisionID, Message: fmt.Sprintf("Decision %d was deleted.", in.DecisionID)}, nil
	})
}

func (s *Server) listDecisions(ctx context.Context, in ListDecisionsArgs) (*mcp.CallToolResult, *ListDecisionsResult, error) {
	limit, capped, err := checkLimit(in.Limit)
	if err != nil {
		return nil, nil, err
	}
	c := cursor{Tool: "list_decisions", Limit: limit, MeetingID: in.MeetingID, HasMeet: in.MeetingID != 0}
	if in.Cursor != "" {
		if c, err = decodeCursor(in.Cursor, "list_decisions"); err != nil {
			return nil, nil, err
		}
	}
	f := meetingintel.DecisionFilter{Limit: c.Limit, Cursor: c.Store}
	if c.HasMeet {
		f.MeetingID = &c.MeetingID
	}
	ds, next, err := s.store.FindDecisions(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	items := make([]DecisionOut, len(ds))
	for i, d := range ds {
		items[i] = decisionOut(d)
	}
	page, nextCursor := fit(items, c, next, maxPayloadBytes, func(d DecisionOut) int { return jsonSize(d) })
	out := &ListDecisionsResult{Decisions: page, NextCursor: nextCursor}
	if nextCursor != "" {
		out.Note = "More decisions: call list_decisions with cursor set to next_cursor."
	}
	if in.Cursor == "" {
		out.Note = joinNotes(capped, out.Note)
	}
	return nil, out, nil
}
