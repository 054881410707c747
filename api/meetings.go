package api

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/meetinginput"
	"github.com/meetingintel/meetingintel/transcript"
)

// meetingItem is a meeting in a listing: everything but the summary, which
// can be long (GET the meeting for it).
type meetingItem struct {
	ID              int64                   `json:"id"`
	Title           string                  `json:"title"`
	Date            time.Time               `json:"date"`
	DurationMS      int64                   `json:"duration_ms"`
	Attendees       []meetingintel.Attendee `json:"attendees"`
	Tags            []string                `json:"tags"`
	Source          string                  `json:"source"`
	SourceMeetingID string                  `json:"source_meeting_id,omitempty"`
	Visibility      meetingintel.Visibility `json:"visibility"`
	SegmentCount    int                     `json:"segment_count"`
	CreatedBy       string                  `json:"created_by"`
	UpdatedBy       string                  `json:"updated_by"`
	CreatedAt       time.Time               `json:"created_at"`
	UpdatedAt       time.Time               `json:"updated_at"`
}

func itemOf(m *meetingintel.Meeting) meetingItem {
	return meetingItem{
		ID: m.ID, Title: m.Title, Date: m.Date, DurationMS: m.DurationMS,
		Attendees: nonNil(m.Attendees), Tags: nonNil(m.Tags), Source: m.Source, SourceMeetingID: m.SourceMeetingID,
		Visibility: m.Visibility, SegmentCount: m.SegmentCount,
		CreatedBy: m.CreatedBy, UpdatedBy: m.UpdatedBy, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}
}

// meetingDetail is one meeting with its summary, talk time, actions and
// decisions (the same content as the MCP get_meeting tool).
type meetingDetail struct {
	meetingItem
	Summary   string                     `json:"summary"`
	TalkTime  []meetingintel.SpeakerTime `json:"talk_time"`
	Actions   []*meetingintel.Action     `json:"actions"`
	Decisions []*meetingintel.Decision   `json:"decisions"`
	// MoreActions and MoreDecisions say the lists stop at 100: page the
	// rest from /api/actions?meeting_id=&status=all or /api/decisions.
	MoreActions   bool `json:"more_actions,omitempty"`
	MoreDecisions bool `json:"more_decisions,omitempty"`
}

func (s *Server) detail(r *http.Request, id int64) (*meetingDetail, error) {
	ctx := r.Context()
	m, err := s.store.FindMeetingByID(ctx, id)
	if err != nil {
		return nil, err
	}
	tt, err := s.store.TalkTime(ctx, id)
	if err != nil {
		return nil, err
	}
	as, nextA, err := s.store.FindActions(ctx, meetingintel.ActionFilter{MeetingID: &id, Limit: meetingintel.MaxLimit})
	if err != nil {
		return nil, err
	}
	ds, nextD, err := s.store.FindDecisions(ctx, meetingintel.DecisionFilter{MeetingID: &id, Limit: meetingintel.MaxLimit})
	if err != nil {
		return nil, err
	}
	return &meetingDetail{
		meetingItem: itemOf(m), Summary: m.Summary, TalkTime: nonNil(tt),
		Actions: nonNil(as), Decisions: nonNil(ds), MoreActions: nextA != "", MoreDecisions: nextD != "",
	}, nil
}

// listError names the cursor when the store refused it.
func listError(cursor string, err error) error {
	if cursor != "" && meetingintel.ErrorCode(err) == meetingintel.EINVALID {
		return invalid("cursor", "cursor is not one this listing gave out; start again without it.")
	}
	return err
}

