package meetingintel

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ActionStatus is the state of an action item.
type ActionStatus string

// Action statuses.
const (
	StatusOpen     ActionStatus = "Open"
	StatusComplete ActionStatus = "Complete"
	StatusParked   ActionStatus = "Parked"
)

// ParseActionStatus accepts a status in any letter case.
func ParseActionStatus(s string) (ActionStatus, error) {
	for _, st := range []ActionStatus{StatusOpen, StatusComplete, StatusParked} {
		if strings.EqualFold(strings.TrimSpace(s), string(st)) {
			return st, nil
		}
	}
	return "", Errorf(EINVALID, "Status must be Open, Complete or Parked, not %q.", s)
}

// DateLayout is the layout of due dates (a calendar day, no time zone).
const DateLayout = "2006-01-02"

// ParseDate parses a due date as YYYY-MM-DD; "" is no date.
func ParseDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Format(DateLayout), nil
	}
	if _, err := time.Parse(DateLayout, s); err != nil {
		return "", Errorf(EINVALID, "Date %q is not a date like 2026-03-31.", s)
	}
	return s, nil
}

// Action is an action item: something someone agreed to do.
type Action struct {
	ID        int64        `json:"id"`
	MeetingID *int64       `json:"meeting_id,omitempty"`
	Text      string       `json:"text"`
	Owner     string       `json:"owner"`
	DueDate   string       `json:"due_date,omitempty"` // YYYY-MM-DD
	Status    ActionStatus `json:"status"`
	Notes     string       `json:"notes,omitempty"`
	// WorkspaceID is the workspace it belongs to (its meeting's, if linked).
	WorkspaceID int64 `json:"workspace_id,omitempty"`
	// MeetingTitle is the linked meeting's title, read with the action
	// (never written through it) so lists name the meeting.
	MeetingTitle string `json:"meeting_title,omitempty"`

	CreatedBy string    `json:"created_by"`
	UpdatedBy string    `json:"updated_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate reports the first problem with a as an EINVALID error, having
// trimmed its text and owner and made its status, due date and meeting link
// canonical.
func (a *Action) Validate() error {
	a.Text = strings.TrimSpace(a.Text)
	a.Owner = strings.TrimSpace(a.Owner)
	if a.Status == "" {
		a.Status = StatusOpen
	}
	switch {
	case a.Text == "":
		return Errorf(EINVALID, "Action text is required.")
	case len(a.Text) > MaxTextLen || len(a.Notes) > MaxTextLen:
		return Errorf(EINVALID, "Action text and notes are at most %d characters each.", MaxTextLen)
	case len(a.Owner) > 200:
		return Errorf(EINVALID, "Action owner is longer than 200 characters.")
	}
	st, err := ParseActionStatus(string(a.Status))
	if err != nil {
		return err
	}
	a.Status = st
	if a.MeetingID != nil && *a.MeetingID == 0 {
		a.MeetingID = nil // 0 is "no meeting", as in ActionUpdate
	}
	d, err := ParseDate(a.DueDate)
	if err != nil {
		return err
	}
	a.DueDate = d
	return nil
}

// ActionFilter selects action items. Zero fields do not filter.
type ActionFilter struct {
	Status    ActionStatus // "" means any status
	Owner     string       // case-insensitive substring of the owner
	MeetingID *int64
	DueBefore string // YYYY-MM-DD, exclusive
	Limit     int
	Cursor    string
}

// ActionUpdate changes the fields that are non-nil. A MeetingID pointing at
// 0 unlinks the action from its meeting.
type ActionUpdate struct {
	Text      *string
	Owner     *string
	DueDate   *string
	Status    *ActionStatus
	Notes     *string
	MeetingID *int64
	// AppendNote adds a paragraph to the notes (after Notes, when both are
	// set). It is applied inside the store's write, on the row as it is
	// then, so two people adding notes at once both keep theirs.
	AppendNote *string
}

// Apply copies the fields upd sets onto a; a MeetingID of 0 unlinks. The
// result is not validated: callers do that.
func (upd ActionUpdate) Apply(a *Action) {
	if upd.Text != nil {
		a.Text = *upd.Text
	}
	if upd.Owner != nil {
		a.Owner = *upd.Owner
	}
	if upd.DueDate != nil {
		a.DueDate = *upd.DueDate
	}
	if upd.Status != nil {
		a.Status = *upd.Status
	}
	if upd.Notes != nil {
		a.Notes = *upd.Notes
	}
	if upd.AppendNote != nil {
		if n := strings.TrimSpace(*upd.AppendNote); n != "" {
			if strings.TrimSpace(a.Notes) != "" {
				a.Notes = strings.TrimRight(a.Notes, " \t\r\n") + "\n\n" + n
			} else {
				a.Notes = n
			}
		}
	}
	if upd.MeetingID != nil {
		a.MeetingID = nil
		if id := *upd.MeetingID; id != 0 {
			a.MeetingID = &id
		}
	}
}

// StatusNote is the paragraph a status change with a note appends to an
// action's notes (as the replaced system's PATCH /api/actions/{id}/status
// did): the day, the new status and who changed it, then the note, so the
// notes read as the action's history.
func StatusNote(st ActionStatus, note, by string, at time.Time) string {
	note = strings.TrimSpace(note)
	if note == "" {
		return ""
	}
	return fmt.Sprintf("%s, %s (%s): %s", at.UTC().Format(DateLayout), st, by, note)
}

// MaxOwners bounds FindActionOwners: owners are free text, so a pick list
// of them must stop somewhere.
const MaxOwners = 1000

// ActionService stores action items. An action linked to a meeting is
// visible exactly when that meeting is; one without a meeting is team-wide.
type ActionService interface {
	CreateAction(ctx context.Context, a *Action) error
	FindActionByID(ctx context.Context, id int64) (*Action, error)
	// FindActions lists actions by due date (none last), then id.
	FindActions(ctx context.Context, f ActionFilter) ([]*Action, string, error)
	UpdateAction(ctx context.Context, id int64, upd ActionUpdate) (*Action, error)
	// FindActionOwners lists the owners of the actions the actor may see,
	// each once (ignoring letter case), alphabetically, at most MaxOwners.
	FindActionOwners(ctx context.Context) ([]string, error)
	DeleteAction(ctx context.Context, id int64) error
}
