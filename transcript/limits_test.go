package transcript

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Large hostile inputs must be refused or parsed quickly: no quadratic path,
// no hang. Each is close to MaxSize.
func TestHostileInputsNearMaxSizeFinishQuickly(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	n := MaxSize - 1024
	if raceEnabled {
		n /= 16 // still large enough for a quadratic path to show
	}
	fill := func(unit string) []byte { return []byte(strings.Repeat(unit, n/len(unit))) }
	for _, tc := range []struct {
		name   string
		data   []byte
		format Format
	}{
		{"one giant line of words", fill("pricing "), Text},
		{"one giant voice cue", append([]byte("WEBVTT\n\n00:00:00.000 --> 01:00:00.000\n<v Ana>"), fill("tier ")...), VTT},
		{"a cue full of unclosed tags", append([]byte("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n"), fill("<")...), VTT},
		{"a cue full of tags", append([]byte("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n"), fill("<b>")...), VTT},
		{"a million tiny SRT cues", fill("1\n0:0:1,0 --> 0:0:2,0\nA: x\n\n"), SRT},
		{"alternating speakers", fill("A: x\nB: y\n"), Text},
		{"only timing lines", fill("00:00:01.000 --> 00:00:02.000\n"), VTT},
		{"only Otter headers", fill("Ana  0:01\n"), Otter},
		{"many distinct speakers", []byte(strings.Repeat("Speaker xyz: hello there\n", n/200) + strings.Repeat("a", 10)), Text},
		{"deeply nested JSON", fill("["), Fireflies},
		{"a huge Fireflies sentence list", append(append([]byte(`{"sentences":[`), fill(`{"speaker_name":"A","text":"x","start_time":1,"end_time":2},`)...), `{}]}`...), Fireflies},
		{"one line of colons", fill(":"), Auto},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			tr, err := Parse(tc.data, tc.format)
			// A generous bound: it catches a hang or a quadratic blow-up (minutes),
			// not ordinary slowness on a busy machine; speed is a benchmark's job.
			if d := time.Since(start); d > 60*time.Second {
				t.Errorf("took %v", d)
			}
			var pe *ParseError
			if err != nil && !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if err == nil {
				checkInvariants(t, tr)
			}
		})
	}
}
