package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/web"
)

func id(n int64) string { return strconv.FormatInt(n, 10) }

func TestSignIn(t *testing.T) {
	e := newEnv(t)
	revoked, tok, err := e.DB.CreateToken(context.Background(), e.Daniel.ID, "old")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.DB.RevokeToken(context.Background(), tok.ID); err != nil {
		t.Fatal(err)
	}
	leaver := &meetingintel.User{Email: "leaver@fernhill.example"}
	e.DB.CreateUser(context.Background(), leaver)
	leaverTok, _, _ := e.DB.CreateToken(context.Background(), leaver.ID, "")
	e.DB.SetUserActive(context.Background(), leaver.ID, false)

	tests := []struct {
		name     string
		form     url.Values
		headers  []string
		status   int
		location string
		message  string
	}{
		{"a valid token signs in and goes to the meetings list", url.Values{"token": {e.PriyaTok}}, nil, 303, "/meetings", ""},
		{"a valid token with a local next goes there", url.Values{"token": {e.PriyaTok}, "next": {"/actions?status=all"}}, nil, 303, "/actions?status=all", ""},
		{"a next on another site is ignored", url.Values{"token": {e.PriyaTok}, "next": {"//evil.example/x"}}, nil, 303, "/meetings", ""},
		{"a next with a backslash trick is ignored", url.Values{"token": {e.PriyaTok}, "next": {"/\\evil.example"}}, nil, 303, "/meetings", ""},
		{"a next with a tab trick is ignored", url.Values{"token": {e.PriyaTok}, "next": {"/\t/evil.example"}}, nil, 303, "/meetings", ""},
		{"a next with a leading tab trick is ignored", url.Values{"token": {e.PriyaTok}, "next": {"\t//evil.example"}}, nil, 303, "/meetings", ""},
		{"an empty token asks for one", url.Values{"token": {"  "}}, nil, 400, "", "Enter your personal access token."},
		{"a wrong token is refused", url.Values{"token": {"mi_pat_nope"}}, nil, 401, "", "That token is not valid."},
		{"a revoked token is refused", url.Values{"token": {revoked}}, nil, 401, "", "That token is not valid."},
		{"a deactivated user's token is refused", url.Values{"token": {leaverTok}}, nil, 401, "", "That token is not valid."},
		{"a sign-in posted from another site is refused", url.Values{"token": {e.PriyaTok}}, []string{"Origin", "https://evil.example"}, 403, "", "sign-in page"},
		{"a sign-in marked cross-site is refused", url.Values{"token": {e.PriyaTok}}, []string{"Sec-Fetch-Site", "cross-site"}, 403, "", "sign-in page"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := e.client()
			res, body := c.post("/signin", tc.form, tc.headers...)
			wantStatus(t, "POST /signin", res, tc.status)
			if tc.location != "" && res.Header.Get("Location") != tc.location {
				t.Errorf("Location = %q, want %q", res.Header.Get("Location"), tc.location)
			}
			if tc.message != "" {
				wantBody(t, "sign-in page", body, tc.message)
			}
			var ck *http.Cookie
			for _, k := range res.Cookies() {
				if k.Name == "mi_session" {
					ck = k
				}
			}
			if tc.status != 303 {
				if ck != nil {
					t.Error("a failed sign-in set a session cookie")
				}
				return
			}
			if ck == nil {
				t.Fatal("no mi_session cookie")
			}
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
				t.Errorf("cookie = %+v; want HttpOnly, SameSite=Lax, Path=/, not Secure on http", ck)
			}
			res, _ = c.get("/meetings")
			wantStatus(t, "GET /meetings after sign-in", res, 200)
		})
	}
}

func TestHTTPSUsesSecureHostCookie(t *testing.T) {
	base := newEnv(t)
	base.publicS = "https://mi.example.com"
	base.stop()
	base.start()
	res, _ := base.client().post("/signin", url.Values{"token": {base.PriyaTok}}, "Origin", "https://mi.example.com")
	wantStatus(t, "sign-in", res, 303)
	cks := res.Cookies()
	if len(cks) != 1 || cks[0].Name != "__Host-mi_session" || !cks[0].Secure || !cks[0].HttpOnly || cks[0].Path != "/" || cks[0].Domain != "" {
		t.Errorf("cookies = %+v; want one Secure, HttpOnly, host-only __Host-mi_session with Path=/", cks)
	}
}

func TestVisitorsWithoutSessionGoToSignIn(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for _, tc := range []struct{ path, want string }{
		{"/", "/signin"},
		{"/meetings", "/signin?next=%2Fmeetings"},
		{"/meetings/3?t=5#x", "/signin?next=%2Fmeetings%2F3%3Ft%3D5"},
		{"/admin", "/signin?next=%2Fadmin"},
	} {
		res, _ := c.get(tc.path)
		wantStatus(t, tc.path, res, 303)
		if got := res.Header.Get("Location"); got != tc.want {
			t.Errorf("%s redirects to %q, want %q", tc.path, got, tc.want)
		}
	}
	res, body := c.get("/signin")
	wantStatus(t, "/signin", res, 200)
	wantBody(t, "/signin", body, `<form method="post" action="/signin"`, `name="token"`)
	s := e.signedIn(e.PriyaTok)
	res, _ = s.get("/")
	if res.Header.Get("Location") != "/meetings" {
		t.Errorf("/ with a session redirects to %q, want /meetings", res.Header.Get("Location"))
	}
}

func TestNextAndBackParametersNeverLeaveTheSite(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.AdminTok)
	a := &meetingintel.Action{Text: "Redirect probe", Owner: "Zed Quill"}
	if err := e.DB.CreateAction(as(e.Admin), a); err != nil {
		t.Fatal(err)
	}
	// Browsers drop tabs and newlines from a Location, so each of these
	// would become //evil.example: another site.
	for _, tc := range []struct{ name, target string }{
		{"a tab between the slashes", "/\t/evil.example"},
		{"a newline between the slashes", "/\n/evil.example"},
		{"a carriage return between the slashes", "/\r/evil.example"},
		{"a backslash after a slash", "/\\evil.example"},
	} {
		t.Run("signed-in sign-in page with "+tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, e.URL+"/signin?next="+url.QueryEscape(tc.target), nil)
			res, err := c.hc.Do(req)
			if err != nil {
				t.Fatalf("GET /signin: %v", err)
			}
			res.Body.Close()
			if got := res.Header.Get("Location"); got != "/meetings" {
				t.Errorf("Location = %q, want /meetings", got)
			}
		})
		t.Run("action status change with "+tc.name, func(t *testing.T) {
			form := url.Values{"status": {"Open"}, "back": {tc.target}, "csrf": {c.csrf}}
			req, _ := http.NewRequest(http.MethodPost, e.URL+"/actions/"+id(a.ID)+"/status", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", e.URL)
			res, err := c.hc.Do(req)
			if err != nil {
				t.Fatalf("POST status: %v", err)
			}
			res.Body.Close()
			if got := res.Header.Get("Location"); got != "/actions" {
				t.Errorf("Location = %q, want /actions", got)
			}
		})
	}
}

func TestSigningInReplacesAnySessionTheBrowserAlreadyHad(t *testing.T) {
	e := newEnv(t)
	u, _ := url.Parse(e.URL)
	for _, tc := range []struct{ name, first string }{
		{"a session of another user planted in the browser", e.DanielTok},
		{"the same user's earlier session", e.PriyaTok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.signedIn(tc.first)
			planted := c.hc.Jar.Cookies(u)
			res, _ := c.post("/signin", url.Values{"token": {e.PriyaTok}})
			wantStatus(t, "second sign-in", res, 303)
			now := c.hc.Jar.Cookies(u)
			if len(planted) != 1 || len(now) != 1 || planted[0].Value == now[0].Value {
				t.Fatalf("the session cookie was not replaced at sign-in: before %v, after %v", planted, now)
			}
			old := e.client()
			old.hc.Jar.SetCookies(u, planted)
			res, _ = old.get("/meetings")
			wantStatus(t, "the cookie from before the sign-in", res, 303)
		})
	}
}

