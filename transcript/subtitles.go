package transcript

import (
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"time"
)

// rawCue is one subtitle block: its timing and the lines it shows.
type rawCue struct {
	line       int // of the timing line
	id         string
	start, end int64
	payload    []string
}

// scanCues reads the blocks of a WebVTT or SRT file. It is lenient where
// real exports are sloppy (a missing blank line between SRT blocks, a blank
// line inside a cue) and strict about timestamps, which it cannot guess.
// For WebVTT it skips the header and the STYLE and REGION blocks and reads
// NOTE blocks for metadata.
func scanCues(text string, vtt bool, p *parsed) ([]rawCue, error) {
	lines := strings.Split(text, "\n")
	i := 0
	if vtt && strings.HasPrefix(strings.TrimSpace(lines[0]), "WEBVTT") {
		// The header runs to the first blank line ("Kind:", "Language:").
		for i = 1; i < len(lines) && strings.TrimSpace(lines[i]) != "" && !strings.Contains(lines[i], "-->"); i++ {
		}
	}
	var cues []rawCue
	blockStart, id := true, ""
	for ; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			blockStart = true
			continue
		}
		if vtt && blockStart {
			if kw := keyword(l); kw != "" {
				j := i
				for j < len(lines) && strings.TrimSpace(lines[j]) != "" {
					j++
				}
				if kw == "NOTE" {
					readNote(lines[i:j], p)
				}
				i = j - 1
				continue
			}
		}
		if strings.Contains(l, "-->") {
			c, err := parseTiming(l, i+1, vtt)
			if err != nil {
				return nil, err
			}
			c.id, id = id, ""
			cues = append(cues, c)
			blockStart = false
			continue
		}
		// A cue identifier: the line just before a timing line, at the start
		// of a block (or, in SRT with a missing blank line, a bare number).
		if i+1 < len(lines) && strings.Contains(lines[i+1], "-->") && (blockStart || isDigits(l)) {
			id = l
			blockStart = false
			continue
		}
		if n := len(cues); n > 0 {
			cues[n-1].payload = append(cues[n-1].payload, l)
		}
		blockStart = false
	}
	return cues, nil
}

// keyword returns NOTE, STYLE or REGION when l opens such a WebVTT block.
func keyword(l string) string {
	for _, kw := range []string{"NOTE", "STYLE", "REGION"} {
		if l == kw || strings.HasPrefix(l, kw+" ") || strings.HasPrefix(l, kw+"\t") {
			return kw
		}
	}
	return ""
}

// readNote takes a title and a date from NOTE lines such as
// "NOTE Title: Pricing page review" or "Date: 2024-03-05T14:00:00Z". Only what
// the file says is taken; nothing is invented.
func readNote(lines []string, p *parsed) {
	for n, l := range lines {
		l = strings.TrimSpace(l)
		if n == 0 {
			l = strings.TrimSpace(strings.TrimPrefix(l, "NOTE"))
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "title", "meeting", "subject":
			if p.title == "" {
				p.title = v
			}
		case "date", "start", "started":
			if t, ok := parseDate(v); ok && p.date.IsZero() {
				p.date = t
			}
		}
	}
}

// parseDate reads the date forms metadata uses, as UTC.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseTiming reads "start --> end [settings]"; cue settings such as
// "align:start position:0%" and SRT coordinates are ignored.
func parseTiming(l string, line int, vtt bool) (rawCue, error) {
	form := "hh:mm:ss,mmm"
	if vtt {
		form = "hh:mm:ss.mmm"
	}
	left, right, _ := strings.Cut(l, "-->")
	a := strings.TrimSpace(left)
	fields := strings.Fields(right)
	if len(fields) == 0 {
		return rawCue{}, errorf(line, "cue timing %q has no end time", l)
	}
	start, ok := parseClock(a)
	if !ok {
		return rawCue{}, errorf(line, "timestamp %q is not %s", a, form)
	}
	end, ok := parseClock(fields[0])
	if !ok {
		return rawCue{}, errorf(line, "timestamp %q is not %s", fields[0], form)
	}
	if end < start {
		return rawCue{}, errorf(line, "cue ends at %s, before it starts at %s", clock(end), clock(start))
	}
	return rawCue{line: line, start: start, end: end}, nil
}

// span is a run of cue text said by one speaker ("" when the cue names none).
type span struct{ speaker, text string }

// cueSpans splits cue text into its voices and strips markup. Teams writes
// <v Name>text</v>, sometimes without the closing tag; a cue may hold
// several voices. Other tags (<i>, <b>, <c.x>, <font>, <00:00:01.000>) are
// dropped and HTML entities decoded after the tags are gone, so "&lt;b&gt;"
// stays as text.
func cueSpans(s string, entities bool) []span {
	var out []span
	var b strings.Builder
	speaker := ""
	flush := func() {
		t := b.String()
		if entities {
			t = html.UnescapeString(t)
		}
		if t = cleanSpace(t); t != "" {
			out = append(out, span{speaker, t})
		}
		b.Reset()
	}
	for s != "" {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			b.WriteString(s)
			break
		}
		gt := strings.IndexByte(s[lt:], '>')
		if gt < 0 { // a stray "<": keep it as text
			b.WriteString(s)
			break
		}
		b.WriteString(s[:lt])
		tag := s[lt+1 : lt+gt]
		s = s[lt+gt+1:]
		switch {
		case len(tag) > 1 && tag[0] == 'v' && (tag[1] == ' ' || tag[1] == '.' || tag[1] == '\t'):
			flush()
			_, name, _ := strings.Cut(strings.Replace(tag, "\t", " ", 1), " ")
			if entities {
				name = html.UnescapeString(name)
			}
			speaker = cleanSpace(name)
		case tag == "/v":
			flush()
			speaker = ""
		case tag == "" || strings.ContainsAny(tag[:1], " =") || strings.ContainsRune(tag, '<'):
			// Not markup ("a < b > c"): keep it as written.
			b.WriteString("<" + tag + ">")
		}
	}
	flush()
	return out
}

