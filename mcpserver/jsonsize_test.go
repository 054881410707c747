package mcpserver

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel"
)

// hostileStrings cover every escaping rule of encoding/json.
var hostileStrings = []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\r\b\f", "\x00\x01\x1f\x7f",
	"<script>&amp;</script>", "Zoë, 日本語, emoji 🎉", "line\u2028sep\u2029para", "bad \xff\xfe utf-8 \xc3", "\xe2\x82",
	strings.Repeat("é", 300)}

func TestMeetingItemSizeIsTheMarshalledSize(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() string {
		if rng.IntN(3) == 0 {
			// Random bytes, valid UTF-8 or not.
			b := make([]byte, rng.IntN(40))
			for i := range b {
				b[i] = byte(rng.IntN(256))
			}
			return string(b)
		}
		return hostileStrings[rng.IntN(len(hostileStrings))]
	}
	for i := range 2000 {
		m := MeetingItem{ID: rng.Int64N(1 << 40), Title: pick(), Date: pick(), DurationMS: rng.Int64N(1<<33) - 1000,
			Source: pick(), Visibility: pick(), SegmentCount: rng.IntN(100000), URL: pick()}
		if i%7 != 0 {
			for range rng.IntN(4) {
				a := meetingintel.Attendee{Name: pick()}
				if rng.IntN(2) == 0 {
					a.Email = pick()
				}
				m.Attendees = append(m.Attendees, a)
				m.Tags = append(m.Tags, pick())
			}
			if m.Tags == nil {
				m.Tags, m.Attendees = []string{}, []meetingintel.Attendee{}
			}
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := meetingItemSize(m); got != len(b) {
			t.Fatalf("meetingItemSize = %d, json.Marshal gives %d bytes: %s", got, len(b), b)
		}
	}
}
