package transcript

import (
	"fmt"
	"strings"
	"testing"
)

// teamsHour generates a one-hour Teams transcript of n cues: four people,
// turns of one to three cues each, as Teams splits long utterances.
func teamsHour(n int) []byte {
	speakers := []string{"Priya Natarajan", "Marco Bellini", "Dana Kim", "Laura Chen"}
	var b strings.Builder
	b.WriteString("\uFEFFWEBVTT\r\n\r\n")
	step := int64(3_600_000 / n)
	for i := range n {
		start := int64(i) * step
		fmt.Fprintf(&b, "0f8d3c7e-5a1b-4c2d-9e3f-7a6b5c4d3e2f/%d-0\r\n%s --> %s\r\n", i, clock(start), clock(start+step-100))
		fmt.Fprintf(&b, "<v %s>We should keep the Team tier at &#36;12 per seat and move SSO to Enterprise, item %d.</v>\r\n\r\n", speakers[(i/(1+i%3))%4], i)
	}
	return []byte(b.String())
}

func BenchmarkParseVTT(b *testing.B) {
	data := teamsHour(1000)
	b.SetBytes(int64(len(data)))
	cues := 0
	for b.Loop() {
		tr, err := Parse(data, Auto)
		if err != nil {
			b.Fatal(err)
		}
		cues += 1000
		_ = tr
	}
	b.ReportMetric(float64(cues)/b.Elapsed().Seconds(), "cues/s")
}