// speakerRE matches "Name: text" where Name looks like a person's name or a
// label such as "Speaker 2": starts with a letter, at most 60 characters.
var speakerRE = regexp.MustCompile(`^(\p{L}[\p{L}\p{M}\p{N} .'’()&@_-]{0,59}?)\s*:(?:\s+(.*))?$`)

// speakerPrefix splits "Name: text" into its speaker and text.
func speakerPrefix(s string) (name, text string, ok bool) {
	m := speakerRE.FindStringSubmatch(s)
	if m == nil || len(strings.Fields(m[1])) > 5 {
		return "", s, false
	}
	return strings.TrimSpace(m[1]), m[2], true
}

// bracketSpeaker splits "[Name] text" into its speaker and text.
func bracketSpeaker(s string) (name, text string, ok bool) {
	if !strings.HasPrefix(s, "[") {
		return "", s, false
	}
	end := strings.IndexByte(s, ']')
	if end < 2 || end > 61 {
		return "", s, false
	}
	name = strings.TrimSpace(s[1:end])
	if _, ok := parseClock(name); ok || name == "" {
		return "", s, false
	}
	return name, strings.TrimSpace(s[end+1:]), true
}

// metadataContent is the JSON cue text of a Microsoft Graph transcript
// fetched with $format=text/vtt and metadataContent.
type metadataContent struct {
	SpeakerName string `json:"speakerName"`
	SpokenText  string `json:"spokenText"`
}

// parseVTT parses WebVTT: Teams (voice tags, Graph metadataContent JSON),
// Zoom ("Name: text" cues, numbered) and plain captions.
func parseVTT(text string) (parsed, error) {
	var p parsed
	raws, err := scanCues(text, true, &p)
	if err != nil {
		return p, err
	}
	teams, zoom, numbered := false, 0, 0
	var cues []cue
	prev := ""
	for _, r := range raws {
		if isDigits(r.id) {
			numbered++
		}
		payload := strings.Join(r.payload, "\n")
		var spans []span
		if trimmed := strings.TrimSpace(payload); strings.HasPrefix(trimmed, "{") {
			var mc metadataContent
			if json.Unmarshal([]byte(trimmed), &mc) == nil && (mc.SpokenText != "" || mc.SpeakerName != "") {
				teams = true
				spans = []span{{cleanSpace(mc.SpeakerName), cleanSpace(mc.SpokenText)}}
			}
		}
		if spans == nil {
			if strings.Contains(payload, "<v ") || strings.Contains(payload, "<v.") || strings.Contains(payload, "<v\t") {
				teams = true
			}
			spans = cueSpans(strings.Join(r.payload, " "), true)
			for i := range spans {
				if spans[i].speaker != "" {
					continue
				}
				if name, rest, ok := speakerPrefix(spans[i].text); ok {
					spans[i] = span{name, rest}
					zoom++
				}
			}
		}
		cues = appendSpans(cues, r, spans, &prev)
	}
	switch {
	case teams:
		p.source = "Teams"
	case zoom > 0 && numbered*2 >= len(raws):
		p.source = "Zoom"
	}
	p.cues = cues
	return p, nil
}

// appendSpans adds the spans of one subtitle block as cues, sharing its time
// in proportion to each span's text. A span with no speaker continues the
// previous speaker: captions often name a speaker only when it changes.
func appendSpans(cues []cue, r rawCue, spans []span, prev *string) []cue {
	total := 0
	for _, s := range spans {
		total += len(s.text)
	}
	done := 0
	for _, s := range spans {
		if total == 0 { // only "Name:" labels; the text follows in later cues
			*prev = s.speaker
			continue
		}
		if s.speaker == "" {
			s.speaker = *prev
		}
		*prev = s.speaker
		c := cue{line: r.line, speaker: s.speaker, text: s.text}
		span := r.end - r.start
		c.start = r.start + span*int64(done)/int64(total)
		done += len(s.text)
		c.end = r.start + span*int64(done)/int64(total)
		cues = append(cues, c)
	}
	return cues
}

// parseSRT parses SubRip: numbered blocks, comma milliseconds, "[Name] text"
// or "Name: text" speakers, <i>/<b>/<font> tags.
func parseSRT(text string) (parsed, error) {
	var p parsed
	raws, err := scanCues(text, false, &p)
	if err != nil {
		return p, err
	}
	prev := ""
	for _, r := range raws {
		spans := cueSpans(strings.Join(r.payload, " "), false)
		for i := range spans {
			if name, rest, ok := bracketSpeaker(spans[i].text); ok {
				spans[i] = span{name, rest}
			} else if name, rest, ok := speakerPrefix(spans[i].text); ok {
				spans[i] = span{name, rest}
			}
		}
		p.cues = appendSpans(p.cues, r, spans, &prev)
	}
	return p, nil
}
