package meetingintel

import (
	"context"
	"net/mail"
	"sort"
	"strings"
	"time"
)

// Visibility says who may see a meeting.
type Visibility string

// Visibilities. A team meeting is seen by every member of the instance; a
// private one only by its attendees, its creator and admins.
const (
	VisibilityTeam    Visibility = "team"
	VisibilityPrivate Visibility = "private"
)

// Sources the product knows by name; any other non-empty string is accepted.
const (
	SourceManual    = "Manual"
	SourceTeams     = "Teams"
	SourceZoom      = "Zoom"
	SourceFireflies = "Fireflies"
	SourceOtter     = "Otter"
)

// Limits shared by every edge, so the CLI, MCP and REST refuse the same input.
const (
	MaxTitleLen    = 300
	MaxSummaryLen  = 100_000
	MaxAttendees   = 200
	MaxTags        = 30
	MaxTagLen      = 50
	MaxTextLen     = 10_000 // action and decision text, notes, context
	MaxNameLen     = 200    // a person's name or email
	MaxSegmentText = 20_000
	MaxSegments    = 50_000
	DefaultLimit   = 20
	MaxLimit       = 100
)

// Attendee is a person at a meeting. Email is the identity used for
// visibility; Name is for display.
type Attendee struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// Meeting is one meeting and its metadata. Its transcript lives in Segments,
// stored and paged separately because an hour of talk is large.
type Meeting struct {
	ID              int64      `json:"id"`
	Title           string     `json:"title"`
	Date            time.Time  `json:"date"` // UTC start time
	DurationMS      int64      `json:"duration_ms"`
	Attendees       []Attendee `json:"attendees"`
	Tags            []string   `json:"tags"`
	Source          string     `json:"source"`
	SourceMeetingID string     `json:"source_meeting_id,omitempty"`
	Summary         string     `json:"summary"` // markdown
	Visibility      Visibility `json:"visibility"`
	SegmentCount    int        `json:"segment_count"`
	WorkspaceID     int64      `json:"workspace_id,omitempty"` // set by the store

	CreatedBy string    `json:"created_by"`
	UpdatedBy string    `json:"updated_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Segment is one stretch of a transcript spoken by one speaker.
type Segment struct {
	Seq     int    `json:"seq"` // 0-based order within the meeting
	Speaker string `json:"speaker"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	Text    string `json:"text"`
}

// SpeakerTime is how long one speaker talked in a meeting.
type SpeakerTime struct {
	Speaker  string  `json:"speaker"`
	MS       int64   `json:"ms"`
	Share    float64 `json:"share"` // of all talk time, 0..1
	Segments int     `json:"segments"`
}

// TalkTime sums talk time per speaker, longest first.
func TalkTime(segs []Segment) []SpeakerTime {
	idx := map[string]int{}
	var out []SpeakerTime
	for _, s := range segs {
		d := s.EndMS - s.StartMS
		if d < 0 {
			d = 0
		}
		i, ok := idx[s.Speaker]
		if !ok {
			i = len(out)
			idx[s.Speaker] = i
			out = append(out, SpeakerTime{Speaker: s.Speaker})
		}
		out[i].MS += d
		out[i].Segments++
	}
	RankTalkTime(out)
	return out
}

// RankTalkTime sets each speaker's share of the total talk time and sorts
// longest first, ties kept in their order (first appearance). Stores that
// sum talk time in SQL finish with it, so they rank as TalkTime does.
func RankTalkTime(st []SpeakerTime) {
	var total int64
	for _, s := range st {
		total += s.MS
	}
	for i := range st {
		if total > 0 {
			st[i].Share = float64(st[i].MS) / float64(total)
		}
	}
	sort.SliceStable(st, func(a, b int) bool { return st[a].MS > st[b].MS })
}

// CanSee reports whether u may see m: team meetings are seen by everyone,
// private ones by attendees, the creator and admins. Stores enforce the same
// rule in their queries; this is for code that already holds a meeting.
func (m *Meeting) CanSee(u *User) bool {
	if u == nil {
		return false
	}
	if m.Visibility != VisibilityPrivate || u.Admin || strings.EqualFold(m.CreatedBy, u.Email) {
		return true
	}
	for _, a := range m.Attendees {
		if a.Email != "" && strings.EqualFold(a.Email, u.Email) {
			return true
		}
	}
	return false
}

