package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

// actionView is an action with what the page shows about it.
type actionView struct {
	*meetingintel.Action
	Overdue bool
}

// today is the current calendar day in UTC, as due dates are written.
func (s *Server) today() string { return s.now().UTC().Format(meetingintel.DateLayout) }

func (s *Server) actionViews(as []*meetingintel.Action) []actionView {
	today := s.today()
	out := make([]actionView, len(as))
	for i, a := range as {
		out[i] = actionView{Action: a, Overdue: a.Status == meetingintel.StatusOpen && a.DueDate != "" && a.DueDate < today}
	}
	return out
}

type actionsData struct {
	Status, Owner, Due string
	Actions            []actionView
	Back               string // this page's URL, where status buttons return
	Next, First        string
}

// dueWindows are the due-date filters the actions page offers.
var dueWindows = map[string]int{"overdue": 0, "week": 8, "month": 31}

func (s *Server) handleActions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := actionsData{Status: q.Get("status"), Owner: strings.TrimSpace(q.Get("owner")), Due: q.Get("due")}
	if d.Status == "" {
		d.Status = string(meetingintel.StatusOpen)
	}
	f := meetingintel.ActionFilter{Owner: d.Owner, Limit: ActionsPerPage, Cursor: q.Get("cursor")}
	if d.Status != "all" {
		st, err := meetingintel.ParseActionStatus(d.Status)
		if err != nil {
			s.errorPage(w, r, err)
			return
		}
		f.Status, d.Status = st, string(st)
	}
	if days, ok := dueWindows[d.Due]; ok {
		f.DueBefore = s.now().UTC().AddDate(0, 0, days).Format(meetingintel.DateLayout)
	} else {
		d.Due = ""
	}
	as, next, err := s.cfg.Store.FindActions(ctx(r), f)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	d.Actions = s.actionViews(as)
	base := url.Values{}
	base.Set("status", d.Status)
	if d.Owner != "" {
		base.Set("owner", d.Owner)
	}
	if d.Due != "" {
		base.Set("due", d.Due)
	}
	d.Back = "/actions?" + base.Encode()
	if f.Cursor != "" {
		d.Back += "&cursor=" + url.QueryEscape(f.Cursor)
		d.First = "/actions?" + base.Encode()
	}
	if next != "" {
		d.Next = "/actions?" + base.Encode() + "&cursor=" + url.QueryEscape(next)
	}
	s.render(w, r, http.StatusOK, "actions", view{Title: "Action items", Nav: "actions", Data: &d})
}

// actionForm is the create/edit form of an action, as typed.
type actionForm struct {
	ID        int64
	Text      string
	Owner     string
	Due       string
	Status    string
	Notes     string
	MeetingID string
	Meeting   *meetingintel.Meeting // the linked meeting, for display
	Back      string
}

func (s *Server) handleActionNewPage(w http.ResponseWriter, r *http.Request) {
	f := actionForm{Status: string(meetingintel.StatusOpen), MeetingID: r.URL.Query().Get("meeting"), Back: "/actions"}
	if f.MeetingID != "" {
		id, _ := strconv.ParseInt(f.MeetingID, 10, 64)
		m, err := s.cfg.Store.FindMeetingByID(ctx(r), id)
		if err != nil {
			s.errorPage(w, r, err)
			return
		}
		f.Meeting, f.Back = m, "/meetings/"+f.MeetingID
	}
	s.render(w, r, http.StatusOK, "action_form", view{Title: "New action item", Nav: "actions", Data: f})
}

func readActionForm(r *http.Request) actionForm {
	return actionForm{
		Text: r.PostFormValue("text"), Owner: r.PostFormValue("owner"), Due: r.PostFormValue("due"),
		Status: r.PostFormValue("status"), Notes: r.PostFormValue("notes"), MeetingID: strings.TrimSpace(r.PostFormValue("meeting_id")),
		Back: localPath(r.PostFormValue("back"), "/actions"),
	}
}

