// Package demo holds the sample meetings that `meetingintel serve --demo`
// loads into an empty database: two months in the life of Fernhill Digital,
// a small consultancy with its own product (Shiftboard, staff scheduling)
// and two clients (Harbor Health, Copperleaf Coffee).
//
// The transcripts are kept in the formats real tools export (Teams and Zoom
// WebVTT, SRT, Otter TXT, Fireflies JSON, plain text), so loading the demo
// goes through the same parsers as a user's import. Dates in the manifest are
// relative ("days ago"), so the set always looks recent.
//
// Every person and organisation in the set is invented; all addresses use
// .example domains (RFC 2606) so nothing can ever be mailed to them.
package demo

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/transcript"
)

//go:embed data
var dataFS embed.FS

// manifestPath is the manifest inside dataFS; transcripts sit beside it.
const manifestPath = "data/meetings.json"

// Entry is one meeting of the manifest (data/meetings.json) as written:
// times are relative, so the same file serves any day.
type Entry struct {
	File            string                  `json:"file"`   // transcript file in data/
	Format          string                  `json:"format"` // transcript format (vtt, srt, otter, fireflies, text)
	Title           string                  `json:"title"`
	DaysAgo         int                     `json:"days_ago"`
	Time            string                  `json:"time"` // start time of day, UTC, "15:04"
	DurationMinutes int                     `json:"duration_minutes"`
	Attendees       []meetingintel.Attendee `json:"attendees"`
	Tags            []string                `json:"tags"`
	Source          string                  `json:"source"`
	SourceMeetingID string                  `json:"source_meeting_id"`
	Visibility      meetingintel.Visibility `json:"visibility"`
	Summary         string                  `json:"summary"` // markdown
	Actions         []ActionEntry           `json:"actions"`
	Decisions       []DecisionEntry         `json:"decisions"`
}

// ActionEntry is an action item of a manifest meeting.
type ActionEntry struct {
	Text      string                    `json:"text"`
	Owner     string                    `json:"owner"`                 // a cast member's name
	DueInDays *int                      `json:"due_in_days,omitempty"` // after the meeting; nil is no due date
	Status    meetingintel.ActionStatus `json:"status"`
	Notes     string                    `json:"notes,omitempty"`
}

// DecisionEntry is a decision of a manifest meeting.
type DecisionEntry struct {
	Text    string `json:"text"`
	Context string `json:"context"`
}

// Stats counts what Load stored.
type Stats struct {
	Meetings  int // meetings imported, new or updated
	Segments  int // transcript segments of those meetings
	Actions   int // action items created (none for meetings that already existed)
	Decisions int // decisions created (likewise)
}

// Meetings returns the parsed manifest in date order, oldest first. It
// checks what the manifest itself can get wrong (formats, times, statuses);
// the meetings are validated when built (Entry.Meeting).
func Meetings() ([]Entry, error) {
	b, err := dataFS.ReadFile(manifestPath)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelt field would silently drop data
	var es []Entry
	if err := dec.Decode(&es); err != nil {
		return nil, fmt.Errorf("demo: %s: %w", manifestPath, err)
	}
	for i := range es {
		e := &es[i]
		if _, err := transcript.ParseFormat(e.Format); err != nil || e.Format == string(transcript.Auto) {
			return nil, fmt.Errorf("demo: %s: format %q is not a concrete transcript format", e.File, e.Format)
		}
		if _, err := time.Parse("15:04", e.Time); err != nil {
			return nil, fmt.Errorf("demo: %s: time %q is not like 14:00", e.File, e.Time)
		}
		if e.DaysAgo < 0 || e.DurationMinutes <= 0 {
			return nil, fmt.Errorf("demo: %s: days_ago must be >= 0 and duration_minutes > 0", e.File)
		}
		for j := range e.Actions {
			st, err := meetingintel.ParseActionStatus(string(e.Actions[j].Status))
			if err != nil {
				return nil, fmt.Errorf("demo: %s: action %d: %w", e.File, j, err)
			}
			e.Actions[j].Status = st
		}
	}
	return es, nil
}

// Data returns the raw bytes of the entry's transcript file.
func (e *Entry) Data() ([]byte, error) {
	b, err := dataFS.ReadFile(path.Join("data", e.File))
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return b, nil
}

