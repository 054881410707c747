package transcript

import (
	"regexp"
	"strings"
)

// Timestamps that open a plain-text line: "[00:01:23]", "(1:23)" or a bare
// "00:01:23" (optionally followed by " - ").
var (
	bracketTimeRE = regexp.MustCompile(`^[\[(](\d{1,5}(?::\d{1,2}){1,2}(?:[.,]\d{1,3})?)[\])]\s*(.*)$`)
	bareTimeRE    = regexp.MustCompile(`^(\d{1,5}(?::\d{1,2}){1,2}(?:[.,]\d{1,3})?)\s+(?:[-–]\s+)?(.*)$`)
	// badTimeRE finds a bracketed prefix meant as a time but malformed.
	badTimeRE = regexp.MustCompile(`^[\[(](\d[^\])]{0,15}:[^\])]{0,15})[\])]`)
)

// tline is one plain-text line read for its timestamp and speaker.
type tline struct {
	time       string // as written, "" when none
	speaker    string
	hasSpeaker bool
	text       string
}

// textLine reads "[00:01:23] Name: text", "[1:23] Name: text",
// "00:01:23 Name: text" and "Name: text". ok says the line opens an
// utterance; other lines continue the previous one. A bare time counts only
// before a speaker, so "10:30 works for me" stays text.
func textLine(l string) (t tline, ok bool) {
	t.text = l
	if strings.IndexByte(l, ':') < 0 { // every form below has a colon
		return t, false
	}
	if l[0] == '[' || l[0] == '(' {
		if m := bracketTimeRE.FindStringSubmatch(l); m != nil {
			t.time, t.text = m[1], m[2]
		}
	} else if l[0] >= '0' && l[0] <= '9' {
		if m := bareTimeRE.FindStringSubmatch(l); m != nil {
			if _, _, ok := speakerPrefix(m[2]); ok {
				t.time, t.text = m[1], m[2]
			}
		}
	}
	if name, rest, ok := speakerPrefix(t.text); ok {
		t.speaker, t.text, t.hasSpeaker = name, rest, true
	}
	return t, t.time != "" || t.hasSpeaker
}

// parseText parses plain text: "Name: text" lines with optional timestamps;
// lines without a speaker continue the previous utterance. Where there are no
// timestamps, times are estimated from word count (about 150 words a
// minute) so talk time still works.
func parseText(text string) (parsed, error) {
	var p parsed
	type utt struct {
		line    int
		speaker string
		timed   bool
		start   int64
		text    []string
	}
	var utts []utt
	prevSpeaker, lastTimed := "", int64(-1)
	for i, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		t, ok := textLine(l)
		if t.time == "" && (l[0] == '[' || l[0] == '(') {
			if m := badTimeRE.FindStringSubmatch(l); m != nil {
				return p, errorf(i+1, "timestamp %q is not hh:mm:ss", m[1])
			}
		}
		if !ok {
			if n := len(utts); n > 0 {
				utts[n-1].text = append(utts[n-1].text, l)
			} else {
				utts = append(utts, utt{line: i + 1, text: []string{l}})
			}
			continue
		}
		u := utt{line: i + 1, speaker: prevSpeaker, text: []string{t.text}}
		if t.hasSpeaker {
			u.speaker = t.speaker
		}
		if t.time != "" {
			ms, ok := parseClock(t.time)
			if !ok {
				return p, errorf(i+1, "timestamp %q is not hh:mm:ss", t.time)
			}
			if ms < lastTimed {
				return p, errorf(i+1, "time %s comes before the previous line's %s", clock(ms), clock(lastTimed))
			}
			u.timed, u.start, lastTimed = true, ms, ms
		}
		prevSpeaker = u.speaker
		utts = append(utts, u)
	}
	cursor := int64(0)
	for i, u := range utts {
		c := cue{line: u.line, speaker: u.speaker, text: strings.Join(u.text, " ")}
		if u.timed {
			c.start = u.start
		} else {
			c.start = cursor
		}
		c.end = c.start + wordsMS(c.text)
		// With timestamps, a turn lasts until the next one starts.
		if i+1 < len(utts) && utts[i+1].timed {
			c.end = max(c.start, utts[i+1].start)
		}
		cursor = c.end
		p.cues = append(p.cues, c)
	}
	return p, nil
}
