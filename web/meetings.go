package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

// meetingsFilter is the filter form of the meetings page, as typed.
type meetingsFilter struct {
	Q, From, To, Attendee, Tag string
}

// query returns the filter as URL parameters (for pagination links).
func (f meetingsFilter) query() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"q": f.Q, "from": f.From, "to": f.To, "attendee": f.Attendee, "tag": f.Tag} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// Active reports whether any filter is set.
func (f meetingsFilter) Active() bool { return len(f.query()) > 0 }

type meetingsData struct {
	Filter   meetingsFilter
	Meetings []*meetingintel.Meeting
	Hits     []hitView
	Searched bool
	Next     string // URL of the next page, "" on the last
	First    string // URL of the first page, "" when on it
}

// hitView is a search hit with the link that lands on it.
type hitView struct {
	meetingintel.SearchHit
	URL   string
	Clock string
}

// parseDay reads a YYYY-MM-DD filter date; "" is zero.
func parseDay(s, field string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(meetingintel.DateLayout, s)
	if err != nil {
		return time.Time{}, meetingintel.Errorf(meetingintel.EINVALID, "%s %q is not a date like 2026-03-31.", field, s)
	}
	return t, nil
}

func (s *Server) handleMeetings(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := meetingsFilter{
		Q: strings.TrimSpace(q.Get("q")), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Attendee: strings.TrimSpace(q.Get("attendee")), Tag: strings.TrimSpace(q.Get("tag")),
	}
	d := meetingsData{Filter: f}
	v := view{Title: "Meetings", Nav: "meetings", Data: &d}
	if f.Q != "" {
		v.Title = "Search: " + f.Q
	}
	fail := func(err error) {
		if meetingintel.ErrorCode(err) != meetingintel.EINVALID {
			s.errorPage(w, r, err)
			return
		}
		v.Error = meetingintel.ErrorMessage(err)
		s.render(w, r, http.StatusBadRequest, "meetings", v)
	}
	from, err := parseDay(f.From, "From")
	if err != nil {
		fail(err)
		return
	}
	to, err := parseDay(f.To, "To")
	if err != nil {
		fail(err)
		return
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1) // the form's "to" day is inclusive
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		fail(meetingintel.Errorf(meetingintel.EINVALID, "The From date must not be after the To date."))
		return
	}
	if f.Q != "" {
		d.Searched = true
		hits, err := s.cfg.Store.Search(ctx(r), meetingintel.SearchQuery{
			Query: f.Q, From: from, To: to, Attendee: f.Attendee, Tag: f.Tag, Limit: SearchHits,
		})
		if err != nil {
			fail(err)
			return
		}
		for _, h := range hits {
			d.Hits = append(d.Hits, hitFor(h))
		}
		s.render(w, r, http.StatusOK, "meetings", v)
		return
	}
	cursor := q.Get("cursor")
	ms, next, err := s.cfg.Store.FindMeetings(ctx(r), meetingintel.MeetingFilter{
		From: from, To: to, Attendee: f.Attendee, Tag: f.Tag, Limit: MeetingsPerPage, Cursor: cursor,
	})
	if err != nil {
		fail(err)
		return
	}
	d.Meetings = ms
	if next != "" {
		nq := f.query()
		nq.Set("cursor", next)
		d.Next = "/meetings?" + nq.Encode()
	}
	if cursor != "" {
		d.First = "/meetings"
		if fq := f.query().Encode(); fq != "" {
			d.First += "?" + fq
		}
	}
	s.render(w, r, http.StatusOK, "meetings", v)
}

// hitFor links a hit to where it is: a transcript line (on the transcript
// page that holds it), an action, a decision, or the meeting.
func hitFor(h meetingintel.SearchHit) hitView {
	hv := hitView{SearchHit: h, URL: "/meetings/" + strconv.FormatInt(h.MeetingID, 10)}
	switch {
	case h.Kind == meetingintel.KindSegment && h.Seq != nil:
		var startMS int64
		if h.StartMS != nil {
			startMS = *h.StartMS
			hv.Clock = clock(startMS)
		}
		if *h.Seq >= TranscriptPerPage {
			hv.URL += "?t=" + strconv.FormatInt(max(startMS-transcriptLead, 0), 10)
		}
		hv.URL += "#t-" + strconv.Itoa(*h.Seq)
	case h.Kind == meetingintel.KindAction && h.ActionID > 0:
		hv.URL = "/actions/" + strconv.FormatInt(h.ActionID, 10) + "/edit"
	case h.Kind == meetingintel.KindDecision && h.DecisionID > 0:
		hv.URL = "/decisions/" + strconv.FormatInt(h.DecisionID, 10)
	}
	return hv
}

// meetingID reads the {id} of the path; a malformed id is simply not found.
func meetingID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound
	}
	return id, nil
}