func TestSignOutEndsTheSession(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.PriyaTok)
	res, _ := c.post("/signout", url.Values{})
	wantStatus(t, "sign-out without the CSRF token", res, 403)
	res, _ = c.get("/meetings")
	wantStatus(t, "still signed in after a refused sign-out", res, 200)

	u, _ := url.Parse(e.URL)
	old := c.hc.Jar.Cookies(u)
	res, _ = c.postCSRF("/signout", nil)
	wantStatus(t, "sign-out", res, 303)
	if res.Header.Get("Location") != "/signin" {
		t.Errorf("sign-out goes to %q", res.Header.Get("Location"))
	}
	res, _ = c.get("/meetings")
	wantStatus(t, "after sign-out", res, 303)
	// The old cookie, replayed, no longer works: the session is gone server-side.
	replay := e.client()
	replay.hc.Jar.SetCookies(u, old)
	res, _ = replay.get("/meetings")
	wantStatus(t, "replaying the signed-out cookie", res, 303)
}

func TestSignOutEverywhereEndsEveryBrowsersSession(t *testing.T) {
	e := newEnv(t)
	laptop, phone := e.signedIn(e.PriyaTok), e.signedIn(e.PriyaTok)
	res, _ := laptop.post("/signout/everywhere", url.Values{})
	wantStatus(t, "sign-out everywhere without the CSRF token", res, 403)
	res, _ = phone.get("/meetings")
	wantStatus(t, "the phone after a refused sign-out everywhere", res, 200)
	res, _ = laptop.postCSRF("/signout/everywhere", nil)
	wantStatus(t, "sign-out everywhere", res, 303)
	for name, c := range map[string]*client{"laptop": laptop, "phone": phone} {
		res, _ = c.get("/meetings")
		wantStatus(t, name+" after sign-out everywhere", res, 303)
	}
}

func TestRevokingThePATThatSignedInEndsTheSession(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.PriyaTok)
	res, _ := c.get("/meetings")
	wantStatus(t, "signed in", res, 200)
	_, tok, err := e.DB.AuthenticateToken(context.Background(), e.PriyaTok)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.DB.RevokeToken(context.Background(), tok.ID); err != nil {
		t.Fatal(err)
	}
	res, _ = c.get("/meetings")
	wantStatus(t, "after the token that signed in was revoked", res, 303)
}

func TestSessionsSurviveARestart(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.PriyaTok)
	u, _ := url.Parse(e.URL)
	cks := c.hc.Jar.Cookies(u)
	e.restart()
	c2 := e.client() // the new server listens on another port; cookies ignore ports
	u2, _ := url.Parse(e.URL)
	c2.hc.Jar.SetCookies(u2, cks)
	res, body := c2.get("/meetings")
	wantStatus(t, "the session after a restart", res, 200)
	wantBody(t, "meetings page", body, "Priya Natarajan")
}

func TestSessionsExpireAndEndWithTheirUser(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.PriyaTok)
	e.clock.Advance(web.SessionIdle - time.Minute)
	res, _ := c.get("/meetings")
	wantStatus(t, "just before the idle limit", res, 200) // and the use moves the expiry
	e.clock.Advance(web.SessionIdle - time.Minute)
	res, _ = c.get("/meetings")
	wantStatus(t, "a session in use stays alive", res, 200)
	e.clock.Advance(web.SessionIdle + time.Minute)
	res, _ = c.get("/meetings")
	wantStatus(t, "after a week idle", res, 303)

	// However busy, a session ends SessionMaxAge after sign-in.
	p := e.signedIn(e.PriyaTok)
	for used := time.Duration(0); used+6*24*time.Hour < web.SessionMaxAge; used += 6 * 24 * time.Hour {
		e.clock.Advance(6 * 24 * time.Hour)
		res, _ = p.get("/meetings")
		wantStatus(t, "a session used every six days", res, 200)
	}
	e.clock.Advance(6 * 24 * time.Hour)
	res, _ = p.get("/meetings")
	wantStatus(t, "a session past its maximum age", res, 303)

	d := e.signedIn(e.DanielTok)
	if err := e.DB.SetUserActive(context.Background(), e.Daniel.ID, false); err != nil {
		t.Fatal(err)
	}
	res, _ = d.get("/meetings")
	wantStatus(t, "a deactivated user's session", res, 303)
	if u, _ := e.Web.SessionUser(mustReq(t, e, d)); u != nil {
		t.Error("SessionUser returns a deactivated user")
	}
}

func mustReq(t *testing.T, e *env, c *client) *http.Request {
	r, _ := http.NewRequest("GET", e.URL+"/", nil)
	u, _ := url.Parse(e.URL)
	for _, k := range c.hc.Jar.Cookies(u) {
		r.AddCookie(k)
	}
	return r
}