func (s *Server) listMeetings(w http.ResponseWriter, r *http.Request) error {
	q := query{r}
	from, to, err := q.dateRange()
	if err != nil {
		return err
	}
	limit, err := q.limit(meetingintel.DefaultLimit, meetingintel.MaxLimit)
	if err != nil {
		return err
	}
	cursor := q.str("cursor")
	ms, next, err := s.store.FindMeetings(r.Context(), meetingintel.MeetingFilter{
		From: from, To: to, Attendee: q.str("attendee"), Tag: q.str("tag"), Limit: limit, Cursor: cursor,
	})
	if err != nil {
		return listError(cursor, err)
	}
	out := page[meetingItem]{Items: make([]meetingItem, len(ms)), NextCursor: next}
	for i, m := range ms {
		out.Items[i] = itemOf(m)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getMeeting(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "Meeting")
	if err != nil {
		return err
	}
	d, err := s.detail(r, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) getTranscript(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "Meeting")
	if err != nil {
		return err
	}
	q := query{r}
	f := meetingintel.SegmentFilter{Speaker: q.str("speaker"), Cursor: q.str("cursor")}
	if f.StartMS, err = q.ms("start_ms"); err != nil {
		return err
	}
	if f.EndMS, err = q.ms("end_ms"); err != nil {
		return err
	}
	if f.StartMS != nil && f.EndMS != nil && *f.EndMS <= *f.StartMS {
		return invalid("end_ms", "end_ms must be after start_ms.")
	}
	if f.Limit, err = q.limit(100, maxSegmentLimit); err != nil {
		return err
	}
	// Look the meeting up first so an invisible one is 404 even when the
	// filters would match nothing.
	if _, err := s.store.FindMeetingByID(r.Context(), id); err != nil {
		return err
	}
	segs, next, err := s.store.FindSegments(r.Context(), id, f)
	if err != nil {
		return listError(f.Cursor, err)
	}
	writeJSON(w, http.StatusOK, page[meetingintel.Segment]{Items: nonNil(segs), NextCursor: next})
	return nil
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	q := query{r}
	sq := meetingintel.SearchQuery{Query: q.str("q"), Attendee: q.str("attendee"), Tag: q.str("tag")}
	if sq.Query == "" {
		return invalid("q", "q is required: give words or a question to search for.")
	}
	if len(sq.Query) > 1000 {
		return invalid("q", "q is at most 1000 characters.")
	}
	var err error
	if sq.From, sq.To, err = q.dateRange(); err != nil {
		return err
	}
	if sq.Limit, err = q.limit(meetingintel.DefaultLimit, meetingintel.MaxLimit); err != nil {
		return err
	}
	hits, err := s.store.Search(r.Context(), sq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page[meetingintel.SearchHit]{Items: nonNil(hits)})
	return nil
}

// meetingIn is the body of POST /api/meetings, with the MCP tool's names
// (meeting_date; date is accepted too, as the meeting is returned).
type meetingIn struct {
	Title            string       `json:"title"`
	MeetingDate      string       `json:"meeting_date"`
	Date             string       `json:"date"`
	DurationMS       *int64       `json:"duration_ms"`
	Attendees        []attendeeIn `json:"attendees"`
	Tags             []string     `json:"tags"`
	Summary          string       `json:"summary"`
	Source           string       `json:"source"`
	SourceMeetingID  string       `json:"source_meeting_id"`
	Visibility       string       `json:"visibility"`
	Transcript       string       `json:"transcript"`
	TranscriptFormat string       `json:"transcript_format"`

	file string // name of an uploaded transcript, for the default title
}

func (s *Server) createMeeting(w http.ResponseWriter, r *http.Request) error {
	var in meetingIn
	switch {
	case isMultipart(r):
		if err := s.readUpload(w, r, &in); err != nil {
			return err
		}
	case isJSON(r):
		if err := decodeJSON(w, r, MaxUploadBytes, &in); err != nil {
			return err
		}
	default:
		return unsupportedType("JSON (application/json) or a form with a transcript file (multipart/form-data)")
	}
	m, segs, err := in.meeting()
	if err != nil {
		return err
	}
	created := true
	if m.SourceMeetingID != "" {
		created, err = s.store.ImportMeeting(r.Context(), m, segs)
	} else {
		err = s.store.CreateMeeting(r.Context(), m, segs)
	}
	if err != nil {
		return err
	}
	d, err := s.detail(r, m.ID)
	if err != nil {
		return err
	}
	status := http.StatusOK // an import replaced the meeting of the same source id
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/meetings/"+strconv.FormatInt(m.ID, 10))
	}
	writeJSON(w, status, d)
	return nil
}

