package mcpserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ListActionsArgs are list_actions' parameters.
type ListActionsArgs struct {
	Status    string `json:"status,omitempty" jsonschema:"Open (default), Complete, Parked, or all"`
	Owner     string `json:"owner,omitempty" jsonschema:"only actions whose owner contains this (any letter case)"`
	MeetingID int64  `json:"meeting_id,omitempty" jsonschema:"only actions of this meeting"`
	DueBefore string `json:"due_before,omitempty" jsonschema:"only actions due before this day, YYYY-MM-DD"`
	Limit     int    `json:"limit,omitempty" jsonschema:"how many per page, at most 100 (default 20; more is capped)"`
	Cursor    string `json:"cursor,omitempty" jsonschema:"next_cursor of a previous page; the other filters then come from the cursor"`
}

// ListActionsResult is list_actions' result.
type ListActionsResult struct {
	Actions    []ActionOut `json:"actions"`
	NextCursor string      `json:"next_cursor,omitempty" jsonschema:"pass as cursor for the next page; absent on the last page"`
	Note       string      `json:"note,omitempty"`
}

// ActionIDArgs names one action.
type ActionIDArgs struct {
	ActionID int64 `json:"action_id" jsonschema:"the action's id"`
}

// CreateActionArgs are create_action's parameters.
type CreateActionArgs struct {
	ActionText string `json:"action_text" jsonschema:"what is to be done"`
	Owner      string `json:"owner,omitempty" jsonschema:"who does it (name or email)"`
	DueDate    string `json:"due_date,omitempty" jsonschema:"due day, YYYY-MM-DD"`
	MeetingID  int64  `json:"meeting_id,omitempty" jsonschema:"the meeting it came from"`
	Notes      string `json:"notes,omitempty" jsonschema:"notes"`
}

// UpdateActionArgs are update_action's parameters; absent fields stay.
type UpdateActionArgs struct {
	ActionID   int64   `json:"action_id" jsonschema:"the action's id"`
	ActionText *string `json:"action_text,omitempty" jsonschema:"new text"`
	Owner      *string `json:"owner,omitempty" jsonschema:"new owner"`
	DueDate    *string `json:"due_date,omitempty" jsonschema:"new due day, YYYY-MM-DD; empty clears it"`
	MeetingID  *int64  `json:"meeting_id,omitempty" jsonschema:"link to this meeting; 0 unlinks"`
	Notes      *string `json:"notes,omitempty" jsonschema:"new notes (replace them)"`
	Status     *string `json:"status,omitempty" jsonschema:"Open, Complete or Parked"`
}

func (s *Server) addActionTools() {
	addTool(s, &mcp.Tool{
		Name:        "list_actions",
		Description: "List action items, by due date: open ones by default; filter by status, owner, meeting_id or due_before; page with cursor.",
		Annotations: readOnly("List action items"),
	}, s.listActions)
	addTool(s, &mcp.Tool{
		Name:        "get_action",
		Description: "Get one action item by id.",
		Annotations: readOnly("Get an action item"),
	}, func(ctx context.Context, in ActionIDArgs) (*mcp.CallToolResult, *ActionOut, error) {
		a, err := s.store.FindActionByID(ctx, in.ActionID)
		if err != nil {
			return nil, nil, err
		}
		out := actionOut(a)
		return nil, &out, nil
	})
	addTool(s, &mcp.Tool{
		Name:        "create_action",
		Description: "Create an action item (status Open), optionally linked to a meeting. Returns it with created_by.",
		Annotations: write("Create an action item", false, false),
	}, s.createAction)
	addTool(s, &mcp.Tool{
		Name:        "update_action",
		Description: "Change an action item; only the fields given change.",
		Annotations: write("Update an action item", false, true),
	}, s.updateAction)
	addTool(s, &mcp.Tool{
		Name:        "complete_action",
		Description: "Mark an action item Complete.",
		Annotations: write("Complete an action item", false, true),
	}, s.setStatus(meetingintel.StatusComplete))
	addTool(s, &mcp.Tool{
		Name:        "park_action",
		Description: "Park an action item: set it aside without completing it (status Parked).",
		Annotations: write("Park an action item", false, true),
	}, s.setStatus(meetingintel.StatusParked))
	addTool(s, &mcp.Tool{
		Name:        "reopen_action",
		Description: "Reopen a completed or parked action item (status Open).",
		Annotations: write("Reopen an action item", false, true),
	}, s.setStatus(meetingintel.StatusOpen))
	addTool(s, &mcp.Tool{
		Name:        "delete_action",
		Description: "Delete an action item. Cannot be undone.",
		Annotations: write("Delete an action item", true, true),
	}, func(ctx context.Context, in ActionIDArgs) (*mcp.CallToolResult, *Deleted, error) {
		if err := s.store.DeleteAction(ctx, in.ActionID); err != nil {
			return nil, nil, err
		}
		return nil, &Deleted{Deleted: true, ID: in.ActionID, Message: fmt.Sprintf("Action %d was deleted.", in.ActionID)}, nil
	})
}