type speakerView struct {
	meetingintel.SpeakerTime
	Color int // palette index, shared by the chart and the transcript
	Width string
}

type segmentView struct {
	meetingintel.Segment
	Color int
}

type meetingData struct {
	Meeting   *meetingintel.Meeting
	Speakers  []speakerView
	Segments  []segmentView
	Actions   []actionView
	Decisions []*meetingintel.Decision
	// Transcript paging: Partial when this page does not show it all.
	Partial   bool
	FromStart bool   // the page starts at the beginning
	Next      string // URL of the following page
	Decision  decisionForm
}

type decisionForm struct {
	Text, Context string
}

// palette is how many speaker colours the stylesheet defines.
const palette = 8

func (s *Server) handleMeeting(w http.ResponseWriter, r *http.Request) {
	s.showMeeting(w, r, http.StatusOK, "", decisionForm{})
}

// showMeeting renders a meeting page; msg and df carry a refused decision
// form back to it.
func (s *Server) showMeeting(w http.ResponseWriter, r *http.Request, status int, msg string, df decisionForm) {
	id, err := meetingID(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	c := ctx(r)
	m, err := s.cfg.Store.FindMeetingByID(c, id)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	d := meetingData{Meeting: m, Decision: df}
	tt, err := s.cfg.Store.TalkTime(c, id)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	colors := map[string]int{}
	var longest int64
	for _, sp := range tt {
		longest = max(longest, sp.MS)
	}
	for i, sp := range tt {
		colors[sp.Speaker] = i % palette
		wpct := 0.0
		if longest > 0 {
			wpct = float64(sp.MS) / float64(longest) * 100
		}
		d.Speakers = append(d.Speakers, speakerView{SpeakerTime: sp, Color: i % palette, Width: strconv.FormatFloat(max(wpct, 0.5), 'f', 1, 64) + "%"})
	}

	// The transcript is paged: an hour of talk is a few hundred segments,
	// but an all-day workshop can be thousands. ?t=MS starts the page at
	// that time (search hits link there); Next continues by cursor.
	sf := meetingintel.SegmentFilter{Limit: TranscriptPerPage, Cursor: r.URL.Query().Get("after")}
	d.FromStart = sf.Cursor == ""
	if t := r.URL.Query().Get("t"); t != "" {
		if ms, err := strconv.ParseInt(t, 10, 64); err == nil && ms > 0 {
			sf.StartMS = &ms
			d.FromStart = false
		}
	}
	segs, next, err := s.cfg.Store.FindSegments(c, id, sf)
	if meetingintel.ErrorCode(err) == meetingintel.EINVALID {
		sf.Cursor, sf.StartMS, d.FromStart = "", nil, true // a stale cursor: start over
		segs, next, err = s.cfg.Store.FindSegments(c, id, sf)
	}
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	for _, sg := range segs {
		d.Segments = append(d.Segments, segmentView{Segment: sg, Color: colors[sg.Speaker]})
	}
	if next != "" {
		d.Next = "/meetings/" + strconv.FormatInt(id, 10) + "?after=" + url.QueryEscape(next) + "#transcript"
	}
	d.Partial = next != "" || !d.FromStart

	acts, _, err := s.cfg.Store.FindActions(c, meetingintel.ActionFilter{MeetingID: &id, Limit: meetingintel.MaxLimit})
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	d.Actions = s.actionViews(acts)
	d.Decisions, _, err = s.cfg.Store.FindDecisions(c, meetingintel.DecisionFilter{MeetingID: &id, Limit: meetingintel.MaxLimit})
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, status, "meeting", view{Title: m.Title, Nav: "meetings", Error: msg, Data: &d})
}

// meetingForm is the edit form of a meeting, as typed.
type meetingForm struct {
	ID         int64
	Title      string
	Date       string // datetime-local, UTC
	Duration   string // minutes
	Attendees  string // one per line: Name <email>, or an email, or a name
	Tags       string // comma-separated
	Source     string
	Visibility string
	Summary    string
}

func formFromMeeting(m *meetingintel.Meeting) meetingForm {
	var att []string
	for _, a := range m.Attendees {
		switch {
		case a.Email == "":
			att = append(att, a.Name)
		case a.Name == "":
			att = append(att, a.Email)
		default:
			att = append(att, a.Name+" <"+a.Email+">")
		}
	}
	return meetingForm{
		ID: m.ID, Title: m.Title, Date: m.Date.UTC().Format("2006-01-02T15:04"),
		Duration: strconv.FormatInt((m.DurationMS+30_000)/60_000, 10), Attendees: strings.Join(att, "\n"),
		Tags: strings.Join(m.Tags, ", "), Source: m.Source, Visibility: string(m.Visibility), Summary: m.Summary,
	}
}

