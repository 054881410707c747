package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/meetinginput"
	"github.com/meetingintel/meetingintel/transcript"
)

// importForm is the import form, as typed.
type importForm struct {
	Title, Date, Attendees, Tags, Visibility, Format string
	Formats                                          []transcript.Format
}

func (s *Server) handleImportPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "import", view{Title: "Import a transcript", Nav: "import",
		Data: importForm{Visibility: "team", Format: "auto", Formats: transcript.Formats()}})
}

// handleImport parses an uploaded transcript and stores it as a meeting, the
// way `meetingintel import` does: the form's fields override the file's, and
// a file that carries no meeting id is keyed by its content, so importing the
// same file again updates its meeting instead of duplicating it.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) {
	f := importForm{
		Title: r.PostFormValue("title"), Date: r.PostFormValue("date"), Attendees: r.PostFormValue("attendees"),
		Tags: r.PostFormValue("tags"), Visibility: r.PostFormValue("visibility"), Format: r.PostFormValue("format"),
		Formats: transcript.Formats(),
	}
	fail := func(err error) {
		if meetingintel.ErrorCode(err) != meetingintel.EINVALID {
			s.errorPage(w, r, err)
			return
		}
		s.render(w, r, http.StatusBadRequest, "import", view{Title: "Import a transcript", Nav: "import", Error: meetingintel.ErrorMessage(err), Data: f})
	}
	m, segs, err := s.parseUpload(r, f)
	if err != nil {
		fail(err)
		return
	}
	if _, err := s.cfg.Store.ImportMeeting(ctx(r), m, segs); err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, "/meetings/"+strconv.FormatInt(m.ID, 10), http.StatusSeeOther)
}

func (s *Server) parseUpload(r *http.Request, f importForm) (*meetingintel.Meeting, []meetingintel.Segment, error) {
	format, err := transcript.ParseFormat(f.Format)
	if err != nil {
		return nil, nil, err
	}
	file, hdr, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil, meetingintel.Errorf(meetingintel.EINVALID, "Choose a transcript file to import.")
	} else if err != nil {
		return nil, nil, meetingintel.Errorf(meetingintel.EINVALID, "The upload could not be read; files are at most %d MiB.", transcript.MaxSize>>20)
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, transcript.MaxSize+1))
	if err != nil {
		return nil, nil, meetingintel.Errorf(meetingintel.EINVALID, "The upload could not be read.")
	}
	if len(data) > transcript.MaxSize {
		return nil, nil, meetingintel.Errorf(meetingintel.EINVALID, "The file is over the %d MiB limit.", transcript.MaxSize>>20)
	}
	t, err := transcript.Parse(data, format)
	if err != nil {
		var pe *transcript.ParseError
		if errors.As(err, &pe) {
			return nil, nil, meetingintel.Errorf(meetingintel.EINVALID, "%s is not a transcript we can read: %s.", hdr.Filename, strings.TrimSuffix(pe.Error(), "."))
		}
		return nil, nil, err
	}
	m := &meetingintel.Meeting{
		Title: strings.TrimSpace(f.Title), Date: t.Date, DurationMS: t.DurationMS, Attendees: t.Attendees,
		Source: t.Source, SourceMeetingID: t.SourceMeetingID, Visibility: meetingintel.Visibility(f.Visibility),
		Tags: splitTags(f.Tags),
	}
	if m.Title == "" {
		m.Title = t.Title
	}
	if m.Title == "" {
		m.Title = meetinginput.TitleFromFile(hdr.Filename)
	}
	if strings.TrimSpace(f.Date) != "" {
		if m.Date, err = parseDateTime(f.Date); err != nil {
			return nil, nil, err
		}
	}
	if m.Date.IsZero() {
		return nil, nil, meetingintel.Errorf(meetingintel.EINVALID, "The file has no date: enter when the meeting took place.")
	}
	if f.Attendees != "" {
		extra, err := parseAttendeeLines(f.Attendees)
		if err != nil {
			return nil, nil, err
		}
		m.Attendees = append(extra, m.Attendees...)
	}
	meetinginput.KeyByContent(m, data)
	m.Normalize()
	if err := m.Validate(); err != nil {
		return nil, nil, err
	}
	if err := meetingintel.ValidateSegments(t.Segments); err != nil {
		return nil, nil, err
	}
	return m, t.Segments, nil
}