func TestSessionUserAndAPISession(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.PriyaTok)
	r := mustReq(t, e, c)
	u, sid := e.Web.SessionUser(r)
	if u == nil || u.ID != e.Priya.ID || sid == "" {
		t.Fatalf("SessionUser = %v, %q", u, sid)
	}
	au, csrf, ok := e.Web.APISession(r)
	if !ok || au.ID != e.Priya.ID || csrf != c.csrf {
		t.Errorf("APISession = %v, %q, %v; want Priya and the pages' CSRF token", au, csrf, ok)
	}
	if u, _, ok := e.Web.APISession(mustReq(t, e, e.client())); ok || u != nil {
		t.Error("APISession without a cookie reports a session")
	}
	for _, tc := range []struct {
		name    string
		headers map[string]string
		want    bool
	}{
		{"no origin headers (old browsers, scripts)", nil, true},
		{"same-origin fetch metadata", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": e.URL}, true},
		{"cross-site fetch metadata", map[string]string{"Sec-Fetch-Site": "cross-site"}, false},
		{"same-site (a sibling subdomain)", map[string]string{"Sec-Fetch-Site": "same-site"}, false},
		{"a foreign Origin", map[string]string{"Origin": "https://evil.example"}, false},
		{"an opaque Origin", map[string]string{"Origin": "null"}, false},
	} {
		r, _ := http.NewRequest("POST", e.URL+"/api/x", nil)
		for k, v := range tc.headers {
			r.Header.Set(k, v)
		}
		if got := e.Web.SameOrigin(r); got != tc.want {
			t.Errorf("SameOrigin with %s = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestWritesNeedCSRFAndSameOrigin posts to every form endpoint without the
// session's CSRF token, with another session's, and from another site.
func TestWritesNeedCSRFAndSameOrigin(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.AdminTok)
	other := e.signedIn(e.PriyaTok)
	m := e.meetingByTitle("Pricing page redesign")
	acts, _, _ := e.DB.FindActions(as(e.Admin), meetingintel.ActionFilter{MeetingID: &m.ID, Limit: 1})
	decs, _, _ := e.DB.FindDecisions(as(e.Admin), meetingintel.DecisionFilter{MeetingID: &m.ID, Limit: 1})
	grant := makeGrant(t, e, e.Admin)
	tok, _ := e.DB.FindTokens(context.Background(), e.Admin.ID)
	posts := []struct {
		path string
		form url.Values
	}{
		{"/meetings/" + id(m.ID) + "/edit", url.Values{"title": {"Hijacked"}, "date": {"2026-01-01T10:00"}, "visibility": {"team"}}},
		{"/meetings/" + id(m.ID) + "/delete", url.Values{"confirm": {"yes"}}},
		{"/meetings/" + id(m.ID) + "/decisions", url.Values{"text": {"Hijacked"}}},
		{"/actions", url.Values{"text": {"Hijacked"}}},
		{"/actions/" + id(acts[0].ID) + "/edit", url.Values{"text": {"Hijacked"}, "status": {"Open"}}},
		{"/actions/" + id(acts[0].ID) + "/status", url.Values{"status": {"Parked"}}},
		{"/actions/" + id(acts[0].ID) + "/delete", nil},
		{"/decisions/" + id(decs[0].ID) + "/delete", nil},
		{"/import", url.Values{"title": {"Hijacked"}}},
		{"/connect/tokens", url.Values{"label": {"Hijacked"}}},
		{"/connect/tokens/" + id(tok[0].ID) + "/revoke", nil},
		{"/apps/" + id(grant.ID) + "/disconnect", nil},
		{"/admin/users", url.Values{"email": {"hijack@evil.example"}}},
		{"/admin/users/" + id(e.Priya.ID) + "/active", url.Values{"active": {"false"}}},
		{"/signout", nil},
	}
	for _, p := range posts {
		for _, tc := range []struct {
			name    string
			csrf    string
			headers []string
		}{
			{"without a CSRF token", "", nil},
			{"with a wrong CSRF token", "AAAA", nil},
			{"with another session's CSRF token", other.csrf, nil},
			{"from another site", c.csrf, []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}},
			{"from a sibling site", c.csrf, []string{"Origin", "", "Sec-Fetch-Site", "same-site"}},
		} {
			form := url.Values{}
			for k, v := range p.form {
				form[k] = v
			}
			if tc.csrf != "" {
				form.Set("csrf", tc.csrf)
			}
			res, body := c.post(p.path, form, tc.headers...)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s %s: status %d, want 403", p.path, tc.name, res.StatusCode)
			}
			wantBody(t, "refusal page", body, "Request refused")
		}
	}
	// Nothing changed.
	if got, err := e.DB.FindMeetingByID(as(e.Admin), m.ID); err != nil || got.Title != m.Title {
		t.Errorf("the meeting changed: %v, %v", got, err)
	}
	if u, _ := e.DB.FindUserByID(context.Background(), e.Priya.ID); !u.Active {
		t.Error("Priya was deactivated")
	}
	if _, err := e.DB.FindUserByEmail(context.Background(), "hijack@evil.example"); err == nil {
		t.Error("a user was added")
	}
	if g, _ := e.DB.FindOAuthGrant(context.Background(), grant.ID); g.RevokedAt != nil {
		t.Error("the grant was revoked")
	}
	// The same requests with the right token go through (one example).
	res, _ := c.postCSRF("/actions/"+id(acts[0].ID)+"/status", url.Values{"status": {"Parked"}})
	wantStatus(t, "status change with the CSRF token", res, 303)
	req, _ := http.NewRequest("POST", e.URL+"/actions/"+id(acts[0].ID)+"/status", strings.NewReader("status=Open"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", c.csrf)
	res, _ = c.do(req)
	wantStatus(t, "status change with the X-CSRF-Token header", res, 303)
}

// makeGrant gives u a connected app, as the OAuth flow would.
func makeGrant(t *testing.T, e *env, u *meetingintel.User) *meetingintel.OAuthGrant {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	cid := "mi_client_" + strconv.FormatInt(u.ID, 10) + strconv.FormatInt(now.UnixNano(), 36)
	if err := e.DB.CreateOAuthClient(ctx, &meetingintel.OAuthClient{ID: cid, Name: `Claude <b>"desk"</b>`, RedirectURIs: []string{"https://claude.ai/api/mcp/auth_callback"},
		GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}, AuthMethod: "none", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	code := meetingintel.HashToken(cid + "code")
	if err := e.DB.CreateOAuthCode(ctx, &meetingintel.OAuthCode{Hash: code, ClientID: cid, UserID: u.ID, Scopes: []string{"meetings:read"},
		Resource: e.URL + "/mcp", CodeChallenge: "x", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	g := &meetingintel.OAuthGrant{UserID: u.ID, ClientID: cid, Scopes: []string{"meetings:read"}, Resource: e.URL + "/mcp", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := e.DB.RedeemOAuthCode(ctx, code, now, g, nil); err != nil {
		t.Fatal(err)
	}
	return g
}

var (
	inlineScript = regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>`)
	styleAttr    = regexp.MustCompile(`(?i)\sstyle\s*=`)
	styleTag     = regexp.MustCompile(`(?i)<style[\s>]`)
	eventAttr    = regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`)
)

// TestEveryAnswerCarriesSecurityHeaders checks pages, redirects, errors and
// static files, and that no page has inline script, style or handlers.
func TestEveryAnswerCarriesSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	admin := e.signedIn(e.AdminTok)
	makeGrant(t, e, e.Admin)
	m := e.meetingByTitle("Pricing page redesign")
	acts, _, _ := e.DB.FindActions(as(e.Admin), meetingintel.ActionFilter{MeetingID: &m.ID, Limit: 1})
	decs, _, _ := e.DB.FindDecisions(as(e.Admin), meetingintel.DecisionFilter{MeetingID: &m.ID, Limit: 1})
	paths := []struct {
		c      *client
		path   string
		status int
	}{
		{e.client(), "/", 303},
		{e.client(), "/signin", 200},
		{e.client(), "/meetings", 303},
		{admin, "/meetings", 200},
		{admin, "/meetings?q=pricing", 200},
		{admin, "/meetings?from=nope", 400},
		{admin, "/meetings/" + id(m.ID), 200},
		{admin, "/meetings/" + id(m.ID) + "/edit", 200},
		{admin, "/meetings/" + id(m.ID) + "/delete", 200},
		{admin, "/meetings/999999", 404},
		{admin, "/actions", 200},
		{admin, "/actions?status=all&due=overdue", 200},
		{admin, "/actions/new", 200},
		{admin, "/actions/" + id(acts[0].ID) + "/edit", 200},
		{admin, "/decisions", 200},
		{admin, "/decisions/" + id(decs[0].ID), 200},
		{admin, "/import", 200},
		{admin, "/connect", 200},
		{admin, "/apps", 200},
		{admin, "/admin", 200},
		{admin, "/static/app.css", 200},
		{admin, "/static/app.js", 200},
		{admin, "/static/icon.svg", 200},
		{admin, "/static/nope.css", 404},
		{admin, "/favicon.ico", 200},
	}
	for _, p := range paths {
		res, body := p.c.get(p.path)
		wantStatus(t, p.path, res, p.status)
		h := res.Header
		if got := h.Get("Content-Security-Policy"); got != web.CSP {
			t.Errorf("%s: CSP %q", p.path, got)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", p.path, k, h.Get(k), v)
			}
		}
		if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			if h.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: a page may be cached: Cache-Control %q", p.path, h.Get("Cache-Control"))
			}
			for _, s := range inlineScript.FindAllString(body, -1) {
				if !strings.Contains(s, "src=") {
					t.Errorf("%s: inline script %q", p.path, s)
				}
			}
			for what, re := range map[string]*regexp.Regexp{"a style attribute": styleAttr, "a style element": styleTag, "an event handler attribute": eventAttr} {
				if loc := re.FindStringIndex(body); loc != nil {
					t.Errorf("%s: %s: %q", p.path, what, body[max(loc[0]-40, 0):min(loc[1]+40, len(body))])
				}
			}
		}
	}
	res, _ := admin.get("/favicon.ico")
	if res.Header.Get("Content-Type") != "image/x-icon" {
		t.Errorf("favicon Content-Type %q", res.Header.Get("Content-Type"))
	}
}

func TestUserContentIsEscapedEverywhere(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.PriyaTok)
	x := `<script>alert(1)</script>"><img src=x onerror=alert(2)>`
	m := &meetingintel.Meeting{Title: "Xss " + x, Date: time.Now().UTC(), Visibility: meetingintel.VisibilityTeam,
		Attendees: []meetingintel.Attendee{{Name: "Eve " + x, Email: "eve@evil.example"}}, Tags: []string{"tag<script>"},
		Source: "Src<script>", Summary: "plain"}
	segs := []meetingintel.Segment{{Speaker: "Mallory " + x, StartMS: 0, EndMS: 1000, Text: "payload zebracorn " + x}}
	if err := e.DB.CreateMeeting(as(e.Priya), m, segs); err != nil {
		t.Fatal(err)
	}
	a := &meetingintel.Action{MeetingID: &m.ID, Text: "Act " + x, Owner: "Own " + x, Notes: "Note " + x}
	if err := e.DB.CreateAction(as(e.Priya), a); err != nil {
		t.Fatal(err)
	}
	d := &meetingintel.Decision{MeetingID: m.ID, Text: "Dec " + x, Context: "Ctx " + x}
	if err := e.DB.CreateDecision(as(e.Priya), d); err != nil {
		t.Fatal(err)
	}
	makeGrant(t, e, e.Priya)
	if _, _, err := e.DB.CreateToken(context.Background(), e.Priya.ID, "Label "+x); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/meetings", "/meetings?q=zebracorn", "/meetings/" + id(m.ID), "/meetings/" + id(m.ID) + "/edit",
		"/meetings/" + id(m.ID) + "/delete", "/actions", "/actions/" + id(a.ID) + "/edit", "/decisions", "/decisions/" + id(d.ID),
		"/connect", "/apps", "/meetings?attendee=" + url.QueryEscape(x)} {
		res, body := c.get(p)
		wantStatus(t, p, res, 200)
		wantNotBody(t, p, body, "<script>alert", "<img src=x", "<b>\"desk\"</b>", "tag<script>")
		if !strings.Contains(body, "&lt;") {
			t.Errorf("%s: no escaped content at all; was the payload shown?", p)
		}
	}
}