func (s *Server) listActions(ctx context.Context, in ListActionsArgs) (*mcp.CallToolResult, *ListActionsResult, error) {
	var c cursor
	var capped string
	if in.Cursor != "" {
		var err error
		if c, err = decodeCursor(in.Cursor, "list_actions"); err != nil {
			return nil, nil, err
		}
	} else {
		limit, note, err := checkLimit(in.Limit)
		capped = note
		if err != nil {
			return nil, nil, err
		}
		c = cursor{Tool: "list_actions", Owner: strings.TrimSpace(in.Owner), Limit: limit, MeetingID: in.MeetingID, HasMeet: in.MeetingID != 0}
		switch st := strings.TrimSpace(in.Status); {
		case st == "":
			c.Status = string(meetingintel.StatusOpen)
		case strings.EqualFold(st, "all") || strings.EqualFold(st, "any"):
		default:
			parsed, err := meetingintel.ParseActionStatus(st)
			if err != nil {
				return nil, nil, meetingintel.Errorf(meetingintel.EINVALID, "status must be Open, Complete, Parked or all, not %q.", st)
			}
			c.Status = string(parsed)
		}
		d, err := meetingintel.ParseDate(in.DueBefore)
		if err != nil {
			return nil, nil, err
		}
		c.DueBefore = d
	}
	f := meetingintel.ActionFilter{Status: meetingintel.ActionStatus(c.Status), Owner: c.Owner, DueBefore: c.DueBefore, Limit: c.Limit, Cursor: c.Store}
	if c.HasMeet {
		f.MeetingID = &c.MeetingID
	}
	as, next, err := s.store.FindActions(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	items := make([]ActionOut, len(as))
	for i, a := range as {
		items[i] = actionOut(a)
	}
	page, nextCursor := fit(items, c, next, maxPayloadBytes, func(a ActionOut) int { return jsonSize(a) })
	out := &ListActionsResult{Actions: page, NextCursor: nextCursor}
	if nextCursor != "" {
		out.Note = "More action items: call list_actions with cursor set to next_cursor."
	}
	out.Note = joinNotes(capped, out.Note)
	return nil, out, nil
}

// checkLimit reads a page size: absent (0) is the default; over MaxLimit
// is capped, as the replaced system does (its assistants' prompts ask for
// more than we allow, DESIGN §12), and the note it returns tells the
// caller so; below zero is refused.
func checkLimit(n int) (limit int, note string, err error) {
	switch {
	case n == 0:
		return meetingintel.DefaultLimit, "", nil
	case n < 0:
		return 0, "", meetingintel.Errorf(meetingintel.EINVALID, "limit must be from 1 to %d (default %d), not %d; follow next_cursor for more.", meetingintel.MaxLimit, meetingintel.DefaultLimit, n)
	case n > meetingintel.MaxLimit:
		return meetingintel.MaxLimit, fmt.Sprintf("limit %d is over the maximum of %d: capped to %d.", n, meetingintel.MaxLimit, meetingintel.MaxLimit), nil
	}
	return n, "", nil
}

// joinNotes joins the non-empty notes of a result into one.
func joinNotes(notes ...string) string {
	var kept []string
	for _, n := range notes {
		if n != "" {
			kept = append(kept, n)
		}
	}
	return strings.Join(kept, " ")
}

func (s *Server) createAction(ctx context.Context, in CreateActionArgs) (*mcp.CallToolResult, *ActionOut, error) {
	a := &meetingintel.Action{Text: in.ActionText, Owner: in.Owner, DueDate: in.DueDate, Notes: in.Notes, Status: meetingintel.StatusOpen}
	if in.MeetingID != 0 {
		a.MeetingID = &in.MeetingID
	}
	if err := a.Validate(); err != nil {
		return nil, nil, err
	}
	if err := s.store.CreateAction(ctx, a); err != nil {
		return nil, nil, err
	}
	out := actionOut(a)
	return nil, &out, nil
}

func (s *Server) updateAction(ctx context.Context, in UpdateActionArgs) (*mcp.CallToolResult, *ActionOut, error) {
	upd := meetingintel.ActionUpdate{Text: in.ActionText, Owner: in.Owner, Notes: in.Notes, MeetingID: in.MeetingID}
	if in.DueDate != nil {
		d, err := meetingintel.ParseDate(*in.DueDate)
		if err != nil {
			return nil, nil, err
		}
		upd.DueDate = &d
	}
	if in.Status != nil {
		st, err := meetingintel.ParseActionStatus(*in.Status)
		if err != nil {
			return nil, nil, err
		}
		upd.Status = &st
	}
	a, err := s.store.UpdateAction(ctx, in.ActionID, upd)
	if err != nil {
		return nil, nil, err
	}
	out := actionOut(a)
	return nil, &out, nil
}

func (s *Server) setStatus(st meetingintel.ActionStatus) func(context.Context, ActionIDArgs) (*mcp.CallToolResult, *ActionOut, error) {
	return func(ctx context.Context, in ActionIDArgs) (*mcp.CallToolResult, *ActionOut, error) {
		a, err := s.store.UpdateAction(ctx, in.ActionID, meetingintel.ActionUpdate{Status: &st})
		if err != nil {
			return nil, nil, err
		}
		out := actionOut(a)
		return nil, &out, nil
	}
}