func (s *Server) handleMeetingEditPage(w http.ResponseWriter, r *http.Request) {
	id, err := meetingID(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	m, err := s.cfg.Store.FindMeetingByID(ctx(r), id)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "meeting_edit", view{Title: "Edit " + m.Title, Nav: "meetings", Data: formFromMeeting(m)})
}

// parseDateTime reads a datetime-local value (or RFC 3339) as UTC.
func parseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, meetingintel.Errorf(meetingintel.EINVALID, "Meeting date is required.")
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, meetingintel.Errorf(meetingintel.EINVALID, "Date %q is not a date and time like 2026-03-31T14:00.", s)
}

// parseAttendeeLines reads attendees, one per line or comma-separated:
// "Name <email>", "email" or "Name".
func parseAttendeeLines(s string) ([]meetingintel.Attendee, error) {
	var out []meetingintel.Attendee
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		a := meetingintel.Attendee{Name: line}
		if i := strings.LastIndex(line, "<"); i >= 0 && strings.HasSuffix(line, ">") {
			a = meetingintel.Attendee{Name: strings.TrimSpace(line[:i]), Email: strings.TrimSpace(line[i+1 : len(line)-1])}
		} else if strings.Contains(line, "@") {
			a = meetingintel.Attendee{Email: line}
		}
		if a.Email != "" {
			e, err := meetingintel.NormalizeEmail(a.Email)
			if err != nil {
				return nil, meetingintel.Errorf(meetingintel.EINVALID, "Attendee %q: %s", line, meetingintel.ErrorMessage(err))
			}
			a.Email = e
		}
		out = append(out, a)
	}
	return out, nil
}

func splitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' })
}

func (s *Server) handleMeetingEdit(w http.ResponseWriter, r *http.Request) {
	id, err := meetingID(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	f := meetingForm{
		ID: id, Title: r.PostFormValue("title"), Date: r.PostFormValue("date"), Duration: r.PostFormValue("duration"),
		Attendees: r.PostFormValue("attendees"), Tags: r.PostFormValue("tags"), Source: r.PostFormValue("source"),
		Visibility: r.PostFormValue("visibility"), Summary: r.PostFormValue("summary"),
	}
	fail := func(err error) {
		if meetingintel.ErrorCode(err) != meetingintel.EINVALID {
			s.errorPage(w, r, err)
			return
		}
		s.render(w, r, http.StatusBadRequest, "meeting_edit", view{Title: "Edit meeting", Nav: "meetings", Error: meetingintel.ErrorMessage(err), Data: f})
	}
	upd, err := f.update()
	if err != nil {
		fail(err)
		return
	}
	if _, err := s.cfg.Store.UpdateMeeting(ctx(r), id, upd); err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, "/meetings/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// update turns the form into a full update, validated as a meeting.
func (f meetingForm) update() (meetingintel.MeetingUpdate, error) {
	date, err := parseDateTime(f.Date)
	if err != nil {
		return meetingintel.MeetingUpdate{}, err
	}
	mins, err := strconv.ParseInt(strings.TrimSpace(f.Duration), 10, 64)
	if strings.TrimSpace(f.Duration) == "" {
		mins, err = 0, nil
	}
	if err != nil || mins < 0 || mins > 7*24*60 {
		return meetingintel.MeetingUpdate{}, meetingintel.Errorf(meetingintel.EINVALID, "Duration must be a whole number of minutes.")
	}
	att, err := parseAttendeeLines(f.Attendees)
	if err != nil {
		return meetingintel.MeetingUpdate{}, err
	}
	m := meetingintel.Meeting{
		Title: f.Title, Date: date, DurationMS: mins * 60_000, Attendees: att, Tags: splitTags(f.Tags),
		Source: f.Source, Visibility: meetingintel.Visibility(f.Visibility), Summary: f.Summary,
	}
	m.Normalize()
	if err := m.Validate(); err != nil {
		return meetingintel.MeetingUpdate{}, err
	}
	return meetingintel.MeetingUpdate{
		Title: &m.Title, Date: &m.Date, DurationMS: &m.DurationMS, Attendees: &m.Attendees, Tags: &m.Tags,
		Source: &m.Source, Visibility: &m.Visibility, Summary: &m.Summary,
	}, nil
}

func (s *Server) handleMeetingDeletePage(w http.ResponseWriter, r *http.Request) {
	id, err := meetingID(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	m, err := s.cfg.Store.FindMeetingByID(ctx(r), id)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "meeting_delete", view{Title: "Delete " + m.Title, Nav: "meetings", Data: m})
}

func (s *Server) handleMeetingDelete(w http.ResponseWriter, r *http.Request) {
	id, err := meetingID(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		s.errorPage(w, r, meetingintel.Errorf(meetingintel.EINVALID, "Confirm the deletion on the delete page."))
		return
	}
	if err := s.cfg.Store.DeleteMeeting(ctx(r), id); err != nil {
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/meetings", http.StatusSeeOther)
}
