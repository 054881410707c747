// Package transcript turns meeting transcript files (WebVTT from Teams and
// Zoom, Graph metadataContent, SRT, Otter TXT, Fireflies JSON and plain
// text) into ordered segments of the meetingintel domain.
//
// It only parses: it never stores, logs or fetches anything, and it must not
// panic or run unbounded on any input, since files come from users. Content
// problems are reported as *ParseError, naming the line where there is one.
package transcript

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/meetingintel/meetingintel"
)

// Format names a transcript file format.
type Format string

// Formats accepted by Parse and the --format flag of `meetingintel import`.
const (
	Auto      Format = "auto"
	VTT       Format = "vtt"
	SRT       Format = "srt"
	Otter     Format = "otter"
	Fireflies Format = "fireflies"
	Text      Format = "text"
)

// formats lists every Format in the order shown to users.
var formats = []Format{Auto, VTT, SRT, Otter, Fireflies, Text}

// Formats returns every Format ParseFormat accepts, in the order shown to
// users (Auto first), for forms and flag help.
func Formats() []Format { return slices.Clone(formats) }

// MaxSize is the largest transcript accepted, in bytes.
const MaxSize = 10 << 20

// maxMergedText bounds the text of a segment built by merging consecutive
// cues of one speaker. A monologue can run for many minutes; one huge segment
// would make search snippets point at a wall of text and defeat transcript
// paging, so a long turn is kept as several segments of about this size.
const maxMergedText = 1500

// wordMS is how long one word takes at about 150 words a minute, used to
// estimate times where a file has none, so talk time still works.
const wordMS = 60_000 / 150

// UnknownSpeaker names the speaker of text whose file gives no speaker.
const UnknownSpeaker = "Unknown"

// ParseFormat accepts the format names (case-insensitive; "" means Auto) and
// returns an EINVALID error listing the valid names otherwise.
func ParseFormat(s string) (Format, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return Auto, nil
	}
	if slices.Contains(formats, Format(s)) {
		return Format(s), nil
	}
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = string(f)
	}
	return "", meetingintel.Errorf(meetingintel.EINVALID,
		"Unknown transcript format %q; use one of %s.", s, strings.Join(names, ", "))
}

// Transcript is a parsed transcript file.
type Transcript struct {
	Format          Format                  // the format actually parsed (never Auto)
	Source          string                  // "Teams", "Zoom", "Fireflies", "Otter" when the file says so, else ""
	SourceMeetingID string                  // when the file carries one (Fireflies id, ...), else ""
	Title           string                  // when the file carries one, else ""
	Date            time.Time               // when the file carries one (UTC), else zero
	DurationMS      int64                   // end of the last segment (or the file's own duration)
	Attendees       []meetingintel.Attendee // speakers and listed participants, in order of first appearance
	Segments        []meetingintel.Segment  // Seq 0..n-1, consecutive cues of one speaker merged
}

// ParseError says what is wrong with a transcript and where. Line is 1-based,
// 0 when the problem is not about one line.
type ParseError struct {
	Line int
	Msg  string
}

// Error returns "line N: msg", or just msg when Line is 0.
func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Unwrap presents the parse error as an EINVALID application error, so the
// edges (CLI, REST, MCP) that translate *meetingintel.Error show the user
// this message instead of a generic internal error.
func (e *ParseError) Unwrap() error {
	return meetingintel.Errorf(meetingintel.EINVALID, "%s", e.Error())
}

