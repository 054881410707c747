package transcript

import (
	"regexp"
	"strings"
)

// otterRE matches an Otter block header: "Ana Ruiz  1:05" or "Speaker 2  1:02:33",
// or the time alone when Otter could not name the speaker.
var otterRE = regexp.MustCompile(`^(?:(\S.*?)\s+)?(\d{1,2}(?::\d{2}){1,2})$`)

// otterFooter matches the line Otter appends to every export.
var otterFooter = regexp.MustCompile(`(?i)^transcribed by\s+(https?://)?(www\.)?otter\.ai\b`)

// otterHeader splits an Otter block header into speaker and start time.
func otterHeader(l string) (name string, ms int64, ok bool) {
	m := otterRE.FindStringSubmatch(l)
	if m == nil || strings.ContainsRune(m[1], ':') || len(m[1]) > maxSpeakerLen {
		return "", 0, false
	}
	ms, ok = parseClock(m[2])
	return m[1], ms, ok
}

// parseOtter parses an Otter.ai TXT export: blocks of a "Name  mm:ss"
// header and text lines, then a "Transcribed by https://otter.ai" footer.
// Otter gives start times only, so a block ends where the next begins, and
// the last one after the time its words take to say.
func parseOtter(text string) (parsed, error) {
	// The layout itself is Otter's export, so the source is known.
	p := parsed{source: "Otter"}
	type block struct {
		line    int
		speaker string
		start   int64
		text    []string
	}
	var blocks []block
	blockStart := true
	for i, raw := range strings.Split(text, "\n") {
		l := strings.TrimSpace(raw)
		if l == "" {
			blockStart = true
			continue
		}
		if otterFooter.MatchString(l) {
			continue
		}
		// Otter separates name and time by two spaces; a header also always
		// opens a block, so a sentence ending in "at 10:30" is not one.
		if name, ms, ok := otterHeader(l); ok && (blockStart || strings.Contains(raw, "  ") || strings.Contains(raw, "\t")) {
			if n := len(blocks); n > 0 && ms < blocks[n-1].start {
				return p, errorf(i+1, "time %s comes before the previous block's %s", clock(ms), clock(blocks[n-1].start))
			}
			blocks = append(blocks, block{line: i + 1, speaker: name, start: ms})
		} else if n := len(blocks); n > 0 {
			blocks[n-1].text = append(blocks[n-1].text, l)
		} else {
			// Text before the first header: keep it rather than lose speech.
			blocks = append(blocks, block{line: i + 1, text: []string{l}})
		}
		blockStart = false
	}
	for i, b := range blocks {
		c := cue{line: b.line, speaker: b.speaker, start: b.start, text: strings.Join(b.text, " ")}
		if i+1 < len(blocks) {
			c.end = blocks[i+1].start
		} else {
			c.end = c.start + wordsMS(c.text)
		}
		p.cues = append(p.cues, c)
	}
	return p, nil
}
