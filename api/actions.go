package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	c := callerFrom(r.Context())
	method := "pat"
	if c.session {
		method = "session"
	}
	writeJSON(w, http.StatusOK, struct {
		*meetingintel.User
		AuthMethod string `json:"auth_method"`
	}{c.user, method})
	return nil
}

// checkMeeting refuses a meeting_id the caller cannot see as a field error:
// the route exists, the reference in the body is what is wrong. A missing
// and an invisible meeting read the same, so nothing leaks.
func (s *Server) checkMeeting(r *http.Request, id int64) error {
	if id < 0 {
		return invalid("meeting_id", "meeting_id must be a positive whole number.")
	}
	if _, err := s.store.FindMeetingByID(r.Context(), id); err != nil {
		if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
			return invalid("meeting_id", "Meeting %d not found.", id)
		}
		return err
	}
	return nil
}

func (s *Server) listActions(w http.ResponseWriter, r *http.Request) error {
	q := query{r}
	f := meetingintel.ActionFilter{Owner: q.str("owner"), Cursor: q.str("cursor")}
	switch st := q.str("status"); {
	case st == "":
		f.Status = meetingintel.StatusOpen
	case strings.EqualFold(st, "all"):
	default:
		parsed, err := meetingintel.ParseActionStatus(st)
		if err != nil {
			return invalid("status", "status must be Open, Complete, Parked or all, not %q.", st)
		}
		f.Status = parsed
	}
	var err error
	if f.MeetingID, err = q.id("meeting_id"); err != nil {
		return err
	}
	if f.DueBefore, err = meetingintel.ParseDate(q.str("due_before")); err != nil {
		return fieldInvalid("due_before", err)
	}
	if f.Limit, err = q.limit(meetingintel.DefaultLimit, meetingintel.MaxLimit); err != nil {
		return err
	}
	as, next, err := s.store.FindActions(r.Context(), f)
	if err != nil {
		return filterError(f.MeetingID, f.Cursor, err)
	}
	writeJSON(w, http.StatusOK, page[*meetingintel.Action]{Items: nonNil(as), NextCursor: next})
	return nil
}

// filterError reads a missing or invisible meeting_id filter as a bad
// parameter (400) rather than a missing route.
func filterError(meetingID *int64, cursor string, err error) error {
	if meetingID != nil && meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
		return invalid("meeting_id", "Meeting %d not found.", *meetingID)
	}
	return listError(cursor, err)
}

func (s *Server) getAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "Action")
	if err != nil {
		return err
	}
	a, err := s.store.FindActionByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// actionIn is the body of POST /api/actions. The text is "text" as the
// action is returned, or "action_text" as the MCP tools name it.
type actionIn struct {
	Text       string `json:"text"`
	ActionText string `json:"action_text"`
	Owner      string `json:"owner"`
	DueDate    string `json:"due_date"`
	MeetingID  *int64 `json:"meeting_id"`
	Notes      string `json:"notes"`
	Status     string `json:"status"`
}

// textAlias picks one of two names for the same field.
func textAlias(a, b opt[string], nameA, nameB string) (opt[string], string, error) {
	if a.Set && b.Set {
		return a, nameA, invalid(nameB, "Send %s or %s, not both.", nameA, nameB)
	}
	if b.Set {
		return b, nameB, nil
	}
	return a, nameA, nil
}

func (s *Server) createAction(w http.ResponseWriter, r *http.Request) error {
	var in actionIn
	if err := decodeJSON(w, r, MaxJSONBytes, &in); err != nil {
		return err
	}
	text, field, err := textAlias(opt[string]{Set: in.Text != "", V: in.Text}, opt[string]{Set: in.ActionText != "", V: in.ActionText}, "text", "action_text")
	if err != nil {
		return err
	}
	a := &meetingintel.Action{Text: text.V, Owner: in.Owner, Notes: in.Notes, Status: meetingintel.StatusOpen}
	if in.Status != "" {
		st, err := meetingintel.ParseActionStatus(in.Status)
		if err != nil {
			return fieldInvalid("status", err)
		}
		a.Status = st
	}
	if a.DueDate, err = meetingintel.ParseDate(in.DueDate); err != nil {
		return fieldInvalid("due_date", err)
	}
	if strings.TrimSpace(a.Text) == "" {
		return invalid(field, "%s is required: say what is to be done.", field)
	}
	if in.MeetingID != nil && *in.MeetingID != 0 {
		if err := s.checkMeeting(r, *in.MeetingID); err != nil {
			return err
		}
		a.MeetingID = in.MeetingID
	}
	if err := a.Validate(); err != nil {
		return err
	}
	if err := s.store.CreateAction(r.Context(), a); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/actions/"+strconv.FormatInt(a.ID, 10))
	writeJSON(w, http.StatusCreated, a)
	return nil
}