func errorf(line int, format string, args ...any) *ParseError {
	return &ParseError{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Parse parses data in format f; Auto detects the format first. Content
// problems are returned as *ParseError; an unknown format as EINVALID.
func Parse(data []byte, f Format) (*Transcript, error) {
	f, err := ParseFormat(string(f))
	if err != nil {
		return nil, err
	}
	text, err := decode(data)
	if err != nil {
		return nil, err
	}
	if f == Auto {
		if f, err = detect(text); err != nil {
			return nil, err
		}
	}
	var p parsed
	switch f {
	case VTT:
		p, err = parseVTT(text)
	case SRT:
		p, err = parseSRT(text)
	case Otter:
		p, err = parseOtter(text)
	case Fireflies:
		p, err = parseFireflies(text)
	case Text:
		p, err = parseText(text)
	}
	if err != nil {
		return nil, err
	}
	return p.finish(f)
}

// cue is one timed piece of speech as a file gives it, before merging.
type cue struct {
	line       int // 1-based line where the cue starts, for errors
	speaker    string
	start, end int64
	text       string
}

// parsed is what a format parser hands to the shared finishing step.
type parsed struct {
	cues            []cue
	source          string
	sourceMeetingID string
	title           string
	date            time.Time
	durationMS      int64
	participants    []meetingintel.Attendee // listed by the file besides speakers
}

// finish merges cues into segments and fills the Transcript.
func (p parsed) finish(f Format) (*Transcript, error) {
	segs, err := merge(p.cues)
	if err != nil {
		return nil, err
	}
	t := &Transcript{
		Format:          f,
		Source:          p.source,
		SourceMeetingID: strings.TrimSpace(p.sourceMeetingID),
		Title:           strings.TrimSpace(p.title),
		Date:            p.date.UTC(),
		DurationMS:      p.durationMS,
		Segments:        segs,
	}
	if p.date.IsZero() {
		t.Date = time.Time{}
	}
	for _, s := range segs {
		t.DurationMS = max(t.DurationMS, s.EndMS)
	}
	t.Attendees = attendees(segs, p.participants)
	return t, nil
}

// merge orders cues by start time and joins consecutive cues of one speaker
// into segments of at most about maxMergedText characters.
func merge(cues []cue) ([]meetingintel.Segment, error) {
	// Teams and Zoom cues can overlap when people talk over each other;
	// a stable sort keeps file order among equal starts and gives segments
	// that page by time.
	slices.SortStableFunc(cues, func(a, b cue) int {
		switch {
		case a.start < b.start:
			return -1
		case a.start > b.start:
			return 1
		}
		return 0
	})
	var segs []meetingintel.Segment
	for _, c := range cues {
		c.text = cleanSpace(c.text)
		if c.text == "" {
			continue
		}
		c.speaker = cleanSpeaker(c.speaker)
		for _, piece := range splitCue(c) {
			if n := len(segs); n > 0 {
				last := &segs[n-1]
				if last.Speaker == piece.speaker && len(last.Text)+1+len(piece.text) <= maxMergedText {
					last.Text += " " + piece.text
					last.EndMS = max(last.EndMS, piece.end)
					continue
				}
			}
			if len(segs) >= meetingintel.MaxSegments {
				return nil, errorf(c.line, "the transcript has more than %d segments, the most one meeting may hold", meetingintel.MaxSegments)
			}
			segs = append(segs, meetingintel.Segment{
				Seq: len(segs), Speaker: piece.speaker, StartMS: piece.start, EndMS: piece.end, Text: piece.text,
			})
		}
	}
	if len(segs) == 0 {
		return nil, errorf(0, "the transcript has no speech: no cue or line with text was found")
	}
	return segs, nil
}

// splitCue cuts a cue longer than maxMergedText at word boundaries, sharing
// its time span in proportion to the text.
func splitCue(c cue) []cue {
	if len(c.text) <= maxMergedText {
		return []cue{c}
	}
	var out []cue
	total := int64(len(c.text))
	span := c.end - c.start
	done := int64(0)
	rest := c.text
	for rest != "" {
		piece := rest
		if len(piece) > maxMergedText {
			cut := strings.LastIndexByte(rest[:maxMergedText+1], ' ')
			if cut <= 0 {
				cut = maxMergedText
				for cut > 0 && !isRuneStart(rest[cut]) {
					cut--
				}
				if cut == 0 { // cannot happen with valid UTF-8; be safe anyway
					cut = maxMergedText
				}
			}
			piece = rest[:cut]
		}
		rest = strings.TrimLeft(rest[len(piece):], " ")
		p := c
		p.text = strings.TrimSpace(piece)
		p.start = c.start + span*done/total
		done = total - int64(len(rest))
		p.end = c.start + span*done/total
		if p.text != "" {
			out = append(out, p)
		}
	}
	return out
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// cleanSpace collapses runs of white space (including no-break spaces from
// &nbsp;) into single spaces.
func cleanSpace(s string) string {
	s = strings.ReplaceAll(s, "\u00a0", " ")
	return strings.Join(strings.Fields(s), " ")
}

// maxSpeakerLen bounds a speaker name; longer names are cut.
const maxSpeakerLen = 100

// cleanSpeaker trims a speaker name and names a missing one Unknown.
func cleanSpeaker(s string) string {
	s = cleanSpace(s)
	if len(s) > maxSpeakerLen {
		cut := maxSpeakerLen
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = strings.TrimSpace(s[:cut])
	}
	if s == "" {
		return UnknownSpeaker
	}
	return s
}

// attendees lists speakers in order of first appearance, then participants
// the file lists, attaching a participant's email to the speaker it belongs
// to: the same display name, or an email whose local part spells the name
// ("ana.ruiz@" for Ana Ruiz) or just the first name ("ana@"). Lookups are by
// map so a file with thousands of both stays linear.
func attendees(segs []meetingintel.Segment, participants []meetingintel.Attendee) []meetingintel.Attendee {
	var out []meetingintel.Attendee
	byName := map[string]int{} // lower-cased name, letters of the name, letters of the first name
	index := func(key string, i int) {
		if _, ok := byName[key]; key != "" && !ok {
			byName[key] = i
		}
	}
	for _, s := range segs {
		key := strings.ToLower(s.Speaker)
		if _, ok := byName[key]; ok || s.Speaker == UnknownSpeaker {
			continue
		}
		i := len(out)
		out = append(out, meetingintel.Attendee{Name: s.Speaker})
		byName[key] = i
		index("@"+letters(s.Speaker), i)
		first, _, _ := strings.Cut(s.Speaker, " ")
		index("@"+letters(first), i)
	}
	for _, p := range participants {
		p.Email = strings.ToLower(strings.TrimSpace(p.Email))
		p.Name = cleanSpace(p.Name)
		i, ok := -1, false
		if p.Name != "" {
			i, ok = byName[strings.ToLower(p.Name)]
		}
		if local, _, _ := strings.Cut(p.Email, "@"); !ok && local != "" {
			i, ok = byName["@"+letters(local)]
		}
		if ok && p.Email != "" && out[i].Email == "" {
			out[i].Email = p.Email
			continue
		}
		if !ok || p.Email != "" {
			out = append(out, p)
		}
	}
	return meetingintel.NormalizeAttendees(out)
}

// letters keeps the lower-cased letters of s.
func letters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
