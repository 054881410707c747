// Package meetinginput reads what the edges (MCP tools, REST API, web UI,
// command line) accept for a meeting, so every edge reads dates,
// attendees, upload names and a transcript's defaults alike.
package meetinginput

import (
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"path"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/transcript"
)

// DateTime reads field's value s: RFC 3339, a date-time without a zone
// (UTC) or a calendar day (midnight UTC).
func DateTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", meetingintel.DateLayout} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, meetingintel.Errorf(meetingintel.EINVALID, "%s %q is not a date like 2026-03-31 or 2026-03-31T14:00:00Z.", field, s)
}

// UpTo reads an exclusive upper bound like DateTime; a bare day includes
// that whole day.
func UpTo(field, s string) (time.Time, error) {
	t, err := DateTime(field, s)
	if err == nil && len(strings.TrimSpace(s)) == len(meetingintel.DateLayout) {
		t = t.AddDate(0, 0, 1)
	}
	return t, err
}

// Attendee reads "Name <email>", "email" or "Name".
func Attendee(s string) (meetingintel.Attendee, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.Contains(s, "<"):
		a, err := mail.ParseAddress(s)
		if err != nil {
			return meetingintel.Attendee{}, meetingintel.Errorf(meetingintel.EINVALID, "Attendee %q is not like \"Sam Lee <sam@example.com>\".", s)
		}
		return meetingintel.Attendee{Name: a.Name, Email: a.Address}, nil
	case strings.Contains(s, "@") && !strings.Contains(s, " "):
		return meetingintel.Attendee{Email: s}, nil
	}
	return meetingintel.Attendee{Name: s}, nil
}

// TitleFromFile turns an uploaded file's name, "2026-03-04 pricing_review.vtt",
// into a title, "2026-03-04 pricing review". Browsers on Windows may send
// the whole path, so both kinds of separator end the folder part.
func TitleFromFile(name string) string {
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	base = strings.TrimSuffix(base, path.Ext(base))
	base = strings.Join(strings.Fields(strings.ReplaceAll(base, "_", " ")), " ")
	if base == "" || base == "." {
		return "Imported meeting"
	}
	return base
}

// FillFromTranscript completes m from its transcript t: the title, date,
// source, source meeting id and duration that m leaves blank come from t,
// and t's speakers follow m's attendees (Normalize drops the duplicates).
func FillFromTranscript(m *meetingintel.Meeting, t *transcript.Transcript) {
	m.Attendees = append(m.Attendees, t.Attendees...)
	if strings.TrimSpace(m.Title) == "" {
		m.Title = t.Title
	}
	if m.Date.IsZero() {
		m.Date = t.Date
	}
	if m.DurationMS == 0 {
		m.DurationMS = t.DurationMS
	}
	if strings.TrimSpace(m.Source) == "" {
		m.Source = t.Source
	}
	if strings.TrimSpace(m.SourceMeetingID) == "" {
		m.SourceMeetingID = t.SourceMeetingID
	}
}

// SourceImport is the source of an uploaded file that names none.
const SourceImport = "Import"

// KeyByContent gives an uploaded file's meeting a source key when the file
// carries none: its content's hash. Importing the same file again then
// updates its meeting instead of adding a second one, whichever edge
// (CLI, web, REST) it comes through.
func KeyByContent(m *meetingintel.Meeting, data []byte) {
	if m.Source == "" {
		m.Source = SourceImport
	}
	if m.SourceMeetingID == "" {
		sum := sha256.Sum256(data)
		m.SourceMeetingID = "sha256:" + hex.EncodeToString(sum[:16])
	}
}