// actionPatch is the body of PATCH /api/actions/{id}: absent fields stay;
// null clears owner, due_date and notes, and null or 0 as meeting_id
// unlinks the action from its meeting.
type actionPatch struct {
	Text       opt[string] `json:"text"`
	ActionText opt[string] `json:"action_text"`
	Owner      opt[string] `json:"owner"`
	DueDate    opt[string] `json:"due_date"`
	Status     opt[string] `json:"status"`
	Notes      opt[string] `json:"notes"`
	MeetingID  opt[int64]  `json:"meeting_id"`
}

func (s *Server) updateAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "Action")
	if err != nil {
		return err
	}
	var in actionPatch
	if err := decodeJSON(w, r, MaxJSONBytes, &in); err != nil {
		return err
	}
	text, field, err := textAlias(in.Text, in.ActionText, "text", "action_text")
	if err != nil {
		return err
	}
	upd := meetingintel.ActionUpdate{Owner: clearable(in.Owner), Notes: clearable(in.Notes), MeetingID: clearable(in.MeetingID)}
	if upd.Text, err = required(text, field); err != nil {
		return err
	}
	if d := clearable(in.DueDate); d != nil {
		day, err := meetingintel.ParseDate(*d)
		if err != nil {
			return fieldInvalid("due_date", err)
		}
		upd.DueDate = &day
	}
	if st, err := required(in.Status, "status"); err != nil {
		return err
	} else if st != nil {
		parsed, err := meetingintel.ParseActionStatus(*st)
		if err != nil {
			return fieldInvalid("status", err)
		}
		upd.Status = &parsed
	}
	if upd.MeetingID != nil && *upd.MeetingID != 0 {
		if err := s.checkMeeting(r, *upd.MeetingID); err != nil {
			return err
		}
	}
	if upd == (meetingintel.ActionUpdate{}) {
		return &problem{Status: http.StatusBadRequest, Detail: "Nothing to change: send at least one field."}
	}
	a, err := s.store.UpdateAction(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// actionStatusPatch is the body of PATCH /api/actions/{id}/status.
type actionStatusPatch struct {
	Status string `json:"status"`
	Notes  string `json:"notes"`
}

// updateActionStatus serves PATCH /api/actions/{id}/status {status, notes}:
// the replaced system's status change, whose notes are a note about the
// change, appended to the action's notes rather than replacing them.
func (s *Server) updateActionStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "Action")
	if err != nil {
		return err
	}
	var in actionStatusPatch
	if err := decodeJSON(w, r, MaxJSONBytes, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Status) == "" {
		return invalid("status", "status is required: Open, Complete or Parked.")
	}
	st, err := meetingintel.ParseActionStatus(in.Status)
	if err != nil {
		return fieldInvalid("status", err)
	}
	upd := meetingintel.ActionUpdate{Status: &st}
	if note := strings.TrimSpace(in.Notes); note != "" {
		u := meetingintel.UserFromContext(r.Context())
		n := meetingintel.StatusNote(st, note, u.Email, time.Now())
		upd.AppendNote = &n
	}
	a, err := s.store.UpdateAction(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// setStatus serves POST /api/actions/{id}/complete, /park and /reopen. They
// take no body, so a browser form or a bare curl -X POST is enough.
func (s *Server) setStatus(st meetingintel.ActionStatus) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "Action")
		if err != nil {
			return err
		}
		a, err := s.store.UpdateAction(r.Context(), id, meetingintel.ActionUpdate{Status: &st})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a)
		return nil
	}
}