func TestMarkdownIsSanitised(t *testing.T) {
	tests := []struct {
		name, src string
		forbid    []string
		want      []string
	}{
		{"a script element is dropped", "Hi <script>alert(1)</script>", []string{"<script"}, []string{"Hi"}},
		{"an event handler in raw HTML is dropped", `<img src=x onerror="alert(1)">`, []string{"onerror", "<img src=x"}, nil},
		{"a javascript: link loses its target", "[click](javascript:alert(1))", []string{"javascript:"}, []string{">click</a>"}},
		{"a mixed-case javascript: link loses its target", "[click](JaVaScRiPt:alert(1))", []string{"avascript:", "AvAsCrIpT"}, nil},
		{"an entity-encoded javascript: link loses its target", "[click](&#106;avascript:alert(1))", []string{"avascript:alert"}, nil},
		{"a raw HTML javascript: link is dropped", `<a href="javascript:alert(1)">x</a>`, []string{"javascript:", "<a href"}, nil},
		{"a vbscript: link loses its target", "[x](vbscript:msgbox(1))", []string{"vbscript:"}, nil},
		{"a data:text/html link loses its target", "[x](data:text/html;base64,PHNjcmlwdD4=)", []string{"data:text/html"}, nil},
		{"an autolink to javascript: is not a link", "<javascript:alert(1)>", []string{`href="javascript:`}, nil},
		{"an iframe is dropped", `<iframe src="https://evil.example"></iframe>`, []string{"<iframe"}, nil},
		{"an svg with onload is dropped", `<svg onload=alert(1)>`, []string{"onload", "<svg"}, nil},
		{"attribute syntax is not parsed", "# Title {onclick=alert(1)}", []string{"onclick=\""}, nil},
		{"a javascript: image loses its source", "![x](javascript:alert(1))", []string{"javascript:"}, nil},
		{"ordinary markdown renders", "**Bold** and [docs](https://docs.example/a?b=1&c=2)\n\n- one\n- two",
			nil, []string{"<strong>Bold</strong>", `<a href="https://docs.example/a?b=1&amp;c=2">docs</a>`, "<li>one</li>"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := string(web.Markdown(tc.src))
			for _, f := range tc.forbid {
				if strings.Contains(out, f) {
					t.Errorf("Markdown(%q) = %q, contains %q", tc.src, out, f)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("Markdown(%q) = %q, lacks %q", tc.src, out, w)
				}
			}
		})
	}
}