// Normalize trims and canonicalises fields in place: UTC date, lower-case
// emails, deduplicated tags, default visibility and source.
func (m *Meeting) Normalize() {
	m.Title = strings.TrimSpace(m.Title)
	m.Date = m.Date.UTC()
	m.Source = strings.TrimSpace(m.Source)
	if m.Source == "" {
		m.Source = SourceManual
	}
	m.SourceMeetingID = strings.TrimSpace(m.SourceMeetingID)
	if m.Visibility == "" {
		m.Visibility = VisibilityTeam
	}
	m.Attendees = NormalizeAttendees(m.Attendees)
	m.Tags = NormalizeTags(m.Tags)
}

// Validate reports the first problem with m as an EINVALID error.
func (m *Meeting) Validate() error {
	switch {
	case m.Title == "":
		return Errorf(EINVALID, "Meeting title is required.")
	case len(m.Title) > MaxTitleLen:
		return Errorf(EINVALID, "Meeting title is longer than %d characters.", MaxTitleLen)
	case m.Date.IsZero():
		return Errorf(EINVALID, "Meeting date is required.")
	case m.DurationMS < 0:
		return Errorf(EINVALID, "Meeting duration cannot be negative.")
	case len(m.Summary) > MaxSummaryLen:
		return Errorf(EINVALID, "Meeting summary is longer than %d characters.", MaxSummaryLen)
	case m.Visibility != VisibilityTeam && m.Visibility != VisibilityPrivate:
		return Errorf(EINVALID, "Visibility must be %q or %q, not %q.", VisibilityTeam, VisibilityPrivate, m.Visibility)
	case len(m.Attendees) > MaxAttendees:
		return Errorf(EINVALID, "A meeting has at most %d attendees.", MaxAttendees)
	case len(m.Tags) > MaxTags:
		return Errorf(EINVALID, "A meeting has at most %d tags.", MaxTags)
	case len(m.Source) > 50:
		return Errorf(EINVALID, "Source is longer than 50 characters.")
	case len(m.SourceMeetingID) > 300:
		return Errorf(EINVALID, "Source meeting id is longer than 300 characters.")
	}
	for _, a := range m.Attendees {
		if a.Email != "" {
			if _, err := mail.ParseAddress(a.Email); err != nil || strings.ContainsAny(a.Email, " <>") {
				return Errorf(EINVALID, "Attendee email %q is not a valid address.", a.Email)
			}
		}
		if a.Name == "" && a.Email == "" {
			return Errorf(EINVALID, "An attendee needs a name or an email.")
		}
		if len(a.Name) > MaxNameLen || len(a.Email) > MaxNameLen {
			return Errorf(EINVALID, "An attendee's name or email is longer than %d characters.", MaxNameLen)
		}
	}
	for _, t := range m.Tags {
		if len(t) > MaxTagLen {
			return Errorf(EINVALID, "Tag %q… is longer than %d characters.", t[:MaxTagLen], MaxTagLen)
		}
	}
	return nil
}

// ValidateSegments checks a transcript before it is stored.
func ValidateSegments(segs []Segment) error {
	if len(segs) > MaxSegments {
		return Errorf(EINVALID, "A transcript has at most %d segments; this one has %d.", MaxSegments, len(segs))
	}
	for i, s := range segs {
		switch {
		case s.StartMS < 0 || s.EndMS < s.StartMS:
			return Errorf(EINVALID, "Segment %d has a bad time range (%d–%d ms).", i, s.StartMS, s.EndMS)
		case len(s.Text) > MaxSegmentText:
			return Errorf(EINVALID, "Segment %d is longer than %d characters.", i, MaxSegmentText)
		case strings.TrimSpace(s.Text) == "":
			return Errorf(EINVALID, "Segment %d has no text.", i)
		}
	}
	return nil
}