func (s *Server) deleteAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "Action")
	if err != nil {
		return err
	}
	if err := s.store.DeleteAction(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listDecisions(w http.ResponseWriter, r *http.Request) error {
	q := query{r}
	f := meetingintel.DecisionFilter{Cursor: q.str("cursor")}
	var err error
	if f.MeetingID, err = q.id("meeting_id"); err != nil {
		return err
	}
	if f.Limit, err = q.limit(meetingintel.DefaultLimit, meetingintel.MaxLimit); err != nil {
		return err
	}
	ds, next, err := s.store.FindDecisions(r.Context(), f)
	if err != nil {
		return filterError(f.MeetingID, f.Cursor, err)
	}
	writeJSON(w, http.StatusOK, page[*meetingintel.Decision]{Items: nonNil(ds), NextCursor: next})
	return nil
}

func (s *Server) getDecision(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "Decision")
	if err != nil {
		return err
	}
	d, err := s.store.FindDecisionByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// decisionIn is the body of POST /api/decisions ("text" or the MCP tool's
// "decision_text").
type decisionIn struct {
	MeetingID    int64  `json:"meeting_id"`
	Text         string `json:"text"`
	DecisionText string `json:"decision_text"`
	Context      string `json:"context"`
}

func (s *Server) createDecision(w http.ResponseWriter, r *http.Request) error {
	var in decisionIn
	if err := decodeJSON(w, r, MaxJSONBytes, &in); err != nil {
		return err
	}
	text, field, err := textAlias(opt[string]{Set: in.Text != "", V: in.Text}, opt[string]{Set: in.DecisionText != "", V: in.DecisionText}, "text", "decision_text")
	if err != nil {
		return err
	}
	if in.MeetingID == 0 {
		return invalid("meeting_id", "meeting_id is required: a decision belongs to a meeting.")
	}
	if strings.TrimSpace(text.V) == "" {
		return invalid(field, "%s is required: say what was decided.", field)
	}
	if err := s.checkMeeting(r, in.MeetingID); err != nil {
		return err
	}
	d := &meetingintel.Decision{MeetingID: in.MeetingID, Text: text.V, Context: in.Context}
	if err := d.Validate(); err != nil {
		return err
	}
	if err := s.store.CreateDecision(r.Context(), d); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/decisions/"+strconv.FormatInt(d.ID, 10))
	writeJSON(w, http.StatusCreated, d)
	return nil
}

func (s *Server) deleteDecision(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "Decision")
	if err != nil {
		return err
	}
	if err := s.store.DeleteDecision(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// decisionPatch is the body of PATCH /api/decisions/{id} (the replaced
// system's decision edit): absent fields stay; null clears the context.
type decisionPatch struct {
	Text         opt[string] `json:"text"`
	DecisionText opt[string] `json:"decision_text"`
	Context      opt[string] `json:"context"`
}

func (s *Server) updateDecision(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "Decision")
	if err != nil {
		return err
	}
	var in decisionPatch
	if err := decodeJSON(w, r, MaxJSONBytes, &in); err != nil {
		return err
	}
	text, field, err := textAlias(in.Text, in.DecisionText, "text", "decision_text")
	if err != nil {
		return err
	}
	upd := meetingintel.DecisionUpdate{Context: clearable(in.Context)}
	if upd.Text, err = required(text, field); err != nil {
		return err
	}
	if upd.Text != nil && strings.TrimSpace(*upd.Text) == "" {
		return invalid(field, "%s must not be empty: say what was decided.", field)
	}
	if upd == (meetingintel.DecisionUpdate{}) {
		return &problem{Status: http.StatusBadRequest, Detail: "Nothing to change: send text (or decision_text) or context."}
	}
	d, err := s.store.UpdateDecision(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// ownersOut is the answer of GET /api/actions/owners.
type ownersOut struct {
	Owners []string `json:"owners"`
}

// actionOwners serves GET /api/actions/owners: who owns the caller's
// visible actions, for an owner filter or pick list (the replaced system
// had it; owners are free text, so only the data knows them).
func (s *Server) actionOwners(w http.ResponseWriter, r *http.Request) error {
	owners, err := s.store.FindActionOwners(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ownersOut{Owners: nonNil(owners)})
	return nil
}
