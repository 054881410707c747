package oauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/httpserver"
	"github.com/meetingintel/meetingintel/internal/logguard"
	"github.com/meetingintel/meetingintel/oauth"
	"github.com/meetingintel/meetingintel/sqlite"
)

// testSecret is the JWT secret of every test server.
var testSecret = []byte("test-secret-test-secret-test-secret-0123")

// clock is a settable clock shared by a test's servers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is one running authorization server with a protected /mcp and /sse.
type env struct {
	t      testing.TB
	dbPath string
	db     *sqlite.DB
	srv    *httptest.Server
	as     *oauth.Server
	clock  *clock
	user   *meetingintel.User
	pat    string
	http   *http.Client

	mu        sync.Mutex
	handler   http.Handler
	configure func(*oauth.Config) // test-specific settings, applied at each start
}

// newEnv starts a server on 127.0.0.1 with a fresh database and a user.
func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with configure applied to the server's Config.
func newEnvWith(t testing.TB, configure func(*oauth.Config)) *env {
	t.Helper()
	e := &env{t: t, dbPath: filepath.Join(t.TempDir(), "oauth.db"), clock: &clock{t: time.Now().UTC()}, configure: configure}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		h := e.handler
		e.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	e.http = &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	e.start()
	t.Cleanup(func() { e.db.Close() })
	ctx := context.Background()
	e.user = &meetingintel.User{Email: "ann@example.com", Name: "Ann"}
	if err := e.db.CreateUser(ctx, e.user); err != nil {
		t.Fatal(err)
	}
	var err error
	if e.pat, _, err = e.db.CreateToken(ctx, e.user.ID, "test"); err != nil {
		t.Fatal(err)
	}
	return e
}

// start opens the database and builds the authorization server; restart
// calls it again, as a new process would.
func (e *env) start() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sqlite.Open(ctx, e.dbPath)
	if err != nil {
		e.t.Fatal(err)
	}
	// The server logs like production into the suite-wide token guard.
	log := httpserver.NewLogger(logguard.Writer(), slog.LevelDebug)
	cfg := oauth.Config{Store: db, Users: db, PublicURL: e.srv.URL, Secret: testSecret, Now: e.clock.Now, Logger: log}
	if e.configure != nil {
		e.configure(&cfg)
	}
	as, err := oauth.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	mux := http.NewServeMux()
	as.Register(mux)
	for _, p := range []string{"/mcp", "/sse"} {
		mux.HandleFunc("POST "+p, func(w http.ResponseWriter, r *http.Request) {
			tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			info, err := as.VerifyAccessToken(r.Context(), tok)
			if err != nil {
				w.Header().Set("WWW-Authenticate", oauth.Challenge(e.srv.URL, p, "invalid_token"))
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(info)
		})
	}
	e.mu.Lock()
	e.db, e.as, e.handler = db, as, mux
	e.mu.Unlock()
}

// restart closes the database and starts a new server on the same file.
func (e *env) restart() {
	e.t.Helper()
	if err := e.db.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.start()
}

// response is a decoded HTTP answer.
type response struct {
	Status int
	Header http.Header
	Body   string
	JSON   map[string]any
}

func (r *response) str(k string) string { s, _ := r.JSON[k].(string); return s }

func (e *env) do(req *http.Request) *response {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
	defer cancel()
	resp, err := e.http.Do(req.WithContext(ctx))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := &response{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
	_ = json.Unmarshal(b, &out.JSON)
	return out
}

func (e *env) get(path string) *response {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url(path), nil)
	return e.do(req)
}

func (e *env) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return e.srv.URL + path
}