func TestSnippetMarksMatchesAndEscapes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"we **decided** on <b>pricing</b>", "we <mark>decided</mark> on &lt;b&gt;pricing&lt;/b&gt;"},
		{"**<script>**", "<mark>&lt;script&gt;</mark>"},
		{"odd ** marker", "odd ** marker"},
	} {
		if got := string(web.Snippet(tc.in)); got != tc.want {
			t.Errorf("Snippet(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestInvisibleThingsAreNotFound: a member who does not attend a private
// meeting gets 404 for it and everything linked to it, as if it did not
// exist, and never sees it listed.
func TestInvisibleThingsAreNotFound(t *testing.T) {
	e := newEnv(t)
	daniel := e.signedIn(e.DanielTok)
	m := e.meetingByTitle("Hiring debrief: senior frontend engineer")
	acts, _, _ := e.DB.FindActions(as(e.Admin), meetingintel.ActionFilter{MeetingID: &m.ID, Limit: 1})
	decs, _, _ := e.DB.FindDecisions(as(e.Admin), meetingintel.DecisionFilter{MeetingID: &m.ID, Limit: 1})
	for _, p := range []string{"/meetings/" + id(m.ID), "/meetings/" + id(m.ID) + "/edit", "/meetings/" + id(m.ID) + "/delete",
		"/actions/" + id(acts[0].ID) + "/edit", "/decisions/" + id(decs[0].ID), "/actions/new?meeting=" + id(m.ID),
		"/meetings/abc", "/meetings/0", "/meetings/-1", "/admin"} {
		res, body := daniel.get(p)
		wantStatus(t, "GET "+p, res, 404)
		wantNotBody(t, p, body, m.Title)
	}
	for _, p := range []struct {
		path string
		form url.Values
	}{
		{"/meetings/" + id(m.ID) + "/edit", url.Values{"title": {"Mine now"}, "date": {"2026-01-01T10:00"}, "visibility": {"team"}}},
		{"/meetings/" + id(m.ID) + "/delete", url.Values{"confirm": {"yes"}}},
		{"/meetings/" + id(m.ID) + "/decisions", url.Values{"text": {"x"}}},
		{"/actions/" + id(acts[0].ID) + "/status", url.Values{"status": {"Complete"}}},
		{"/actions/" + id(acts[0].ID) + "/delete", nil},
		{"/decisions/" + id(decs[0].ID) + "/delete", nil},
		{"/admin/users", url.Values{"email": {"x@fernhill.example"}}},
	} {
		res, _ := daniel.postCSRF(p.path, p.form)
		wantStatus(t, "POST "+p.path, res, 404)
	}
	for _, p := range []string{"/meetings", "/meetings?q=" + url.QueryEscape("frontend engineer hiring debrief candidate"), "/actions?status=all", "/decisions"} {
		_, body := daniel.get(p)
		wantNotBody(t, p, body, m.Title, "/meetings/"+id(m.ID)+`"`)
	}
	if got, err := e.DB.FindMeetingByID(as(e.Admin), m.ID); err != nil || got.Title != m.Title {
		t.Errorf("the private meeting changed: %v %v", got, err)
	}
	// Priya attends it and sees it.
	res, _ := e.signedIn(e.PriyaTok).get("/meetings/" + id(m.ID))
	wantStatus(t, "an attendee opens the private meeting", res, 200)
}

func TestOthersTokensAndAppsAreNotFound(t *testing.T) {
	e := newEnv(t)
	priya := e.signedIn(e.PriyaTok)
	g := makeGrant(t, e, e.Daniel)
	toks, _ := e.DB.FindTokens(context.Background(), e.Daniel.ID)
	res, _ := priya.postCSRF("/connect/tokens/"+id(toks[0].ID)+"/revoke", nil)
	wantStatus(t, "revoking another user's token", res, 404)
	res, _ = priya.postCSRF("/apps/"+id(g.ID)+"/disconnect", nil)
	wantStatus(t, "disconnecting another user's app", res, 404)
	if _, _, err := e.DB.AuthenticateToken(context.Background(), e.DanielTok); err != nil {
		t.Errorf("Daniel's token stopped working: %v", err)
	}
	if got, _ := e.DB.FindOAuthGrant(context.Background(), g.ID); got.RevokedAt != nil {
		t.Error("Daniel's app was disconnected")
	}
	_, body := priya.get("/apps")
	wantNotBody(t, "Priya's apps", body, "Claude &lt;b&gt;")
}

// multipartImport builds an import form.
func multipartImport(t *testing.T, csrf string, fields map[string]string, filename, content string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", csrf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if filename != "" {
		fw, _ := mw.CreateFormFile("file", filename)
		fw.Write([]byte(content))
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

func (c *client) postMultipart(path, ctype string, body *bytes.Buffer) (*http.Response, string) {
	req, _ := http.NewRequest("POST", c.e.URL+path, body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Origin", c.e.URL)
	return c.do(req)
}

const goodVTT = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Priya Natarajan>Let's choose the courier by Friday.\n\n00:00:04.500 --> 00:00:08.000\n<v Tom Becker>I'll send the comparison.\n"

// TestFormsShowValidationErrors posts bad input to every form and expects
// the form back with a 400, the user's message, and what they typed.
func TestFormsShowValidationErrors(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.AdminTok)
	m := e.meetingByTitle("Pricing page redesign")
	acts, _, _ := e.DB.FindActions(as(e.Admin), meetingintel.ActionFilter{MeetingID: &m.ID, Limit: 1})
	edit := func(over map[string]string) url.Values {
		v := url.Values{"title": {"Kept title"}, "date": {"2026-03-04T14:00"}, "duration": {"30"}, "visibility": {"team"},
			"attendees": {"Ann <ann@fernhill.example>"}, "tags": {"a, b"}, "summary": {"typed summary"}}
		for k, s := range over {
			v.Set(k, s)
		}
		return v
	}
	action := func(over map[string]string) url.Values {
		v := url.Values{"text": {"Typed action"}, "owner": {"Ann"}, "due": {"2026-04-01"}, "status": {"Open"}}
		for k, s := range over {
			v.Set(k, s)
		}
		return v
	}
	tests := []struct {
		name, path string
		form       url.Values
		message    string
		kept       string
	}{
		{"a meeting needs a title", "/meetings/" + id(m.ID) + "/edit", edit(map[string]string{"title": " "}), "Meeting title is required.", "typed summary"},
		{"a meeting needs a date", "/meetings/" + id(m.ID) + "/edit", edit(map[string]string{"date": ""}), "Meeting date is required.", "Kept title"},
		{"a meeting date must be a date", "/meetings/" + id(m.ID) + "/edit", edit(map[string]string{"date": "tuesday"}), "is not a date and time", "Kept title"},
		{"a duration is whole minutes", "/meetings/" + id(m.ID) + "/edit", edit(map[string]string{"duration": "-5"}), "Duration must be a whole number of minutes.", "Kept title"},
		{"an attendee email must be an address", "/meetings/" + id(m.ID) + "/edit", edit(map[string]string{"attendees": "Bob <bob@@x>"}), "is not a valid email address", "Bob &lt;bob@@x&gt;"},
		{"visibility is team or private", "/meetings/" + id(m.ID) + "/edit", edit(map[string]string{"visibility": "public"}), "Visibility must be", "Kept title"},
		{"a title has a length limit", "/meetings/" + id(m.ID) + "/edit", edit(map[string]string{"title": strings.Repeat("t", 301)}), "longer than 300", "typed summary"},
		{"a tag has a length limit", "/meetings/" + id(m.ID) + "/edit", edit(map[string]string{"tags": strings.Repeat("g", 51)}), "is longer than 50", "Kept title"},
		{"an action needs text", "/actions", action(map[string]string{"text": ""}), "Action text is required.", "Ann"},
		{"an action due date must be a date", "/actions", action(map[string]string{"due": "soon"}), "is not a date like", "Typed action"},
		{"an action status must be known", "/actions", action(map[string]string{"status": "Done"}), "Status must be Open, Complete or Parked", "Typed action"},
		{"an action's meeting must be a number", "/actions", action(map[string]string{"meeting_id": "abc"}), "is not a meeting id", "Typed action"},
		{"an action's meeting must exist", "/actions", action(map[string]string{"meeting_id": "999999"}), "does not exist or is not shared with you", "Typed action"},
		{"an edited action needs text", "/actions/" + id(acts[0].ID) + "/edit", action(map[string]string{"text": " "}), "Action text is required.", "Ann"},
		{"a decision needs text", "/meetings/" + id(m.ID) + "/decisions", url.Values{"text": {" "}, "context": {"typed context"}}, "Decision text is required.", "typed context"},
		{"a new user needs a valid email", "/admin/users", url.Values{"email": {"not-an-email"}, "name": {"Typed Name"}}, "is not a valid email address", "Typed Name"},
		{"a new user's email must be new", "/admin/users", url.Values{"email": {"priya@fernhill.example"}, "name": {"Typed Name"}}, "already exists", "Typed Name"},
		{"an admin cannot deactivate themself", "/admin/users/" + id(e.Admin.ID) + "/active", url.Values{"active": {"false"}}, "You cannot deactivate yourself", "Add a user"},
		{"a token label has a length limit", "/connect/tokens", url.Values{"label": {strings.Repeat("l", 300)}}, "abel", "Personal access tokens"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := c.postCSRF(tc.path, tc.form)
			wantStatus(t, "POST "+tc.path, res, 400)
			wantBody(t, "the form", body, tc.message, tc.kept, `class="alert"`)
		})
	}

	imports := []struct {
		name     string
		fields   map[string]string
		filename string
		content  string
		message  string
	}{
		{"an import needs a file", map[string]string{"title": "Typed"}, "", "", "Choose a transcript file to import."},
		{"a bad file names the line", map[string]string{"title": "Typed"}, "broken.vtt",
			"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v A>Hi\n\n00:00:05.000 --> 00:00:0x.000\n<v B>Yo\n", "line 6"},
		{"an empty file says so", map[string]string{"title": "Typed"}, "empty.txt", "", "empty.txt is not a transcript we can read"},
		{"a file without a date needs one", map[string]string{"title": "Typed"}, "call.vtt", goodVTT, "The file has no date"},
		{"an import date must be a date", map[string]string{"title": "Typed", "date": "yesterday"}, "call.vtt", goodVTT, "is not a date and time"},
		{"an unknown format is refused", map[string]string{"title": "Typed", "format": "docx"}, "call.vtt", goodVTT, "Unknown transcript format"},
		{"import attendees must be addresses", map[string]string{"title": "Typed", "date": "2026-03-04T10:00", "attendees": "x@@y"}, "call.vtt", goodVTT, "is not a valid email address"},
		{"import visibility is team or private", map[string]string{"title": "Typed", "date": "2026-03-04T10:00", "visibility": "world"}, "call.vtt", goodVTT, "Visibility must be"},
	}
	for _, tc := range imports {
		t.Run(tc.name, func(t *testing.T) {
			ct, body := multipartImport(t, c.csrf, tc.fields, tc.filename, tc.content)
			res, page := c.postMultipart("/import", ct, body)
			wantStatus(t, "POST /import", res, 400)
			wantBody(t, "import page", page, tc.message, `class="alert"`)
			if tc.fields["title"] != "" {
				wantBody(t, "import page keeps the title", page, `value="`+tc.fields["title"]+`"`)
			}
		})
	}

	for _, tc := range []struct{ query, message string }{
		{"from=31-12-2026", "is not a date like"},
		{"to=soon", "is not a date like"},
		{"from=2026-03-10&to=2026-03-01", "must not be after"},
	} {
		res, body := c.get("/meetings?" + tc.query)
		wantStatus(t, "/meetings?"+tc.query, res, 400)
		wantBody(t, "meetings filter", body, tc.message)
	}
}

func TestImportCreatesThenUpdatesTheMeeting(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.PriyaTok)
	fields := map[string]string{"title": "Courier call", "date": "2026-03-04T15:00", "tags": "logistics, vendors",
		"attendees": "Ops <ops@fernhill.example>", "visibility": "private", "format": "vtt"}
	ct, body := multipartImport(t, c.csrf, fields, "courier.vtt", goodVTT)
	res, _ := c.postMultipart("/import", ct, body)
	wantStatus(t, "import", res, 303)
	loc := res.Header.Get("Location")
	mid, err := strconv.ParseInt(strings.TrimPrefix(loc, "/meetings/"), 10, 64)
	if err != nil {
		t.Fatalf("import redirects to %q", loc)
	}
	m, err := e.DB.FindMeetingByID(as(e.Priya), mid)
	if err != nil {
		t.Fatal(err)
	}
	if m.Title != "Courier call" || m.Visibility != meetingintel.VisibilityPrivate || m.SegmentCount != 2 ||
		!m.Date.Equal(time.Date(2026, 3, 4, 15, 0, 0, 0, time.UTC)) || strings.Join(m.Tags, ",") != "logistics,vendors" || m.Attendees[0].Email != "ops@fernhill.example" {
		t.Errorf("imported meeting = %+v", m)
	}
	fields["title"] = "Courier call (again)"
	ct, body = multipartImport(t, c.csrf, fields, "courier.vtt", goodVTT)
	res, _ = c.postMultipart("/import", ct, body)
	if res.Header.Get("Location") != loc {
		t.Errorf("re-importing the same file goes to %q, want the same meeting %q", res.Header.Get("Location"), loc)
	}
	_, page := c.get(loc)
	wantBody(t, "the meeting", page, "Courier call (again)", "choose the courier by Friday", `id="t-1"`)
}

func TestMeetingEditAndDelete(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.AdminTok)
	m := e.meetingByTitle("Budget review: next quarter")
	res, body := c.get("/meetings/" + id(m.ID) + "/edit")
	wantStatus(t, "edit page", res, 200)
	wantBody(t, "edit page", body, `value="Budget review: next quarter"`, `name="summary"`)
	res, _ = c.postCSRF("/meetings/"+id(m.ID)+"/edit", url.Values{"title": {"Budget review (corrected)"}, "date": {"2026-02-03T09:15"},
		"duration": {"50"}, "attendees": {"Hannah Brooks <hannah@fernhill.example>\nGuest"}, "tags": {"Finance, budget"},
		"source": {"Teams"}, "visibility": {"private"}, "summary": {"## Outcome\n\nCut **10%**."}})
	wantStatus(t, "save", res, 303)
	got, _ := e.DB.FindMeetingByID(as(e.Admin), m.ID)
	if got.Title != "Budget review (corrected)" || got.DurationMS != 50*60_000 || got.Visibility != meetingintel.VisibilityPrivate ||
		len(got.Attendees) != 2 || strings.Join(got.Tags, ",") != "finance,budget" || got.SegmentCount != m.SegmentCount {
		t.Errorf("after edit: %+v", got)
	}
	_, body = c.get("/meetings/" + id(m.ID))
	wantBody(t, "meeting page", body, "<h2>Outcome</h2>", "<strong>10%</strong>")

	res, body = c.get("/meetings/" + id(m.ID) + "/delete")
	wantStatus(t, "delete confirmation", res, 200)
	wantBody(t, "delete confirmation", body, "cannot be undone", `name="confirm" value="yes"`)
	res, _ = c.postCSRF("/meetings/"+id(m.ID)+"/delete", nil)
	wantStatus(t, "delete without the confirmation field", res, 400)
	res, _ = c.postCSRF("/meetings/"+id(m.ID)+"/delete", url.Values{"confirm": {"yes"}})
	wantStatus(t, "delete", res, 303)
	if _, err := e.DB.FindMeetingByID(as(e.Admin), m.ID); meetingintel.ErrorCode(err) != meetingintel.ENOTFOUND {
		t.Errorf("the meeting survived deletion: %v", err)
	}
}

func TestActionsFilterAndChangeInOneClick(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.AdminTok)
	today := time.Now().UTC()
	late := &meetingintel.Action{Text: "Late thing", Owner: "Zed Quill", DueDate: today.AddDate(0, 0, -3).Format("2006-01-02")}
	soon := &meetingintel.Action{Text: "Soon thing", Owner: "Zed Quill", DueDate: today.AddDate(0, 0, 3).Format("2006-01-02")}
	m := &meetingintel.Meeting{Title: "Quarterly <review>", Date: today}
	if err := e.DB.CreateMeeting(as(e.Admin), m, nil); err != nil {
		t.Fatal(err)
	}
	soon.MeetingID = &m.ID
	for _, a := range []*meetingintel.Action{late, soon} {
		if err := e.DB.CreateAction(as(e.Admin), a); err != nil {
			t.Fatal(err)
		}
	}
	_, body := c.get("/actions?owner=zed")
	wantBody(t, "owner filter", body, "Late thing", "Soon thing", `class="badge overdue"`,
		`<a href="/meetings/`+id(m.ID)+`">Quarterly &lt;review&gt;</a>`)
	_, body = c.get("/actions?owner=zed&due=overdue")
	wantBody(t, "overdue filter", body, "Late thing")
	wantNotBody(t, "overdue filter", body, "Soon thing")

	for _, st := range []string{"Complete", "Open", "Parked", "Open"} {
		res, _ := c.postCSRF("/actions/"+id(late.ID)+"/status", url.Values{"status": {st}, "back": {"/actions?owner=zed"}})
		wantStatus(t, "set "+st, res, 303)
		if res.Header.Get("Location") != "/actions?owner=zed" {
			t.Errorf("after a status change the browser goes to %q", res.Header.Get("Location"))
		}
		a, _ := e.DB.FindActionByID(as(e.Admin), late.ID)
		if string(a.Status) != st {
			t.Errorf("status is %s, want %s", a.Status, st)
		}
	}
	// A status change with a note appends the note to the action's notes,
	// from the actions page and from the meeting page.
	res, _ := c.postCSRF("/actions/"+id(soon.ID)+"/status", url.Values{"status": {"Parked"}, "note": {"waiting on <legal>"}, "back": {"/meetings/" + id(m.ID) + "#actions"}})
	wantStatus(t, "status with a note", res, 303)
	if loc := res.Header.Get("Location"); loc != "/meetings/"+id(m.ID)+"#actions" {
		t.Errorf("after a status change from the meeting page the browser goes to %q", loc)
	}
	res, _ = c.postCSRF("/actions/"+id(soon.ID)+"/status", url.Values{"status": {"Open"}, "note": {"legal said yes"}})
	wantStatus(t, "second status with a note", res, 303)
	a, _ := e.DB.FindActionByID(as(e.Admin), soon.ID)
	if a.Status != meetingintel.StatusOpen || !strings.Contains(a.Notes, "Parked ("+e.Admin.Email+"): waiting on <legal>\n\n") ||
		!strings.HasSuffix(a.Notes, "Open ("+e.Admin.Email+"): legal said yes") {
		t.Errorf("notes after two changes with notes: %q", a.Notes)
	}
	_, body = c.get("/meetings/" + id(m.ID))
	wantBody(t, "meeting page's status form", body, `action="/actions/`+id(soon.ID)+`/status"`, `name="note"`)
	_, body = c.get("/actions?owner=zed")
	wantBody(t, "actions page's note field", body, `name="note"`, "waiting on &lt;legal&gt;")
	res, _ = c.postCSRF("/actions/"+id(soon.ID)+"/status", url.Values{"status": {"Complete"}, "note": {strings.Repeat("x", meetingintel.MaxTextLen)}})
	wantStatus(t, "a note that makes the notes too long", res, 400)
	if a, _ := e.DB.FindActionByID(as(e.Admin), soon.ID); a.Status != meetingintel.StatusOpen {
		t.Errorf("a refused change with a note changed the status to %s", a.Status)
	}

	res, _ = c.postCSRF("/actions/"+id(late.ID)+"/status", url.Values{"status": {"Done"}})
	wantStatus(t, "an unknown status", res, 400)
	res, _ = c.postCSRF("/actions/"+id(late.ID)+"/status", url.Values{"status": {"Complete"}, "back": {"https://evil.example/"}})
	if res.Header.Get("Location") != "/actions" {
		t.Errorf("a foreign back URL was followed: %q", res.Header.Get("Location"))
	}
	_, body = c.get("/actions?owner=zed")
	wantNotBody(t, "open actions", body, "Late thing")
	_, body = c.get("/actions?owner=zed&status=Complete")
	wantBody(t, "complete actions", body, "Late thing", `value="Open"`)

	res, _ = c.postCSRF("/actions", url.Values{"text": {"Brand new"}, "owner": {"Zed Quill"}, "due": {"2026-05-01"}, "status": {"Open"}})
	wantStatus(t, "create", res, 303)
	res, _ = c.postCSRF("/actions/"+id(soon.ID)+"/edit", url.Values{"text": {"Soon thing, edited"}, "owner": {"Ann"}, "status": {"Parked"}, "notes": {"n"}})
	wantStatus(t, "edit", res, 303)
	a, _ = e.DB.FindActionByID(as(e.Admin), soon.ID)
	if a.Text != "Soon thing, edited" || a.Owner != "Ann" || a.DueDate != "" || a.Status != meetingintel.StatusParked || a.Notes != "n" {
		t.Errorf("after edit: %+v", a)
	}
}

