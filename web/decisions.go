package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/meetingintel/meetingintel"
)

// decisionView is a decision with its meeting's title and date.
type decisionView struct {
	*meetingintel.Decision
	Meeting *meetingintel.Meeting
}

type decisionsData struct {
	Decisions   []decisionView
	Next, First string
}

func (s *Server) handleDecisions(w http.ResponseWriter, r *http.Request) {
	cursor := r.URL.Query().Get("cursor")
	ds, next, err := s.cfg.Store.FindDecisions(ctx(r), meetingintel.DecisionFilter{Limit: DecisionsPerPage, Cursor: cursor})
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	d := decisionsData{}
	// Decisions list newest meeting first, so a page touches few meetings.
	meetings := map[int64]*meetingintel.Meeting{}
	for _, dec := range ds {
		m, ok := meetings[dec.MeetingID]
		if !ok {
			m, err = s.cfg.Store.FindMeetingByID(ctx(r), dec.MeetingID)
			if err != nil {
				s.errorPage(w, r, err)
				return
			}
			meetings[dec.MeetingID] = m
		}
		d.Decisions = append(d.Decisions, decisionView{Decision: dec, Meeting: m})
	}
	if next != "" {
		d.Next = "/decisions?cursor=" + url.QueryEscape(next)
	}
	if cursor != "" {
		d.First = "/decisions"
	}
	s.render(w, r, http.StatusOK, "decisions", view{Title: "Decisions", Nav: "decisions", Data: &d})
}

// decisionPage is the decision page: the decision, its meeting and the
// edit form's values (the decision's own, or a refused edit's).
type decisionPage struct {
	decisionView
	Edit decisionForm
	Open bool // show the edit form open (a refused edit)
}

func (s *Server) handleDecision(w http.ResponseWriter, r *http.Request) {
	s.showDecision(w, r, http.StatusOK, "", nil)
}

// showDecision renders a decision's page; msg and edit carry a refused
// edit back to it.
func (s *Server) showDecision(w http.ResponseWriter, r *http.Request, status int, msg string, edit *decisionForm) {
	id, err := meetingID(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	dec, err := s.cfg.Store.FindDecisionByID(ctx(r), id)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	m, err := s.cfg.Store.FindMeetingByID(ctx(r), dec.MeetingID)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	d := decisionPage{decisionView: decisionView{Decision: dec, Meeting: m}, Edit: decisionForm{Text: dec.Text, Context: dec.Context}}
	if edit != nil {
		d.Edit, d.Open = *edit, true
	}
	s.render(w, r, status, "decision", view{Title: "Decision", Nav: "decisions", Error: msg, Data: d})
}

// handleDecisionEdit changes a decision's text and context (the decision
// page's edit form), through the same UpdateDecision as PATCH
// /api/decisions/{id} and the update_decision tool.
func (s *Server) handleDecisionEdit(w http.ResponseWriter, r *http.Request) {
	id, err := meetingID(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	df := decisionForm{Text: r.PostFormValue("text"), Context: r.PostFormValue("context")}
	var dec *meetingintel.Decision
	if strings.TrimSpace(df.Text) == "" {
		err = meetingintel.Errorf(meetingintel.EINVALID, "Decision text is required.")
	} else {
		dec, err = s.cfg.Store.UpdateDecision(ctx(r), id, meetingintel.DecisionUpdate{Text: &df.Text, Context: &df.Context})
	}
	if meetingintel.ErrorCode(err) == meetingintel.EINVALID {
		s.showDecision(w, r, http.StatusBadRequest, meetingintel.ErrorMessage(err), &df)
		return
	} else if err != nil {
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("back"), "/decisions/"+strconv.FormatInt(dec.ID, 10)), http.StatusSeeOther)
}

// handleDecisionCreate records a decision from the meeting page's form.
func (s *Server) handleDecisionCreate(w http.ResponseWriter, r *http.Request) {
	id, err := meetingID(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	df := decisionForm{Text: r.PostFormValue("text"), Context: r.PostFormValue("context")}
	dec := &meetingintel.Decision{MeetingID: id, Text: df.Text, Context: df.Context}
	err = dec.Validate()
	if err == nil {
		err = s.cfg.Store.CreateDecision(ctx(r), dec)
	}
	if meetingintel.ErrorCode(err) == meetingintel.EINVALID {
		s.showMeeting(w, r, http.StatusBadRequest, meetingintel.ErrorMessage(err), df)
		return
	} else if err != nil {
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/meetings/"+strconv.FormatInt(id, 10)+"#decisions", http.StatusSeeOther)
}

func (s *Server) handleDecisionDelete(w http.ResponseWriter, r *http.Request) {
	id, err := meetingID(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	dec, err := s.cfg.Store.FindDecisionByID(ctx(r), id)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	if err := s.cfg.Store.DeleteDecision(ctx(r), id); err != nil {
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/meetings/"+strconv.FormatInt(dec.MeetingID, 10)+"#decisions", http.StatusSeeOther)
}
