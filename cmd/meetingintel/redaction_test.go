package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestNoTokenReachesALogLineOrAnErrorBody runs the real server at debug
// level, puts every kind of credential it issues (a PAT, an access token, a
// refresh token, an authorization code, a client secret) in paths and
// queries of real requests across every edge, and fails if any of them
// appears in the server's log or in an answer that is not the one meant to
// carry it.
func TestNoTokenReachesALogLineOrAnErrorBody(t *testing.T) {
	w := newWorld(t, map[string]string{"LOG_LEVEL": "debug"})
	s := w.s
	c := registerClient(t, s.url, "redaction", "client_secret_post", "http://127.0.0.1:9/callback")
	verifier, challenge := pkce()
	back, err := approveConsent(authURL(s.url, c, challenge, "st", "", ""), w.anaPAT)
	if err != nil {
		t.Fatal(err)
	}
	code := codeFrom(t, back, "st", s.url)
	tok := tokenRequest(t, s.url, c, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {c.redirect}, "code_verifier": {verifier}})
	access, refresh := tok.str("access_token"), tok.str("refresh_token")
	if tok.status != http.StatusOK || access == "" || refresh == "" {
		t.Fatalf("token: %d %s", tok.status, tok.body)
	}
	secrets := map[string]string{"PAT": w.anaPAT, "access token": access, "refresh token": refresh,
		"authorization code": code, "client secret": c.secret, "unknown PAT": "mi_pat_" + strings.Repeat("Zx9", 14)}

	// The metadata path clients derive from a /mcp/{token} URL stays a 404.
	for _, name := range []string{"PAT", "access token", "unknown PAT"} {
		r := mustHTTP(t, "GET", s.url+"/.well-known/oauth-protected-resource/mcp/"+secrets[name], nil, "")
		if r.status != http.StatusNotFound {
			t.Errorf("metadata under /mcp/{%s}: %d, want 404", name, r.status)
		}
	}

	type answer struct{ what, text string } // what names the request without the secret
	var answers []answer
	for name, v := range secrets {
		q := url.Values{"token": {v}, "access_token": {v}, "code": {v}}.Encode()
		for _, p := range []string{
			"/.well-known/oauth-protected-resource/mcp/" + v,
			"/.well-known/oauth-protected-resource/" + v,
			"/.well-known/oauth-authorization-server/" + v,
			"/mcp/" + v,
			"/sse/" + v,
			"/api/meetings/" + v,
			"/api/" + v,
			"/oauth/" + v,
			"/oauth/static/" + v,
			"/meetings/" + v,
			"/static/" + v,
			"/" + v,
			"/nowhere/" + v + "/deeper",
			"/mcp?" + q,
			"/api/meetings?" + q,
			"/oauth/authorize?" + q,
			"/?" + q,
		} {
			for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
				r := mustHTTP(t, m, s.url+p, mcpHeader, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
				what := m + " " + strings.ReplaceAll(p, v, "{"+name+"}")
				answers = append(answers, answer{what, r.body})
				for k, vals := range r.header {
					answers = append(answers, answer{what + " header " + k, strings.Join(vals, ", ")})
				}
			}
		}
		// Credentials where they belong, but refused: the answer must not echo them.
		answers = append(answers,
			answer{"Bearer {" + name + "}x on /mcp", postMCP(t, s.url+"/mcp", v+"x", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`).body},
			answer{"refresh with {" + name + "}x", tokenRequest(t, s.url, c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {v + "x"}}).body},
			answer{"code {" + name + "}x", tokenRequest(t, s.url, c, url.Values{"grant_type": {"authorization_code"}, "code": {v + "x"},
				"redirect_uri": {c.redirect}, "code_verifier": {verifier}}).body},
			answer{"revoke {" + name + "}x", mustHTTP(t, "POST", s.url+"/oauth/revoke", formHeader, url.Values{"token": {v + "x"}, "client_id": {c.id}}.Encode()).body},
			answer{"sign in with {" + name + "}x", mustHTTP(t, "POST", s.url+"/signin", formHeader, url.Values{"token": {v + "x"}}.Encode()).body},
		)
	}
	s.stop()

	log := s.log.String()
	for name, v := range secrets {
		if strings.Contains(log, v) {
			i := strings.Index(log, v)
			t.Errorf("the %s appears in the log: ...%s...", name, log[max(0, i-300):min(len(log), i+len(v)+40)])
		}
		for _, a := range answers {
			if strings.Contains(a.text, v) {
				t.Errorf("the %s appears in the answer to %s: %.300s", name, a.what, a.text)
			}
		}
	}
}