func TestDecisionsListDetailCreateDelete(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.PriyaTok)
	m := e.meetingByTitle("Sprint 14 retro")
	res, _ := c.postCSRF("/meetings/"+id(m.ID)+"/decisions", url.Values{"text": {"Retros move to Thursdays"}, "context": {"Fewer clashes"}})
	wantStatus(t, "create decision", res, 303)
	ds, _, _ := e.DB.FindDecisions(as(e.Priya), meetingintel.DecisionFilter{MeetingID: &m.ID, Limit: 100})
	var d *meetingintel.Decision
	for _, x := range ds {
		if x.Text == "Retros move to Thursdays" {
			d = x
		}
	}
	if d == nil {
		t.Fatal("the decision was not stored")
	}
	_, body := c.get("/meetings/" + id(m.ID))
	wantBody(t, "the meeting's decisions", body, "Retros move to Thursdays", "/decisions/"+id(d.ID))
	_, body = c.get("/decisions")
	wantBody(t, "decisions list", body, `class="decision card"`)
	_, body = c.get("/decisions/" + id(d.ID))
	wantBody(t, "decision page", body, "Fewer clashes", `href="/meetings/`+id(m.ID)+`"`, "Sprint 14 retro")
	wantBody(t, "decision page's edit form", body, `action="/decisions/`+id(d.ID)+`/edit"`)

	// Editing: text and context change, who edited is kept; an empty text
	// is refused with the form shown again holding what was typed.
	res, _ = c.postCSRF("/decisions/"+id(d.ID)+"/edit", url.Values{"text": {"Retros move to <Wednesdays>"}, "context": {""}})
	wantStatus(t, "edit decision", res, 303)
	if loc := res.Header.Get("Location"); loc != "/decisions/"+id(d.ID) {
		t.Errorf("after an edit the browser goes to %q", loc)
	}
	got, err := e.DB.FindDecisionByID(as(e.Priya), d.ID)
	if err != nil || got.Text != "Retros move to <Wednesdays>" || got.Context != "" || got.UpdatedBy != e.Priya.Email {
		t.Errorf("after edit: %+v, %v", got, err)
	}
	res, body = c.postCSRF("/decisions/"+id(d.ID)+"/edit", url.Values{"text": {"  "}, "context": {"kept <context>"}})
	wantStatus(t, "an empty decision", res, 400)
	wantBody(t, "refused edit", body, "Decision text is required.", "kept &lt;context&gt;")
	res, _ = c.postCSRF("/decisions/"+id(d.ID)+"/edit", url.Values{"text": {strings.Repeat("x", meetingintel.MaxTextLen+1)}})
	wantStatus(t, "a too long decision", res, 400)
	res, _ = c.post("/decisions/"+id(d.ID)+"/edit", url.Values{"text": {"no csrf"}})
	wantStatus(t, "an edit without CSRF", res, 403)
	if got, _ := e.DB.FindDecisionByID(as(e.Priya), d.ID); got.Text != "Retros move to <Wednesdays>" {
		t.Errorf("a refused edit changed the decision: %q", got.Text)
	}
	// A private meeting's decision Daniel cannot see is not found for him.
	dc := e.signedIn(e.DanielTok)
	private := e.meetingByTitle("Hiring debrief: senior frontend engineer")
	pd := &meetingintel.Decision{MeetingID: private.ID, Text: "Private call"}
	if err := e.DB.CreateDecision(as(e.Admin), pd); err != nil {
		t.Fatal(err)
	}
	res, _ = dc.postCSRF("/decisions/"+id(pd.ID)+"/edit", url.Values{"text": {"mine now"}})
	wantStatus(t, "editing an invisible decision", res, 404)

	res, _ = c.postCSRF("/decisions/"+id(d.ID)+"/delete", nil)
	wantStatus(t, "delete decision", res, 303)
	res, _ = c.get("/decisions/" + id(d.ID))
	wantStatus(t, "deleted decision", res, 404)
}

