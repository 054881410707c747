package legacy

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/transcript"
)

// SourceLegacy is the source of imported meetings that carry no source
// meeting id of their own; their source meeting id is "legacy-<MeetingId>".
const SourceLegacy = "Legacy"

// SourceIDPrefix starts the source meeting id of a meeting keyed by its
// old MeetingId.
const SourceIDPrefix = "legacy-"

// ActionMarkerPrefix starts the last line of an imported action's notes:
// "[legacy-action:17]". It is how a re-run recognises an action it
// imported, even after its text was edited here; a person reading the
// notes sees where the action came from.
const ActionMarkerPrefix = "[legacy-action:"

// actionMarker returns the notes line that marks the old action id.
func actionMarker(id string) string { return ActionMarkerPrefix + id + "]" }

// markerID finds the old action id in notes ("" when there is none).
func markerID(notes string) string {
	i := strings.LastIndex(notes, ActionMarkerPrefix)
	if i < 0 {
		return ""
	}
	rest := notes[i+len(ActionMarkerPrefix):]
	j := strings.IndexByte(rest, ']')
	if j <= 0 {
		return ""
	}
	return rest[:j]
}

// withMarker appends the marker line to the old notes.
func withMarker(notes, id string) string {
	notes = strings.TrimSpace(notes)
	if id == "" {
		return notes
	}
	if notes == "" {
		return actionMarker(id)
	}
	return notes + "\n\n" + actionMarker(id)
}

// timeLayouts are the forms dates took in the old API (FastAPI's ISO 8601,
// with or without zone) and in SQL Server exports (datetime2 with seven
// fractional digits, datetimeoffset with " +00:00"). Fractional seconds
// are accepted by every layout with seconds.
var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// parseTime reads a date or date-time. One without a zone is UTC: the old
// service stored UTC in Azure SQL and its API wrote it without an offset.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("no date")
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			if t.Year() < 1990 || t.Year() > 2100 {
				return time.Time{}, fmt.Errorf("date %q is out of range", s)
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date like 2024-03-05 or 2024-03-05T14:00:00Z", s)
}

// parseAttendees reads "ana@x.com; Ben Ode <ben@x.com>, Carla" into
// attendees. Anything that is not a valid address is kept as a name, so a
// typo in the old data does not cost the whole meeting.
func parseAttendees(s string) []meetingintel.Attendee {
	var out []meetingintel.Attendee
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if a, err := mail.ParseAddress(p); err == nil {
			out = append(out, meetingintel.Attendee{Name: a.Name, Email: a.Address})
			continue
		}
		out = append(out, meetingintel.Attendee{Name: p})
	}
	return out
}

// splitTags reads "pricing, Web;q3".
func splitTags(s string) (tags []string, dropped []string) {
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		t = strings.TrimSpace(t)
		switch {
		case t == "":
		case len(t) > meetingintel.MaxTagLen:
			dropped = append(dropped, t)
		default:
			tags = append(tags, t)
		}
	}
	return tags, dropped
}

// statusMap reads the old system's statuses, which were free text in
// places ("Done", "In Progress").
var statusMap = map[string]meetingintel.ActionStatus{
	"": meetingintel.StatusOpen, "open": meetingintel.StatusOpen, "new": meetingintel.StatusOpen,
	"todo": meetingintel.StatusOpen, "to do": meetingintel.StatusOpen, "pending": meetingintel.StatusOpen,
	"in progress": meetingintel.StatusOpen, "inprogress": meetingintel.StatusOpen, "in_progress": meetingintel.StatusOpen,
	"complete": meetingintel.StatusComplete, "completed": meetingintel.StatusComplete, "done": meetingintel.StatusComplete,
	"closed": meetingintel.StatusComplete, "resolved": meetingintel.StatusComplete,
	"parked": meetingintel.StatusParked, "on hold": meetingintel.StatusParked, "deferred": meetingintel.StatusParked,
	"blocked": meetingintel.StatusParked,
}

// parseStatus maps a status; ok is false for one it does not know, which
// is imported as Open and reported.
func parseStatus(s string) (meetingintel.ActionStatus, bool) {
	st, ok := statusMap[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return meetingintel.StatusOpen, false
	}
	return st, true
}

// plainChunk bounds the segments made from text no parser reads.
const plainChunk = 1500

// parseTranscript turns RawTranscript into segments. It tries every known
// format (Auto), then plain text ("Name: text" lines, others continuing the
// previous speaker); text that neither reads is kept as paragraphs of an
// Unknown speaker, because the old service stored whatever people pasted
// and dropping it would lose what search should find. note says which
// fallback was taken ("" when the transcript parsed as a known format).
func parseTranscript(raw string) (t *transcript.Transcript, note string) {
	if strings.TrimSpace(raw) == "" {
		return &transcript.Transcript{}, ""
	}
	if t, err := transcript.Parse([]byte(raw), transcript.Auto); err == nil && validSegments(t.Segments) {
		return t, ""
	}
	if t, err := transcript.Parse([]byte(raw), transcript.Text); err == nil && validSegments(t.Segments) {
		return t, "transcript is in no known format; read as plain text lines"
	}
	segs := plainSegments(raw)
	var dur int64
	if n := len(segs); n > 0 {
		dur = segs[n-1].EndMS
	}
	return &transcript.Transcript{Format: transcript.Text, Segments: segs, DurationMS: dur},
		"transcript could not be parsed; stored as paragraphs without speakers"
}

func validSegments(segs []meetingintel.Segment) bool {
	return len(segs) > 0 && meetingintel.ValidateSegments(segs) == nil
}

// plainSegments cuts text into paragraphs of at most plainChunk bytes (at
// word boundaries), with times estimated at 150 words a minute.
func plainSegments(raw string) []meetingintel.Segment {
	var segs []meetingintel.Segment
	var at int64
	add := func(words []string) {
		if len(words) == 0 {
			return
		}
		d := int64(len(words)) * 400
		segs = append(segs, meetingintel.Segment{Seq: len(segs), Speaker: transcript.UnknownSpeaker, StartMS: at, EndMS: at + d, Text: strings.Join(words, " ")})
		at += d
	}
	for _, para := range strings.Split(strings.ReplaceAll(raw, "\r\n", "\n"), "\n\n") {
		var cur []string
		size := 0
		for _, w := range strings.Fields(para) {
			if len(w) > plainChunk {
				w = w[:plainChunk]
			}
			if size+len(w)+1 > plainChunk {
				add(cur)
				cur, size = nil, 0
			}
			cur = append(cur, w)
			size += len(w) + 1
		}
		add(cur)
	}
	return segs
}