// meeting builds the meeting to store, filling what the body leaves out
// from the transcript (title, date, source, speakers), as the MCP tool does.
func (in *meetingIn) meeting() (*meetingintel.Meeting, []meetingintel.Segment, error) {
	m := &meetingintel.Meeting{
		Title: in.Title, Summary: in.Summary, Source: in.Source, SourceMeetingID: in.SourceMeetingID,
		Tags: in.Tags, Attendees: attendees(in.Attendees),
		Visibility: meetingintel.Visibility(strings.ToLower(strings.TrimSpace(in.Visibility))),
	}
	date, field := in.MeetingDate, "meeting_date"
	if strings.TrimSpace(date) == "" {
		date, field = in.Date, "date"
	} else if strings.TrimSpace(in.Date) != "" && strings.TrimSpace(in.Date) != strings.TrimSpace(date) {
		return nil, nil, invalid("date", "Send meeting_date or date, not both.")
	}
	if strings.TrimSpace(date) != "" {
		var err error
		if m.Date, err = meetinginput.DateTime(field, date); err != nil {
			return nil, nil, fieldInvalid(field, err)
		}
	}
	var segs []meetingintel.Segment
	if strings.TrimSpace(in.Transcript) != "" {
		field := "transcript"
		if in.file != "" {
			field = "file"
		}
		f, err := transcript.ParseFormat(in.TranscriptFormat)
		if err != nil {
			return nil, nil, fieldInvalid("transcript_format", err)
		}
		t, err := transcript.Parse([]byte(in.Transcript), f)
		if err != nil {
			return nil, nil, fieldInvalid(field, err)
		}
		if err := meetingintel.ValidateSegments(t.Segments); err != nil {
			return nil, nil, fieldInvalid(field, err)
		}
		segs = t.Segments
		meetinginput.FillFromTranscript(m, t)
	}
	if in.DurationMS != nil {
		m.DurationMS = *in.DurationMS // even 0: the body's word beats the transcript's
	}
	if in.file != "" {
		if strings.TrimSpace(m.Title) == "" {
			m.Title = meetinginput.TitleFromFile(in.file)
		}
		meetinginput.KeyByContent(m, []byte(in.Transcript))
	}
	if strings.TrimSpace(m.Title) == "" {
		return nil, nil, invalid("title", "title is required (the transcript names none).")
	}
	if m.Date.IsZero() {
		return nil, nil, invalid("meeting_date", "meeting_date is required (the transcript carries none), e.g. 2026-03-31T14:00:00Z.")
	}
	m.Normalize()
	if err := m.Validate(); err != nil {
		return nil, nil, err
	}
	return m, segs, nil
}

// Form fields of an upload besides the file; attendees and tags may repeat
// or be comma-separated.
var uploadFields = map[string]bool{
	"title": true, "meeting_date": true, "date": true, "duration_ms": true, "attendees": true, "tags": true,
	"summary": true, "source": true, "source_meeting_id": true, "visibility": true,
	"transcript": true, "transcript_format": true, csrfFormField: true,
}

// readUpload reads a multipart/form-data meeting: a transcript in the file
// part and the meeting's fields beside it. A cookie-authenticated upload
// may carry its CSRF token as the csrf field; it is checked before anything
// is stored.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request, in *meetingIn) error {
	if r.ContentLength > MaxUploadBytes {
		return tooLarge(MaxUploadBytes)
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return &problem{Status: http.StatusBadRequest, Detail: "The form could not be read: " + err.Error() + "."}
	}
	var csrf string
	var sawFile bool
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadError(err)
		}
		name := part.FormName()
		if name == "file" {
			if sawFile {
				return invalid("file", "Send one transcript file per meeting.")
			}
			sawFile = true
			data, err := io.ReadAll(io.LimitReader(part, transcript.MaxSize+1))
			if err != nil {
				return uploadError(err)
			}
			if len(data) > transcript.MaxSize {
				return &problem{Status: http.StatusRequestEntityTooLarge,
					Detail: fmt.Sprintf("The transcript file is larger than %d MiB.", transcript.MaxSize>>20),
					Errors: []fieldError{{Field: "file", Detail: "too large"}}}
			}
			in.Transcript, in.file = string(data), part.FileName()
			if in.file == "" {
				in.file = "transcript"
			}
			continue
		}
		if !uploadFields[name] {
			return invalid(name, "Unknown form field %q.", name)
		}
		b, err := io.ReadAll(io.LimitReader(part, meetingintel.MaxSummaryLen+1))
		if err != nil {
			return uploadError(err)
		}
		if len(b) > meetingintel.MaxSummaryLen {
			return invalid(name, "Form field %q is too long.", name)
		}
		v := string(b)
		switch name {
		case "title":
			in.Title = v
		case "meeting_date":
			in.MeetingDate = v
		case "date":
			in.Date = v
		case "duration_ms":
			if strings.TrimSpace(v) != "" {
				n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				if err != nil || n < 0 {
					return invalid(name, "duration_ms must be a whole number of milliseconds.")
				}
				in.DurationMS = &n
			}
		case "attendees":
			for _, a := range splitList(v) {
				at, err := meetinginput.Attendee(a)
				if err != nil {
					return fieldInvalid("attendees", err)
				}
				in.Attendees = append(in.Attendees, attendeeIn(at))
			}
		case "tags":
			in.Tags = append(in.Tags, splitList(v)...)
		case "summary":
			in.Summary = v
		case "source":
			in.Source = v
		case "source_meeting_id":
			in.SourceMeetingID = v
		case "visibility":
			in.Visibility = v
		case "transcript":
			if sawFile {
				return invalid("transcript", "Send the transcript as the file part or the transcript field, not both.")
			}
			in.Transcript = v
		case "transcript_format":
			in.TranscriptFormat = v
		case csrfFormField:
			csrf = v
		}
	}
	if c := callerFrom(r.Context()); c != nil && c.csrfPending && !c.checkCSRF(csrf) {
		return errCSRF
	}
	return nil
}

