package transcript

import (
	"encoding/json"
	"strings"
)

// Detect tells the format of a transcript file from its content. When it
// cannot tell, it returns a *ParseError asking for an explicit format.
func Detect(data []byte) (Format, error) {
	text, err := decode(data)
	if err != nil {
		return "", err
	}
	return detect(text)
}

// detectLines bounds how much of a file detection reads.
const detectLines = 200

func detect(text string) (Format, error) {
	body := strings.TrimLeft(text, " \t\n")
	switch {
	case strings.HasPrefix(body, "{"):
		return Fireflies, nil
	case strings.HasPrefix(body, "[") && json.Valid([]byte(body)):
		return Fireflies, nil
	case strings.HasPrefix(body, "WEBVTT"):
		return VTT, nil
	}
	var lines []string
	for l := range strings.SplitSeq(body, "\n") {
		if len(lines) == detectLines {
			break
		}
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	// Subtitles without a WEBVTT header: a cue number, then a timing line.
	timing := -1
	for i, l := range lines[:min(len(lines), 3)] {
		if strings.Contains(l, "-->") {
			timing = i
			break
		}
	}
	if timing >= 0 && (timing == 0 || isDigits(lines[timing-1])) {
		if strings.Contains(lines[timing], ",") {
			return SRT, nil
		}
		return VTT, nil
	}
	if i := strings.LastIndex(text, "otter.ai"); i >= 0 {
		lineStart := strings.LastIndexByte(text[:i], '\n') + 1
		if otterFooter.MatchString(strings.TrimSpace(text[lineStart:])) {
			return Otter, nil
		}
	}
	speakers, otter := 0, 0
	for i, l := range lines {
		if _, _, ok := otterHeader(l); ok && (i == 0 || otter > 0) {
			otter++
		}
		if _, ok := textLine(l); ok {
			speakers++
		}
	}
	switch {
	case otter > 0 && otter >= speakers && len(lines) > 1:
		return Otter, nil
	case speakers > 0 && speakers*10 >= len(lines):
		return Text, nil
	}
	return "", errorf(0, "cannot tell the format; pass --format vtt|srt|otter|fireflies|text")
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
