package logguard

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel"
)

func TestTeeCopiesWholeLogRecordsBehindTheMarker(t *testing.T) {
	var guard bytes.Buffer
	out = &guard
	t.Cleanup(func() { out = os.Stdout })

	var server bytes.Buffer
	w := Tee(&server)
	pat := meetingintel.NewPAT()
	// A child's stderr arrives in pieces; a banner and a printed PAT are
	// not log records.
	in := `{"time":"t","msg":"request","path":"/mcp/` + pat + `"}` + "\nlistening on 127.0.0.1\n" + pat + "\n" + `{"time":"u","msg":"done"}` + "\r\n"
	for _, piece := range []string{in[:10], in[10:40], in[40:]} {
		if _, err := w.Write([]byte(piece)); err != nil {
			t.Fatal(err)
		}
	}
	if server.String() != in {
		t.Errorf("the server's own log changed: %q", server.String())
	}
	lines := strings.Split(strings.TrimSuffix(guard.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("guard got %d lines, want the 2 log records: %q", len(lines), lines)
	}
	if got := Leaks(lines[0]); len(got) != 1 || got[0] != pat {
		t.Errorf("Leaks(first record) = %d values, want the PAT", len(got))
	}
	if got := Leaks(lines[1]); len(got) != 0 {
		t.Errorf("Leaks(clean record) = %q", got)
	}
	if got := Leaks(strings.TrimPrefix(lines[0], Marker)); len(got) != 0 {
		t.Error("Leaks scanned a line without the marker")
	}
}

func TestLeaksFindsEveryIssuedShapeAndNoLookalike(t *testing.T) {
	for _, tc := range []struct {
		value string
		leak  bool
	}{
		{"mi_pat_abcdefgh12345678", true},
		{"mi_cs_abcdefgh12345678", true},
		{"mi_ac_abcdefgh12345678", true},
		{"MI_RT_ABCDEFGH12345678", true}, // case-folded on its way
		{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJlMTIz", true},
		{"mi_pat_", false},                      // the prefix, named in a message
		{meetingintel.Redacted, false},          // what redaction leaves
		{"eyJhbGciOiJIUzI1NiJ9.payload", false}, // not a signed token
		{"mi_user_abcdefgh12345678", false},     // no such secret
	} {
		line := Marker + `{"time":"t","msg":"x","v":"` + tc.value + `"}`
		if got := len(Leaks(line)) > 0; got != tc.leak {
			t.Errorf("Leaks(%q) found a leak: %v, want %v", tc.value, got, tc.leak)
		}
	}
}