// NormalizeAttendees trims, lower-cases emails, fills a missing name from the
// email and drops duplicates (by email, else by name).
func NormalizeAttendees(in []Attendee) []Attendee {
	out := make([]Attendee, 0, len(in))
	seen := map[string]bool{}
	for _, a := range in {
		a.Name = strings.TrimSpace(a.Name)
		a.Email = strings.ToLower(strings.TrimSpace(a.Email))
		if a.Name == "" && a.Email != "" {
			a.Name, _, _ = strings.Cut(a.Email, "@")
		}
		key := a.Email
		if key == "" {
			key = "name:" + strings.ToLower(a.Name)
		}
		if key == "name:" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, a)
	}
	return out
}

// NormalizeTags trims, lower-cases and deduplicates tags, keeping order.
func NormalizeTags(in []string) []string {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, t := range in {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

// MeetingFilter selects meetings. Zero fields do not filter.
type MeetingFilter struct {
	From     time.Time // inclusive
	To       time.Time // exclusive
	Attendee string    // matches attendee email or name, case-insensitive
	Tag      string
	Limit    int    // default DefaultLimit, at most MaxLimit
	Cursor   string // opaque, from a previous page
}

// MeetingUpdate changes the fields that are non-nil. Segments, when non-nil,
// replace the whole transcript.
type MeetingUpdate struct {
	Title           *string
	Date            *time.Time
	DurationMS      *int64
	Attendees       *[]Attendee
	Tags            *[]string
	Source          *string
	SourceMeetingID *string
	Summary         *string
	Visibility      *Visibility
	Segments        *[]Segment
}

// Apply copies the fields upd sets onto m (not Segments). The result is
// neither normalised nor validated: callers do both.
func (upd MeetingUpdate) Apply(m *Meeting) {
	if upd.Title != nil {
		m.Title = *upd.Title
	}
	if upd.Date != nil {
		m.Date = *upd.Date
	}
	if upd.DurationMS != nil {
		m.DurationMS = *upd.DurationMS
	}
	if upd.Attendees != nil {
		m.Attendees = *upd.Attendees
	}
	if upd.Tags != nil {
		m.Tags = *upd.Tags
	}
	if upd.Source != nil {
		m.Source = *upd.Source
	}
	if upd.SourceMeetingID != nil {
		m.SourceMeetingID = *upd.SourceMeetingID
	}
	if upd.Summary != nil {
		m.Summary = *upd.Summary
	}
	if upd.Visibility != nil {
		m.Visibility = *upd.Visibility
	}
}

// SegmentFilter selects transcript segments of one meeting.
type SegmentFilter struct {
	StartMS *int64 // segments that end after this
	EndMS   *int64 // segments that start before this
	Speaker string // case-insensitive exact speaker name
	Limit   int    // default 100, at most 1000
	Cursor  string
}

// MeetingService stores meetings and their transcripts. Every method acts as
// the user in the context and sees only what that user may see: a meeting
// the user may not see is ENOTFOUND, never EFORBIDDEN.
type MeetingService interface {
	// CreateMeeting stores m and its transcript in one transaction, setting
	// m.ID and the audit fields.
	CreateMeeting(ctx context.Context, m *Meeting, segs []Segment) error
	// ImportMeeting creates m, or, when a meeting with the same Source and
	// SourceMeetingID exists, replaces that meeting's fields and transcript.
	// It reports whether a new meeting was created. Replacing a meeting the
	// actor may not see is ECONFLICT.
	ImportMeeting(ctx context.Context, m *Meeting, segs []Segment) (created bool, err error)
	FindMeetingByID(ctx context.Context, id int64) (*Meeting, error)
	// FindMeetings lists visible meetings newest first, with the cursor of
	// the next page ("" on the last).
	FindMeetings(ctx context.Context, f MeetingFilter) ([]*Meeting, string, error)
	UpdateMeeting(ctx context.Context, id int64, upd MeetingUpdate) (*Meeting, error)
	// DeleteMeeting removes a meeting, its transcript and its decisions;
	// its actions stay, unlinked.
	DeleteMeeting(ctx context.Context, id int64) error
	// FindSegments pages a meeting's transcript in order.
	FindSegments(ctx context.Context, meetingID int64, f SegmentFilter) ([]Segment, string, error)
	// TalkTime sums talk time per speaker for a meeting.
	TalkTime(ctx context.Context, meetingID int64) ([]SpeakerTime, error)
}
