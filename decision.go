package meetingintel

import (
	"context"
	"strings"
	"time"
)

// Decision is something a meeting decided, with the context that explains it.
type Decision struct {
	ID        int64  `json:"id"`
	MeetingID int64  `json:"meeting_id"`
	Text      string `json:"text"`
	Context   string `json:"context,omitempty"`
	// WorkspaceID is its meeting's workspace.
	WorkspaceID int64 `json:"workspace_id,omitempty"`

	CreatedBy string    `json:"created_by"`
	UpdatedBy string    `json:"updated_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate reports the first problem with d as an EINVALID error.
func (d *Decision) Validate() error {
	d.Text = strings.TrimSpace(d.Text)
	d.Context = strings.TrimSpace(d.Context)
	switch {
	case d.MeetingID <= 0:
		return Errorf(EINVALID, "A decision belongs to a meeting: meeting id is required.")
	case d.Text == "":
		return Errorf(EINVALID, "Decision text is required.")
	case len(d.Text) > MaxTextLen || len(d.Context) > MaxTextLen:
		return Errorf(EINVALID, "Decision text and context are at most %d characters each.", MaxTextLen)
	}
	return nil
}

// DecisionUpdate changes the given fields of a decision; nil ones stay.
// A decision stays with its meeting.
type DecisionUpdate struct {
	Text    *string
	Context *string
}

// Apply sets the given fields on d.
func (u DecisionUpdate) Apply(d *Decision) {
	if u.Text != nil {
		d.Text = *u.Text
	}
	if u.Context != nil {
		d.Context = *u.Context
	}
}

// DecisionFilter selects decisions, newest meeting first.
type DecisionFilter struct {
	MeetingID *int64
	Limit     int
	Cursor    string
}

// DecisionService stores decisions; a decision is visible when its meeting is.
type DecisionService interface {
	CreateDecision(ctx context.Context, d *Decision) error
	FindDecisionByID(ctx context.Context, id int64) (*Decision, error)
	FindDecisions(ctx context.Context, f DecisionFilter) ([]*Decision, string, error)
	// UpdateDecision changes a visible decision (and what search finds it by).
	UpdateDecision(ctx context.Context, id int64, upd DecisionUpdate) (*Decision, error)
	DeleteDecision(ctx context.Context, id int64) error
}
