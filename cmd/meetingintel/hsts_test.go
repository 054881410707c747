package main

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/meetingintel/meetingintel/httpserver"
	"github.com/meetingintel/meetingintel/oauth"
)

// TestHTTPSInstancesSendHSTSAndKeepTheirChallenges checks that an https
// instance (by PUBLIC_URL, or behind a proxy that forwards https) answers
// with Strict-Transport-Security, a plain http one does not, and that the
// 401 and 403 challenges clients parse are unchanged by it.
func TestHTTPSInstancesSendHSTSAndKeepTheirChallenges(t *testing.T) {
	const public = "https://team.example.com"
	https := startServe(t, filepath.Join(t.TempDir(), "mi.db"), map[string]string{"PUBLIC_URL": public})
	local := "http://" + https.addr
	for _, p := range []string{"/healthz", "/.well-known/oauth-authorization-server", "/nowhere"} {
		if r := mustHTTP(t, "GET", local+p, nil, ""); r.header.Get("Strict-Transport-Security") != httpserver.HSTS {
			t.Errorf("GET %s on an https instance: Strict-Transport-Security %q, want %q", p, r.header.Get("Strict-Transport-Security"), httpserver.HSTS)
		}
	}
	for _, tc := range []struct{ name, token, want string }{
		{"no credential", "", oauth.Challenge(public, "/mcp", "")},
		{"a bad token", "mi_pat_nope", oauth.Challenge(public, "/mcp", "invalid_token")},
	} {
		r := postMCP(t, local+"/mcp", tc.token, initializeBody)
		if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") != tc.want || r.header.Get("Strict-Transport-Security") == "" {
			t.Errorf("%s on an https instance: %d %q, HSTS %q; want 401 %q with HSTS", tc.name, r.status,
				r.header.Get("WWW-Authenticate"), r.header.Get("Strict-Transport-Security"), tc.want)
		}
	}

	// A plain http instance sends none, unless its proxy says the request came over https.
	w := newWorld(t, nil)
	if r := mustHTTP(t, "GET", w.s.url+"/healthz", nil, ""); r.header.Get("Strict-Transport-Security") != "" {
		t.Errorf("a plain http instance sent HSTS %q", r.header.Get("Strict-Transport-Security"))
	}
	ro, _ := grantFor(t, w.s, w.anaPAT, "meetings:read")
	hdr := mcpHeader.Clone()
	hdr.Set("Authorization", "Bearer "+ro.str("access_token"))
	hdr.Set("X-Forwarded-Proto", "https")
	r := mustHTTP(t, "POST", w.s.url+"/mcp", hdr,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"create_meeting","arguments":{"title":"Sneaky"}}}`)
	want := `Bearer error="insufficient_scope", scope="meetings:read meetings:write", resource_metadata="` + w.s.url + `/.well-known/oauth-protected-resource/mcp"`
	if r.status != http.StatusForbidden || r.header.Get("WWW-Authenticate") != want || r.header.Get("Strict-Transport-Security") != httpserver.HSTS {
		t.Errorf("write with a read-only grant through an https proxy: %d %q, HSTS %q; want 403 %q with HSTS",
			r.status, r.header.Get("WWW-Authenticate"), r.header.Get("Strict-Transport-Security"), want)
	}
}