// Transcript parses the entry's transcript file with its declared format.
func (e *Entry) Transcript() (*transcript.Transcript, error) {
	b, err := e.Data()
	if err != nil {
		return nil, err
	}
	t, err := transcript.Parse(b, transcript.Format(e.Format))
	if err != nil {
		return nil, fmt.Errorf("demo: %s: %w", e.File, err)
	}
	return t, nil
}

// Date returns the meeting's start: DaysAgo days before now, at Time (UTC).
func (e *Entry) Date(now time.Time) time.Time {
	tod, _ := time.Parse("15:04", e.Time) // checked by Meetings
	d := now.UTC().AddDate(0, 0, -e.DaysAgo)
	return time.Date(d.Year(), d.Month(), d.Day(), tod.Hour(), tod.Minute(), 0, 0, time.UTC)
}

// Meeting builds the domain meeting for a load at now, normalised and
// validated. Its duration is the manifest's, or the transcript's when that
// runs longer (a meeting cannot end before its last word).
func (e *Entry) Meeting(now time.Time, t *transcript.Transcript) (*meetingintel.Meeting, error) {
	m := &meetingintel.Meeting{
		Title:           e.Title,
		Date:            e.Date(now),
		DurationMS:      int64(e.DurationMinutes) * int64(time.Minute/time.Millisecond),
		Attendees:       append([]meetingintel.Attendee(nil), e.Attendees...),
		Tags:            append([]string(nil), e.Tags...),
		Source:          e.Source,
		SourceMeetingID: e.SourceMeetingID,
		Summary:         e.Summary,
		Visibility:      e.Visibility,
	}
	if t != nil && t.DurationMS > m.DurationMS {
		m.DurationMS = t.DurationMS
	}
	m.Normalize()
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("demo: %s: %w", e.File, err)
	}
	return m, nil
}

// Action builds the domain action for a meeting held at date.
func (a *ActionEntry) Action(meetingID int64, date time.Time) *meetingintel.Action {
	act := &meetingintel.Action{
		MeetingID: &meetingID,
		Text:      a.Text,
		Owner:     a.Owner,
		Status:    a.Status,
		Notes:     a.Notes,
	}
	if a.DueInDays != nil {
		act.DueDate = date.AddDate(0, 0, *a.DueInDays).Format(meetingintel.DateLayout)
	}
	return act
}

// Load loads the demo set into s as the user in ctx, with dates relative to
// now. Every meeting goes through ImportMeeting keyed by its source meeting
// id, so a second Load updates the meetings (moving their dates to the new
// now) instead of duplicating them, and adds no second copy of their actions
// and decisions. Callers decide whether loading is wanted (serve loads only
// into an empty database).
//
// All transcripts are parsed before anything is written, so a broken file in
// the set stores nothing.
func Load(ctx context.Context, s meetingintel.Store, now time.Time) (Stats, error) {
	var st Stats
	if meetingintel.UserFromContext(ctx) == nil {
		return st, meetingintel.Errorf(meetingintel.EUNAUTHORIZED, "Loading the demo meetings needs a signed-in user.")
	}
	now = now.UTC().Truncate(time.Minute)
	es, err := Meetings()
	if err != nil {
		return st, err
	}
	type prepared struct {
		e    *Entry
		m    *meetingintel.Meeting
		segs []meetingintel.Segment
	}
	ps := make([]prepared, 0, len(es))
	for i := range es {
		t, err := es[i].Transcript()
		if err != nil {
			return st, err
		}
		m, err := es[i].Meeting(now, t)
		if err != nil {
			return st, err
		}
		ps = append(ps, prepared{&es[i], m, t.Segments})
	}
	for _, p := range ps {
		created, err := s.ImportMeeting(ctx, p.m, p.segs)
		if err != nil {
			return st, fmt.Errorf("demo: importing %q: %w", p.e.Title, err)
		}
		st.Meetings++
		st.Segments += len(p.segs)
		if !created {
			continue // its actions and decisions were added the first time
		}
		for _, a := range p.e.Actions {
			if err := s.CreateAction(ctx, a.Action(p.m.ID, p.m.Date)); err != nil {
				return st, fmt.Errorf("demo: action of %q: %w", p.e.Title, err)
			}
			st.Actions++
		}
		for _, d := range p.e.Decisions {
			dec := &meetingintel.Decision{MeetingID: p.m.ID, Text: d.Text, Context: d.Context}
			if err := s.CreateDecision(ctx, dec); err != nil {
				return st, fmt.Errorf("demo: decision of %q: %w", p.e.Title, err)
			}
			st.Decisions++
		}
	}
	return st, nil
}