func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(MaxUploadBytes)
	}
	if errors.Is(err, multipart.ErrMessageTooLarge) {
		return tooLarge(MaxUploadBytes)
	}
	return &problem{Status: http.StatusBadRequest, Detail: "The form could not be read; send it as multipart/form-data."}
}

// splitList splits a form value on commas and new lines.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// meetingPatch is the body of PATCH /api/meetings/{id}: absent fields stay,
// null clears the optional ones (summary, attendees, tags, source ids) and
// removes the transcript.
type meetingPatch struct {
	Title            opt[string]       `json:"title"`
	MeetingDate      opt[string]       `json:"meeting_date"`
	Date             opt[string]       `json:"date"`
	DurationMS       opt[int64]        `json:"duration_ms"`
	Attendees        opt[[]attendeeIn] `json:"attendees"`
	Tags             opt[[]string]     `json:"tags"`
	Summary          opt[string]       `json:"summary"`
	Source           opt[string]       `json:"source"`
	SourceMeetingID  opt[string]       `json:"source_meeting_id"`
	Visibility       opt[string]       `json:"visibility"`
	Transcript       opt[string]       `json:"transcript"`
	TranscriptFormat string            `json:"transcript_format"`
}

// required refuses null for a field that cannot be empty.
func required[T any](o opt[T], field string) (*T, error) {
	if !o.Set {
		return nil, nil
	}
	if o.Null {
		return nil, invalid(field, "%s cannot be null.", field)
	}
	return &o.V, nil
}

// clearable maps null to the zero value.
func clearable[T any](o opt[T]) *T {
	if !o.Set {
		return nil
	}
	return &o.V // V is the zero value when Null
}

func (s *Server) updateMeeting(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "Meeting")
	if err != nil {
		return err
	}
	var in meetingPatch
	if err := decodeJSON(w, r, MaxUploadBytes, &in); err != nil {
		return err
	}
	upd := meetingintel.MeetingUpdate{
		Summary: clearable(in.Summary), Source: clearable(in.Source), SourceMeetingID: clearable(in.SourceMeetingID),
	}
	if upd.Title, err = required(in.Title, "title"); err != nil {
		return err
	}
	if upd.DurationMS, err = required(in.DurationMS, "duration_ms"); err != nil {
		return err
	}
	if in.MeetingDate.Set && in.Date.Set {
		return invalid("date", "Send meeting_date or date, not both.")
	}
	dateOpt, dateField := in.MeetingDate, "meeting_date"
	if in.Date.Set {
		dateOpt, dateField = in.Date, "date"
	}
	if d, err := required(dateOpt, dateField); err != nil {
		return err
	} else if d != nil {
		t, err := meetinginput.DateTime(dateField, *d)
		if err != nil {
			return fieldInvalid(dateField, err)
		}
		upd.Date = &t
	}
	if in.Attendees.Set {
		as := attendees(in.Attendees.V)
		upd.Attendees = &as
	}
	if in.Tags.Set {
		tags := nonNil(in.Tags.V)
		upd.Tags = &tags
	}
	if v, err := required(in.Visibility, "visibility"); err != nil {
		return err
	} else if v != nil {
		vis := meetingintel.Visibility(strings.ToLower(strings.TrimSpace(*v)))
		upd.Visibility = &vis
	}
	if in.Transcript.Set {
		segs := []meetingintel.Segment{}
		if !in.Transcript.Null {
			if strings.TrimSpace(in.Transcript.V) == "" {
				return invalid("transcript", "transcript is empty; send null to remove the transcript.")
			}
			f, err := transcript.ParseFormat(in.TranscriptFormat)
			if err != nil {
				return fieldInvalid("transcript_format", err)
			}
			t, err := transcript.Parse([]byte(in.Transcript.V), f)
			if err != nil {
				return fieldInvalid("transcript", err)
			}
			if err := meetingintel.ValidateSegments(t.Segments); err != nil {
				return fieldInvalid("transcript", err)
			}
			segs = t.Segments
			if upd.DurationMS == nil {
				upd.DurationMS = &t.DurationMS
			}
		}
		upd.Segments = &segs
	} else if in.TranscriptFormat != "" {
		return invalid("transcript_format", "transcript_format goes with a transcript.")
	}
	if upd == (meetingintel.MeetingUpdate{}) {
		return &problem{Status: http.StatusBadRequest, Detail: "Nothing to change: send at least one field."}
	}
	if _, err := s.store.UpdateMeeting(r.Context(), id, upd); err != nil {
		return err
	}
	d, err := s.detail(r, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) deleteMeeting(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "Meeting")
	if err != nil {
		return err
	}
	if err := s.store.DeleteMeeting(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