func TestTokensAreShownOnceAndRevoked(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.PriyaTok)
	res, body := c.postCSRF("/connect/tokens", url.Values{"label": {"Laptop editor"}})
	wantStatus(t, "create token", res, 200)
	tok := regexp.MustCompile(`mi_pat_[A-Za-z0-9_-]{43}`).FindString(body)
	if tok == "" {
		t.Fatal("the new token is not shown")
	}
	wantBody(t, "connect page", body, "Bearer "+tok, e.URL+"/mcp/"+tok, "sse?token="+tok)
	_, body = c.get("/connect")
	wantNotBody(t, "the connect page later", body, tok)
	wantBody(t, "the connect page later", body, "Laptop editor", e.URL+"/mcp")
	toks, _ := e.DB.FindTokens(context.Background(), e.Priya.ID)
	var tid int64
	for _, x := range toks {
		if x.Label == "Laptop editor" {
			tid = x.ID
		}
	}
	res, _ = c.postCSRF("/connect/tokens/"+id(tid)+"/revoke", nil)
	wantStatus(t, "revoke", res, 303)
	if _, _, err := e.DB.AuthenticateToken(context.Background(), tok); meetingintel.ErrorCode(err) != meetingintel.EUNAUTHORIZED {
		t.Errorf("the revoked token still works: %v", err)
	}
	_, body = c.get("/connect")
	wantNotBody(t, "after revoking", body, "Laptop editor")
}

func TestTokensExpireAsChosenAtCreation(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.PriyaTok)
	_, body := c.get("/connect")
	wantBody(t, "the token form", body, `name="expires"`, `value="30"`, `value="90"`, `value="365"`, `value="none"`)
	for _, tc := range []struct {
		expires string
		days    int // 0: never
	}{{"90", 90}, {"none", 0}, {"365", 365}} {
		label := "Copilot " + tc.expires
		res, _ := c.postCSRF("/connect/tokens", url.Values{"label": {label}, "expires": {tc.expires}})
		wantStatus(t, "create a token expiring "+tc.expires, res, 200)
		toks, _ := e.DB.FindTokens(context.Background(), e.Priya.ID)
		got := toks[0]
		if got.Label != label {
			t.Fatalf("newest token is %q, want %q", got.Label, label)
		}
		switch {
		case tc.days == 0 && got.ExpiresAt != nil:
			t.Errorf("%s: expires at %v, want never", tc.expires, got.ExpiresAt)
		case tc.days > 0 && (got.ExpiresAt == nil || got.ExpiresAt.Sub(got.CreatedAt).Round(time.Hour) != time.Duration(tc.days)*24*time.Hour):
			t.Errorf("%s: expires at %v, want %d days after %v", tc.expires, got.ExpiresAt, tc.days, got.CreatedAt)
		}
	}
	res, body := c.postCSRF("/connect/tokens", url.Values{"label": {"odd"}, "expires": {"7"}})
	wantStatus(t, "an expiry that is not offered", res, 400)
	wantBody(t, "the refusal", body, "30, 90 or 365 days, or never")
	_, body = c.get("/connect")
	wantBody(t, "the token list", body, ">Expires<", ">Never<")
}

func TestConnectedAppsDisconnect(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.PriyaTok)
	g := makeGrant(t, e, e.Priya)
	_, body := c.get("/apps")
	wantBody(t, "apps page", body, "Claude &lt;b&gt;", "meetings:read", "/apps/"+id(g.ID)+"/disconnect")
	res, _ := c.postCSRF("/apps/"+id(g.ID)+"/disconnect", nil)
	wantStatus(t, "disconnect", res, 303)
	if got, _ := e.DB.FindOAuthGrant(context.Background(), g.ID); got.RevokedAt == nil {
		t.Error("the grant is still live")
	}
	_, body = c.get("/apps")
	wantNotBody(t, "apps page", body, "/apps/"+id(g.ID)+"/disconnect")
}

func TestAdminAddsAndDeactivatesUsers(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.AdminTok)
	res, body := c.postCSRF("/admin/users", url.Values{"email": {"Nia@Fernhill.example"}, "name": {"Nia Adams"}})
	wantStatus(t, "add user", res, 200)
	tok := regexp.MustCompile(`mi_pat_[A-Za-z0-9_-]{43}`).FindString(body)
	u, _, err := e.DB.AuthenticateToken(context.Background(), tok)
	if err != nil || u.Email != "nia@fernhill.example" || u.Admin {
		t.Fatalf("the shown token authenticates %v, %v", u, err)
	}
	nia := e.signedIn(tok)
	res, _ = c.postCSRF("/admin/users/"+id(u.ID)+"/active", url.Values{"active": {"false"}})
	wantStatus(t, "deactivate", res, 303)
	res, _ = nia.get("/meetings")
	wantStatus(t, "the deactivated user's session", res, 303)
	if _, _, err := e.DB.AuthenticateToken(context.Background(), tok); err == nil {
		t.Error("the deactivated user's token still works")
	}
	res, _ = c.postCSRF("/admin/users/"+id(u.ID)+"/active", url.Values{"active": {"true"}})
	wantStatus(t, "reactivate", res, 303)
	res, _ = e.signedIn(e.PriyaTok).get("/admin")
	wantStatus(t, "a member opens /admin", res, 404)
}

func TestAdminsSeeAndRevokeAnyonesTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tok, rec, err := e.DB.CreateTokenUntil(ctx, e.Priya.ID, "Copilot Studio", time.Now().AddDate(0, 0, 90))
	if err != nil {
		t.Fatal(err)
	}
	admin := e.signedIn(e.AdminTok)
	_, body := admin.get("/admin")
	wantBody(t, "the users page", body, `href="/admin/users/`+id(e.Priya.ID)+`/tokens"`)
	res, body := admin.get("/admin/users/" + id(e.Priya.ID) + "/tokens")
	wantStatus(t, "a user's tokens", res, 200)
	wantBody(t, "a user's tokens", body, "Copilot Studio", "/admin/tokens/"+id(rec.ID)+"/revoke", "Active")
	wantNotBody(t, "a user's tokens", body, tok)
	res, _ = admin.postCSRF("/admin/tokens/"+id(rec.ID)+"/revoke", nil)
	wantStatus(t, "revoke", res, 303)
	if _, _, err := e.DB.AuthenticateToken(ctx, tok); meetingintel.ErrorCode(err) != meetingintel.EUNAUTHORIZED {
		t.Errorf("the token an admin revoked still works: %v", err)
	}
	_, body = admin.get("/admin/users/" + id(e.Priya.ID) + "/tokens")
	wantBody(t, "after revoking", body, "Revoked")

	member := e.signedIn(e.DanielTok)
	res, _ = member.get("/admin/users/" + id(e.Priya.ID) + "/tokens")
	wantStatus(t, "a member opens someone's tokens", res, 404)
	_, rec2, _ := e.DB.CreateToken(ctx, e.Priya.ID, "other")
	res, _ = member.postCSRF("/admin/tokens/"+id(rec2.ID)+"/revoke", nil)
	wantStatus(t, "a member revokes someone's token", res, 404)
	res, _ = admin.get("/admin/users/99999/tokens")
	wantStatus(t, "an unknown user's tokens", res, 404)
}

// TestSearchLinksLandOnTheTranscriptLine: a transcript hit links to the
// page that holds its line, with the line's anchor.
func TestSearchLinksLandOnTheTranscriptLine(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn(e.AdminTok)
	segs := make([]meetingintel.Segment, 650)
	for i := range segs {
		segs[i] = meetingintel.Segment{Speaker: []string{"Ann", "Bo", "Cy"}[i%3], StartMS: int64(i) * 10_000, EndMS: int64(i)*10_000 + 9_000,
			Text: "ordinary talk number " + strconv.Itoa(i)}
	}
	segs[5].Text = "the early quokka appears"
	segs[520].Text = "the wandering platypus appears" // beyond the first page
	m := &meetingintel.Meeting{Title: "All-day workshop", Date: time.Now().UTC(), Visibility: meetingintel.VisibilityTeam}
	if err := e.DB.CreateMeeting(as(e.Admin), m, segs); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query, link, speaker, clock string
		seq                         int
	}{
		{"quokka", "/meetings/" + id(m.ID) + "#t-5", "Cy", "0:50", 5},
		{"platypus", "/meetings/" + id(m.ID) + "?t=" + strconv.Itoa(520*10_000-60_000) + "#t-520", "Bo", "1:26:40", 520},
	} {
		_, body := c.get("/meetings?q=" + tc.query)
		wantBody(t, "search "+tc.query, body, `href="`+tc.link+`"`, "<mark>"+tc.query+"</mark>",
			`<span class="who">`+tc.speaker+` <span class="ts">`+tc.clock+`</span>`)
		res, page := c.get(strings.Split(tc.link, "#")[0])
		wantStatus(t, "the hit's page", res, 200)
		wantBody(t, "the hit's page", page, `id="t-`+strconv.Itoa(tc.seq)+`"`, tc.query)
		if n := strings.Count(page, `class="seg"`); n > web.TranscriptPerPage {
			t.Errorf("a page shows %d segments, more than %d", n, web.TranscriptPerPage)
		}
	}
	// Paging: the first page continues to the next by cursor.
	_, page := c.get("/meetings/" + id(m.ID))
	if n := strings.Count(page, `class="seg"`); n != web.TranscriptPerPage {
		t.Errorf("the first page shows %d segments, want %d", n, web.TranscriptPerPage)
	}
	next := regexp.MustCompile(`href="(/meetings/\d+\?after=[^"#]+)#transcript"`).FindStringSubmatch(page)
	if next == nil {
		t.Fatal("no link to the rest of the transcript")
	}
	_, page = c.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	n := web.TranscriptPerPage
	wantBody(t, "the second page", page, fmt.Sprintf(`id="t-%d"`, n), `id="t-649"`)
	wantNotBody(t, "the second page", page, fmt.Sprintf(`id="t-%d"`, n-1))
	res, _ := c.get("/meetings/" + id(m.ID) + "?after=garbage")
	wantStatus(t, "a stale cursor starts over", res, 200)
}

// provider is a stand-in single sign-on provider: Start sends the browser
// to its callback, Finish signs in the user named by the callback's query.
type provider struct{ users meetingintel.UserService }

func (provider) Name() string  { return "test" }
func (provider) Label() string { return "Test SSO" }
func (provider) Start(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/auth/oidc/test/callback?email="+url.QueryEscape(r.URL.Query().Get("as")), http.StatusFound)
	return nil
}
func (p provider) Finish(w http.ResponseWriter, r *http.Request) (*meetingintel.User, string, error) {
	u, err := p.users.FindUserByEmail(r.Context(), r.URL.Query().Get("email"))
	return u, "/meetings", err
}

// TestPATSignInCanBeTurnedOff: with PAT_SIGNIN=false the sign-in page
// offers the providers only, and a posted token is refused.
func TestPATSignInCanBeTurnedOff(t *testing.T) {
	e := newEnv(t)
	w, err := web.New(web.Config{Store: e.DB, Sessions: e.DB, PublicURL: "http://127.0.0.1", Providers: []web.Provider{provider{e.DB}}, HidePATSignIn: true})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	w.Register(mux)
	rw := httptest.NewRecorder()
	mux.ServeHTTP(rw, httptest.NewRequest("GET", "http://127.0.0.1/signin", nil))
	body := rw.Body.String()
	if strings.Contains(body, `name="token"`) || !strings.Contains(body, "Sign in with Test SSO") {
		t.Errorf("the sign-in page with PAT_SIGNIN=false:\n%s", body)
	}
	r := httptest.NewRequest("POST", "http://127.0.0.1/signin", strings.NewReader(url.Values{"token": {e.PriyaTok}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rw = httptest.NewRecorder()
	mux.ServeHTTP(rw, r)
	if rw.Code != 403 || len(rw.Result().Cookies()) != 0 {
		t.Errorf("a posted token with PAT_SIGNIN=false: %d, cookies %v", rw.Code, rw.Result().Cookies())
	}
}

// TestProvidersSignInLikeATokenDoes pins the seam for OpenID Connect: a
// provider's user gets the same session, cookie and pages.
func TestProvidersSignInLikeATokenDoes(t *testing.T) {
	e := newEnv(t)
	w, err := web.New(web.Config{Store: e.DB, Sessions: e.DB, PublicURL: "http://127.0.0.1", Providers: []web.Provider{provider{e.DB}}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	w.Register(mux)
	rec := func(method, target string, cookies ...*http.Cookie) *http.Response {
		r := httptest.NewRequest(method, target, nil)
		for _, c := range cookies {
			r.AddCookie(c)
		}
		rw := httptest.NewRecorder()
		mux.ServeHTTP(rw, r)
		return rw.Result()
	}
	if body, _ := io.ReadAll(rec("GET", "http://127.0.0.1/signin").Body); !strings.Contains(string(body), `href="/auth/oidc/test/start?next=%2fmeetings"`) {
		t.Error("the sign-in page offers no button for the provider")
	}
	res := rec("GET", "http://127.0.0.1/auth/oidc/test/start?as=priya@fernhill.example")
	res = rec("GET", "http://127.0.0.1"+res.Header.Get("Location"))
	wantStatus(t, "the provider's callback", res, 303)
	if len(res.Cookies()) != 1 {
		t.Fatalf("the callback set cookies %v", res.Cookies())
	}
	res = rec("GET", "http://127.0.0.1/meetings", res.Cookies()[0])
	wantStatus(t, "a page with the provider's session", res, 200)
	res = rec("GET", "http://127.0.0.1/auth/oidc/test/callback?email=nobody@fernhill.example")
	wantStatus(t, "an unknown user at the callback", res, 404)
	// The sign-in is in the audit trail, once, with the provider as its client.
	rows, _, err := e.DB.FindAudit(as(e.Admin), meetingintel.AuditFilter{Action: meetingintel.AuditSignIn})
	if err != nil || len(rows) != 1 || rows[0].Client != "sso:test" || rows[0].UserEmail != e.Priya.Email || rows[0].Via != "web" {
		t.Errorf("sign-in rows %+v, %v; want one of priya's via sso:test", rows, err)
	}
	res = rec("GET", "http://127.0.0.1/auth/oidc/other/start")
	wantStatus(t, "an unknown provider", res, 404)
}
