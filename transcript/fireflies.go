package transcript

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

// ffTranscript is a Fireflies.ai transcript as its GraphQL API returns it
// (https://docs.fireflies.ai/schema/transcript).
type ffTranscript struct {
	ID               string          `json:"id"`
	Title            string          `json:"title"`
	Date             json.RawMessage `json:"date"` // ms since the epoch, or ISO 8601
	DateString       string          `json:"dateString"`
	Duration         *ffNumber       `json:"duration"` // minutes
	Participants     []string        `json:"participants"`
	MeetingAttendees []struct {
		DisplayName string `json:"displayName"`
		Name        string `json:"name"`
		Email       string `json:"email"`
	} `json:"meeting_attendees"`
	Speakers []struct {
		Name string `json:"name"`
	} `json:"speakers"`
	Sentences []ffSentence `json:"sentences"`
}

type ffSentence struct {
	SpeakerName string    `json:"speaker_name"`
	Text        string    `json:"text"`
	RawText     string    `json:"raw_text"`
	Sentence    string    `json:"sentence"` // older JSON downloads
	StartTime   *ffNumber `json:"start_time"`
	EndTime     *ffNumber `json:"end_time"`
	StartAlt    *ffNumber `json:"startTime"`
	EndAlt      *ffNumber `json:"endTime"`
}

// ffNumber is a number Fireflies sends as a JSON number or, per its
// schema, as a string.
type ffNumber float64

// UnmarshalJSON accepts 12.5, "12.5" and null.
func (n *ffNumber) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return errors.New("not a number: " + string(b))
	}
	*n = ffNumber(f)
	return nil
}

// maxSeconds bounds times in a Fireflies file (a week) so conversions
// cannot overflow.
const maxSeconds = 7 * 24 * 3600

// parseFireflies parses a Fireflies transcript object, the GraphQL
// response {"data":{"transcript":{...}}} (or "transcripts":[one]), or a bare
// array of sentences.
func parseFireflies(text string) (parsed, error) {
	p := parsed{source: "Fireflies"}
	data := []byte(text)
	var root any
	if err := json.Unmarshal(data, &root); err != nil {
		return p, jsonError(data, err)
	}
	var t ffTranscript
	switch v := root.(type) {
	case []any:
		if err := json.Unmarshal(data, &t.Sentences); err != nil {
			return p, jsonError(data, err)
		}
	case map[string]any:
		obj := v
		if d, ok := v["data"].(map[string]any); ok {
			switch {
			case d["transcript"] != nil:
				obj, _ = d["transcript"].(map[string]any)
			case d["transcripts"] != nil:
				list, _ := d["transcripts"].([]any)
				if len(list) != 1 {
					return p, errorf(0, "the Fireflies response holds %d transcripts; import them one at a time", len(list))
				}
				obj, _ = list[0].(map[string]any)
			}
		} else if errs, ok := v["errors"].([]any); ok && len(errs) > 0 {
			msg := "the Fireflies response is an error"
			if e, ok := errs[0].(map[string]any); ok {
				if m, ok := e["message"].(string); ok {
					msg += ": " + m
				}
			}
			return p, errorf(0, "%s", msg)
		}
		if obj == nil {
			return p, errorf(0, "the Fireflies response holds no transcript")
		}
		b, _ := json.Marshal(obj) // re-encoding a decoded value cannot fail
		if err := json.Unmarshal(b, &t); err != nil {
			return p, errorf(0, "the Fireflies transcript is malformed: %s", jsonMsg(err))
		}
	default:
		return p, errorf(1, "a Fireflies file is a JSON object, not %s", strings.TrimSpace(text[:min(len(text), 20)]))
	}

	p.sourceMeetingID = t.ID
	p.title = t.Title
	p.date = ffDate(t.Date, t.DateString)
	if t.Duration != nil && *t.Duration > 0 && *t.Duration < maxSeconds/60 {
		p.durationMS = int64(float64(*t.Duration) * 60_000)
	}
	for _, a := range t.MeetingAttendees {
		name := a.DisplayName
		if name == "" {
			name = a.Name
		}
		p.participants = append(p.participants, meetingintel.Attendee{Name: name, Email: a.Email})
	}
	for _, e := range t.Participants {
		// Fireflies sometimes packs several addresses into one entry.
		for part := range strings.SplitSeq(e, ",") {
			if part = strings.TrimSpace(part); strings.Contains(part, "@") {
				p.participants = append(p.participants, meetingintel.Attendee{Email: part})
			}
		}
	}
	for i, s := range t.Sentences {
		text := s.Text
		if strings.TrimSpace(text) == "" {
			text = s.RawText
		}
		if strings.TrimSpace(text) == "" {
			text = s.Sentence
		}
		start, end := s.StartTime, s.EndTime
		if start == nil {
			start = s.StartAlt
		}
		if end == nil {
			end = s.EndAlt
		}
		c := cue{speaker: s.SpeakerName, text: text}
		if start != nil {
			if *start < 0 || *start > maxSeconds {
				return p, errorf(0, "sentence %d starts at %g seconds, outside the meeting", i, float64(*start))
			}
			c.start = int64(math.Round(float64(*start) * 1000))
		}
		c.end = c.start
		if end != nil {
			if *end < 0 || *end > maxSeconds {
				return p, errorf(0, "sentence %d ends at %g seconds, outside the meeting", i, float64(*end))
			}
			c.end = int64(math.Round(float64(*end) * 1000))
		} else {
			c.end = c.start + wordsMS(text)
		}
		if c.end < c.start {
			return p, errorf(0, "sentence %d ends at %s, before it starts at %s", i, clock(c.end), clock(c.start))
		}
		p.cues = append(p.cues, c)
	}
	return p, nil
}

// ffDate reads Fireflies' date: milliseconds since the epoch (seconds if
// small), or an ISO 8601 string.
func ffDate(raw json.RawMessage, dateString string) time.Time {
	s := strings.TrimSpace(string(raw))
	if strings.HasPrefix(s, `"`) {
		var str string
		if json.Unmarshal(raw, &str) == nil {
			s = str
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f < 1e14 {
		if f < 1e11 { // seconds, not milliseconds
			f *= 1000
		}
		return time.UnixMilli(int64(f)).UTC()
	}
	if t, ok := parseDate(s); ok {
		return t
	}
	if t, ok := parseDate(strings.TrimSpace(dateString)); ok {
		return t
	}
	return time.Time{}
}

// jsonError turns a decoding error into a *ParseError naming the line.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return errorf(lineAt(data, int(se.Offset)), "invalid JSON: %s", se.Error())
	case errors.As(err, &te):
		return errorf(lineAt(data, int(te.Offset)), "%s", jsonMsg(err))
	}
	return errorf(0, "invalid JSON: %s", jsonMsg(err))
}

// jsonMsg words a decoding error for a user.
func jsonMsg(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return "field " + te.Field + " should be " + te.Type.String() + ", not a JSON " + te.Value
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