// action checks the form as an action.
func (f actionForm) action() (*meetingintel.Action, error) {
	a := &meetingintel.Action{Text: f.Text, Owner: f.Owner, DueDate: f.Due, Status: meetingintel.ActionStatus(f.Status), Notes: strings.TrimSpace(f.Notes)}
	if f.Status != "" {
		st, err := meetingintel.ParseActionStatus(f.Status)
		if err != nil {
			return nil, err
		}
		a.Status = st
	}
	if f.MeetingID != "" && f.MeetingID != "0" {
		id, err := strconv.ParseInt(f.MeetingID, 10, 64)
		if err != nil || id <= 0 {
			return nil, meetingintel.Errorf(meetingintel.EINVALID, "Meeting %q is not a meeting id.", f.MeetingID)
		}
		a.MeetingID = &id
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

func (s *Server) handleActionCreate(w http.ResponseWriter, r *http.Request) {
	f := readActionForm(r)
	a, err := f.action()
	if err == nil {
		err = s.cfg.Store.CreateAction(ctx(r), a)
	}
	if err != nil {
		s.actionFormError(w, r, f, "New action item", err)
		return
	}
	http.Redirect(w, r, f.Back, http.StatusSeeOther)
}

// actionFormError shows the form again with what was typed and the error.
func (s *Server) actionFormError(w http.ResponseWriter, r *http.Request, f actionForm, title string, err error) {
	code := meetingintel.ErrorCode(err)
	if code != meetingintel.EINVALID && !(code == meetingintel.ENOTFOUND && f.MeetingID != "") {
		s.errorPage(w, r, err)
		return
	}
	msg := meetingintel.ErrorMessage(err)
	if code == meetingintel.ENOTFOUND {
		msg = "Meeting " + f.MeetingID + " does not exist or is not shared with you."
	}
	s.render(w, r, http.StatusBadRequest, "action_form", view{Title: title, Nav: "actions", Error: msg, Data: f})
}

func actionID(r *http.Request) (int64, error) { return meetingID(r) }

func (s *Server) handleActionEditPage(w http.ResponseWriter, r *http.Request) {
	id, err := actionID(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	a, err := s.cfg.Store.FindActionByID(ctx(r), id)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	f := actionForm{ID: a.ID, Text: a.Text, Owner: a.Owner, Due: a.DueDate, Status: string(a.Status), Notes: a.Notes,
		Back: localPath(r.URL.Query().Get("back"), "/actions")}
	if a.MeetingID != nil {
		f.MeetingID = strconv.FormatInt(*a.MeetingID, 10)
		if m, err := s.cfg.Store.FindMeetingByID(ctx(r), *a.MeetingID); err == nil {
			f.Meeting = m
		}
	}
	s.render(w, r, http.StatusOK, "action_form", view{Title: "Edit action item", Nav: "actions", Data: f})
}

func (s *Server) handleActionEdit(w http.ResponseWriter, r *http.Request) {
	id, err := actionID(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	f := readActionForm(r)
	f.ID = id
	a, err := f.action()
	if err == nil {
		mid := int64(0)
		if a.MeetingID != nil {
			mid = *a.MeetingID
		}
		_, err = s.cfg.Store.UpdateAction(ctx(r), id, meetingintel.ActionUpdate{
			Text: &a.Text, Owner: &a.Owner, DueDate: &a.DueDate, Status: &a.Status, Notes: &a.Notes, MeetingID: &mid,
		})
	}
	if err != nil {
		s.actionFormError(w, r, f, "Edit action item", err)
		return
	}
	http.Redirect(w, r, f.Back, http.StatusSeeOther)
}

// handleActionStatus is the one-click complete, park and reopen.
func (s *Server) handleActionStatus(w http.ResponseWriter, r *http.Request) {
	id, err := actionID(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	st, err := meetingintel.ParseActionStatus(r.PostFormValue("status"))
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	upd := meetingintel.ActionUpdate{Status: &st}
	// A note with the change is appended to the notes, as PATCH
	// /api/actions/{id}/status does.
	if note := strings.TrimSpace(r.PostFormValue("note")); note != "" {
		n := meetingintel.StatusNote(st, note, callFrom(r).user.Email, s.cfg.Now())
		upd.AppendNote = &n
	}
	if _, err := s.cfg.Store.UpdateAction(ctx(r), id, upd); err != nil {
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("back"), "/actions"), http.StatusSeeOther)
}

func (s *Server) handleActionDelete(w http.ResponseWriter, r *http.Request) {
	id, err := actionID(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	if err := s.cfg.Store.DeleteAction(ctx(r), id); err != nil {
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("back"), "/actions"), http.StatusSeeOther)
}

// dueIn says when a due date falls, relative to today.
func dueIn(due string, now time.Time) string {
	d, err := time.Parse(meetingintel.DateLayout, due)
	if err != nil {
		return ""
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	days := int(d.Sub(today).Hours() / 24)
	switch {
	case days == 0:
		return "today"
	case days == 1:
		return "tomorrow"
	case days == -1:
		return "yesterday"
	case days < 0:
		return plural(-days, "day") + " ago"
	}
	return "in " + plural(days, "day")
}
