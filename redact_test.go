package meetingintel_test

import (
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel"
)

func TestRedactHidesEveryTokenShapeAndKeepsTheRest(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"token mi_pat_AbC-123_x in text", "token [redacted] in text"},
		{"MI_RT_abc and Mi_Ac_def", "[redacted] and [redacted]"},
		{"secret mi_cs_xyz.", "secret [redacted]"},
		{"bearer EYJhbGciOi.eyJzdWIi.c2ln end", "bearer [redacted] end"},
		{"bearer eyJhbGciOi.eyJzdWIi end", "bearer [redacted] end"},
		{"no secrets here, version 1.2.3 and snake_case", "no secrets here, version 1.2.3 and snake_case"},
		{"", ""},
	} {
		if got := meetingintel.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for s, want := range map[string]bool{
		"mi_pat_x": true, "eyJa.eyJb.c": true, strings.Repeat("a1", 16): true,
		"weekly-sync-notes": false, "123": false, "consent.css": false, strings.Repeat("a", 40): false,
		strings.Repeat("a1", 15) + ".js": false,
	} {
		if got := meetingintel.LooksLikeSecret(s); got != want {
			t.Errorf("LooksLikeSecret(%q) = %v, want %v", s, got, want)
		}
	}
}
