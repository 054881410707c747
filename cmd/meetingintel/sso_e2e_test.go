package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel/internal/oidctest"
)

var (
	opFormRE        = regexp.MustCompile(`<form[^>]*action="([^"]+)"[^>]*method="post"`)
	consentHiddenRE = regexp.MustCompile(`<input type="hidden" name="(request|csrf|signin)" value="([^"]*)">`)
	consentIDRE     = regexp.MustCompile(`<form method="post" id="consent"`)
	approveBtnRE    = regexp.MustCompile(`name="decision" value="approve"`)
)

// ssoBrowser is a browser: a cookie jar, following redirects except to
// the app's redirect URI (where ChatGPT would take over).
func ssoBrowser(appRedirect string) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), appRedirect) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// pageOf reads an answer whole; t is the test to fail on a transport error.
func pageOf(t *testing.T) func(*http.Response, error) (*http.Response, string) {
	return func(res *http.Response, err error) (*http.Response, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(b)
	}
}

func hiddenFields(body string) url.Values {
	v := url.Values{}
	for _, m := range consentHiddenRE.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], strings.ReplaceAll(m[2], "&amp;", "&"))
	}
	return v
}

// TestChatGPTsFlowWithSingleSignOnNeverShowsAPAT is the "done when"
// for the consent page: dynamic registration, authorize, the single sign-on
// round trip through the provider's own login page, consent, code, token and an
// /mcp call, by a person who has no token, on an instance configured with
// nothing but the provider's ids and secret (PAT_SIGNIN=false).
func TestChatGPTsFlowWithSingleSignOnNeverShowsAPAT(t *testing.T) {
	addr := freeAddr(t)
	base := "http://" + addr
	const tenant = "8f3a2c1e-0000-4000-8000-00000000000a"
	issuer := oidctest.Start(t, oidctest.Config{Shape: "entra", Tenant: tenant,
		Clients: []oidctest.Client{{ClientID: "mi", ClientSecret: "mi-secret", RedirectURIs: []string{base + "/auth/oidc/entra/callback"}}},
		Accounts: map[string]map[string]any{
			"rosa": {"oid": "oid-rosa", "tid": tenant, "preferred_username": "rosa@fernhill.example", "name": "Rosa Diaz"},
		}})
	// The Entra preset with its authority moved to the local provider (as
	// for a national cloud): the instance knows only tenant, id and secret.
	authority := strings.TrimSuffix(issuer, "/"+tenant+"/v2.0")
	s := startServe(t, filepath.Join(t.TempDir(), "mi.db"), map[string]string{
		"ADDR": addr, "ENTRA_AUTHORITY": authority, "ENTRA_TENANT_ID": tenant,
		"ENTRA_CLIENT_ID": "mi", "ENTRA_CLIENT_SECRET": "mi-secret", "PAT_SIGNIN": "false",
	})
	const chatgpt = "https://chatgpt.com/connector_platform_oauth_redirect"
	c := registerClient(t, s.url, "ChatGPT", "client_secret_post", chatgpt)
	verifier, challenge := pkce()
	b := ssoBrowser(chatgpt)
	page := pageOf(t)

	_, body := page(b.Get(authURL(s.url, c, challenge, "chatgpt-state", "", "")))
	ssoButton := regexp.MustCompile(`<button type="submit" name="sso" value="entra"[^>]*>Sign in with Microsoft</button>`)
	if !consentIDRE.MatchString(body) || !ssoButton.MatchString(body) {
		t.Fatalf("the consent page's sign-in step offers no Microsoft button:\n%s", body)
	}
	if strings.Contains(body, `name="token"`) {
		t.Error("the token input is shown with PAT_SIGNIN=false")
	}
	form := hiddenFields(body)
	form.Set("sso", "entra")
	res, body := page(b.PostForm(s.url+"/oauth/authorize", form))
	// Now at the provider's own login page, then its consent page.
	for i := 0; i < 3 && !approveBtnRE.MatchString(body); i++ {
		m := opFormRE.FindStringSubmatch(body)
		if res.StatusCode != 200 || m == nil {
			t.Fatalf("step %d at %s: %d\n%s", i, res.Request.URL, res.StatusCode, body)
		}
		action, _ := res.Request.URL.Parse(m[1])
		f := url.Values{"prompt": {"consent"}}
		if strings.Contains(body, `name="login"`) {
			f = url.Values{"prompt": {"login"}, "login": {"rosa"}, "password": {"x"}}
		}
		res, body = page(b.PostForm(action.String(), f))
	}
	if res.Request.URL.Path != "/oauth/authorize/continue" || !strings.Contains(body, "Signed in as <strong>rosa@fernhill.example</strong>") {
		t.Fatalf("after the round trip: %s %d\n%s", res.Request.URL, res.StatusCode, body)
	}
	if !strings.Contains(body, "ChatGPT") || !strings.Contains(body, "chatgpt.com") {
		t.Error("the consent step lost the request (client name or redirect host)")
	}

	// The round trip is single use and bound to this browser.
	if res, _ := page(b.Get(s.url + "/oauth/authorize/continue")); res.StatusCode != 400 {
		t.Errorf("continuing twice: %d, want 400", res.StatusCode)
	}
	if res, _ := page(ssoBrowser(chatgpt).Get(s.url + "/oauth/authorize/continue")); res.StatusCode != 400 {
		t.Errorf("continuing in another browser: %d, want 400", res.StatusCode)
	}

	form = hiddenFields(body)
	form.Set("decision", "approve")
	req, _ := http.NewRequest("POST", s.url+"/oauth/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.url)
	res, body = page(b.Do(req))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", res.StatusCode, body)
	}
	back, _ := url.Parse(res.Header.Get("Location"))
	code := codeFrom(t, back, "chatgpt-state", s.url)
	tok := tokenRequest(t, s.url, c, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {chatgpt}, "code_verifier": {verifier}})
	if tok.status != 200 || tok.str("access_token") == "" {
		t.Fatalf("token: %d %s", tok.status, tok.body)
	}
	if r := postMCP(t, s.url+"/mcp", tok.str("access_token"), initializeBody); r.status != 200 {
		t.Fatalf("/mcp with the access token: %d %s", r.status, r.body)
	}
	// The person was made just in time and never saw a PAT.
	out := mustOK(t, cli(t, nil, "users", "list", "--db", s.db)).stdout
	if !strings.Contains(out, "rosa@fernhill.example") {
		t.Errorf("users list does not show the new user:\n%s", out)
	}
	if bytes.Contains([]byte(s.log.String()), []byte(code)) {
		t.Error("the authorization code appears in the log")
	}
}