// postForm posts a form; basic, when not nil, is sent as Basic credentials.
func (e *env) postForm(path string, form url.Values, basic []string) *response {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.url(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != nil {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	return e.do(req)
}

func (e *env) postJSON(path string, body string) *response {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.url(path), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return e.do(req)
}

// callMCP calls the protected test handler with an access token.
func (e *env) callMCP(path, token string) *response {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.url(path), strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer "+token)
	return e.do(req)
}

// client is a registered client as the tests see it.
type client struct {
	ID, Secret, Method, Redirect string
}

// register registers a client and fails the test unless it gets a 201.
func (e *env) register(method, redirect string) client {
	e.t.Helper()
	body := map[string]any{"redirect_uris": []string{redirect}, "client_name": "Test " + method,
		"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"},
		"token_endpoint_auth_method": method}
	b, _ := json.Marshal(body)
	r := e.postJSON("/oauth/register", string(b))
	if r.Status != http.StatusCreated {
		e.t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	return client{ID: r.str("client_id"), Secret: r.str("client_secret"), Method: method, Redirect: redirect}
}

// pkce returns a verifier and its S256 challenge.
func pkce() (string, string) {
	v := strings.Repeat("v", 20) + base64.RawURLEncoding.EncodeToString([]byte(time.Now().String()))
	sum := sha256.Sum256([]byte(v))
	return v, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authParams returns a valid authorization request for c.
func authParams(c client, challenge string) url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {c.Redirect},
		"state": {"st-123"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
}

var inputRE = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)

// hidden returns the hidden fields of a page's consent form.
func hidden(t testing.TB, page string) url.Values {
	t.Helper()
	if !strings.Contains(page, `<form method="post" id="consent"`) {
		t.Fatalf("no consent form in page:\n%s", page)
	}
	v := url.Values{}
	for _, m := range inputRE.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// consent walks the page as a person would: open it, sign in with the
// PAT, then press the decision button. It returns the redirect.
func (e *env) consent(params url.Values, decision string) *url.URL {
	e.t.Helper()
	page := e.get("/oauth/authorize?" + params.Encode())
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `name="token"`) {
		e.t.Fatalf("authorize page: %d %s", page.Status, page.Body)
	}
	form := hidden(e.t, page.Body)
	form.Set("token", e.pat)
	step2 := e.postForm("/oauth/authorize", form, nil)
	if step2.Status != http.StatusOK || !strings.Contains(step2.Body, `value="approve"`) || !strings.Contains(step2.Body, `value="deny"`) {
		e.t.Fatalf("consent step: %d %s", step2.Status, step2.Body)
	}
	form = hidden(e.t, step2.Body)
	form.Set("decision", decision)
	done := e.postForm("/oauth/authorize", form, nil)
	if done.Status != http.StatusSeeOther && done.Status != http.StatusFound {
		e.t.Fatalf("decision: %d %s", done.Status, done.Body)
	}
	u, err := url.Parse(done.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// code runs the consent flow with approval and returns the code.
func (e *env) code(c client, params url.Values) string {
	e.t.Helper()
	u := e.consent(params, "approve")
	q := u.Query()
	if q.Get("code") == "" || q.Get("state") != params.Get("state") || q.Get("iss") != e.srv.URL {
		e.t.Fatalf("approve redirect %s lacks code, state or iss", u)
	}
	return q.Get("code")
}

// tokenForm posts to the token endpoint authenticating as c.
func (e *env) token(c client, form url.Values) *response {
	e.t.Helper()
	form = cloneValues(form)
	var basic []string
	switch c.Method {
	case "client_secret_basic":
		basic = []string{c.ID, c.Secret}
	case "client_secret_post":
		form.Set("client_id", c.ID)
		form.Set("client_secret", c.Secret)
	default:
		form.Set("client_id", c.ID)
	}
	return e.postForm("/oauth/token", form, basic)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// tokens gets a code for c and exchanges it; it fails the test unless both work.
func (e *env) tokens(c client) *response {
	e.t.Helper()
	verifier, challenge := pkce()
	code := e.code(c, authParams(c, challenge))
	r := e.token(c, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {c.Redirect}, "code_verifier": {verifier}})
	if r.Status != http.StatusOK || r.str("access_token") == "" {
		e.t.Fatalf("code exchange: %d %s", r.Status, r.Body)
	}
	return r
}

func wantOAuthError(t *testing.T, what string, r *response, status int, code string) {
	t.Helper()
	if r.Status != status || r.str("error") != code {
		t.Errorf("%s: %d %s, want %d %s", what, r.Status, r.Body, status, code)
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("%s: Content-Type %q, Cache-Control %q; want JSON and no-store", what, r.Header.Get("Content-Type"), r.Header.Get("Cache-Control"))
	}
}
