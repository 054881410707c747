package main

// End-to-end tests of OAuth through the real server: `meetingintel serve`
// runs in this process on a loopback port, and real clients connect to it
// as ChatGPT, Claude, mcp-remote and the others would (DESIGN §4, §6, §7):
// the go-sdk client's AuthorizationCodeHandler here, the TypeScript SDK
// and oauth4webapi in e2e/oauth.test.js, and the official conformance
// suite. A test "user" fills the consent page over HTTP, as a browser would.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"

	"github.com/meetingintel/meetingintel/internal/e2etest"
	"github.com/meetingintel/meetingintel/internal/logguard"
)

// liveServer is `meetingintel serve` running in this process on a real
// loopback port with its own environment.
type liveServer struct {
	t    *testing.T
	db   string
	addr string
	url  string // PUBLIC_URL as clients use it
	envs map[string]string
	log  *syncBuffer

	cancel context.CancelFunc
	done   chan int
}

// startServe starts `meetingintel serve --db db` and waits until it is
// ready; the test's cleanup stops it.
func startServe(t *testing.T, db string, envs map[string]string) *liveServer {
	t.Helper()
	s := &liveServer{t: t, db: db, addr: envs["ADDR"], envs: envs, log: &syncBuffer{}}
	if s.addr == "" {
		s.addr = freeAddr(t)
	}
	s.url = "http://" + s.addr
	if envs["PUBLIC_URL"] != "" {
		s.url = envs["PUBLIC_URL"]
	}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *liveServer) start() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	s.cancel, s.done = cancel, make(chan int, 1)
	e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: logguard.Tee(s.log), getenv: func(k string) string {
		if v, ok := s.envs[k]; ok {
			return v
		}
		if k == "MCP_RATE_PER_MIN" || k == "API_RATE_PER_MIN" {
			return "0" // off unless a test sets them: every test client is 127.0.0.1
		}
		return ""
	}}
	go func() { s.done <- run(ctx, []string{"serve", "--db", s.db, "--addr", s.addr}, e) }()
	err := waitReady("http://"+s.addr, func() error {
		select {
		case code := <-s.done:
			s.cancel = nil
			return fmt.Errorf("exited with %d before it was ready", code)
		default:
			return nil
		}
	})
	if err != nil {
		s.stop()
		s.t.Fatalf("serve %s; log:\n%s", err, s.log.String())
	}
}

// stop cancels serve's context and waits for it to return, as SIGTERM would.
func (s *liveServer) stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case code := <-s.done:
		if code != 0 {
			s.t.Errorf("serve exited with %d; log:\n%s", code, s.log.String())
		}
	case <-time.After(20 * time.Second):
		s.t.Errorf("serve did not stop within 20s")
	}
}

// restart stops the server and starts a new one on the same database and
// address, as a redeploy would.
func (s *liveServer) restart() {
	s.t.Helper()
	s.stop()
	s.start()
}

// e2eReply is one decoded HTTP answer.
type e2eReply struct {
	status int
	header http.Header
	body   string
	json   map[string]any
}

func (r *e2eReply) str(k string) string { s, _ := r.json[k].(string); return s }

// httpDo makes one request without following redirects.
func httpDo(method, u string, hdr http.Header, body string) (*e2eReply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := plainHTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	r := &e2eReply{status: resp.StatusCode, header: resp.Header, body: string(b)}
	_ = json.Unmarshal(b, &r.json)
	return r, nil
}

func mustHTTP(t *testing.T, method, u string, hdr http.Header, body string) *e2eReply {
	t.Helper()
	r, err := httpDo(method, u, hdr, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	return r
}

var formHeader = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}

// consentForm is the consent page's form: where it posts and its hidden fields.
type consentForm struct {
	action string
	fields url.Values
	page   string
}

var (
	consentFormRE = regexp.MustCompile(`(?s)<form method="post" id="consent"([^>]*)>(.*?)</form>`)
	actionRE      = regexp.MustCompile(`action="([^"]*)"`)
	hiddenRE      = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// parseConsent finds the consent form of a page served at pageURL.
func parseConsent(page, pageURL string) (*consentForm, error) {
	m := consentFormRE.FindStringSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("no <form method=\"post\" id=\"consent\"> in the page:\n%.2000s", page)
	}
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil, err
	}
	action := base
	if a := actionRE.FindStringSubmatch(m[1]); a != nil {
		if action, err = base.Parse(html.UnescapeString(a[1])); err != nil {
			return nil, err
		}
	}
	f := &consentForm{action: action.String(), fields: url.Values{}, page: page}
	for _, h := range hiddenRE.FindAllStringSubmatch(m[2], -1) {
		f.fields.Set(h[1], html.UnescapeString(h[2]))
	}
	return f, nil
}

// openConsent opens an authorization URL as a browser would and returns
// its sign-in form.
func openConsent(authURL string) (*consentForm, error) {
	r, err := httpDo("GET", authURL, nil, "")
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusOK || !strings.Contains(r.body, `name="token"`) {
		return nil, fmt.Errorf("authorization page: %d, want 200 with a sign-in field:\n%.2000s", r.status, r.body)
	}
	return parseConsent(r.body, authURL)
}

// signIn posts the PAT on the sign-in form and returns the consent step.
func (f *consentForm) signIn(pat string) (*consentForm, error) {
	v := cloneForm(f.fields)
	v.Set("token", pat)
	r, err := httpDo("POST", f.action, formHeader, v.Encode())
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusOK || !strings.Contains(r.body, `name="decision" value="approve"`) || !strings.Contains(r.body, `value="deny"`) {
		return nil, fmt.Errorf("sign-in: %d, want the consent step:\n%.2000s", r.status, r.body)
	}
	return parseConsent(r.body, f.action)
}

// decide presses a decision button and returns where the browser is sent.
func (f *consentForm) decide(decision string) (*url.URL, error) {
	v := cloneForm(f.fields)
	v.Set("decision", decision)
	r, err := httpDo("POST", f.action, formHeader, v.Encode())
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusSeeOther && r.status != http.StatusFound {
		return nil, fmt.Errorf("decision %s: %d, want 302/303:\n%.2000s", decision, r.status, r.body)
	}
	return url.Parse(r.header.Get("Location"))
}

// approveConsent walks the whole page as a person: open, sign in with the PAT,
// Allow. It returns the redirect to the client.
func approveConsent(authURL, pat string) (*url.URL, error) {
	f, err := openConsent(authURL)
	if err != nil {
		return nil, err
	}
	if f, err = f.signIn(pat); err != nil {
		return nil, err
	}
	return f.decide("approve")
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// oclient is a registered OAuth client as the tests hold it.
type oclient struct {
	id, secret, method, redirect string
}

// registerClient registers a client the way method's clients do.
func registerClient(t *testing.T, base, name, method, redirect string) oclient {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"client_name": name, "redirect_uris": []string{redirect}, "token_endpoint_auth_method": method,
		"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"},
	})
	r := mustHTTP(t, "POST", base+"/oauth/register", http.Header{"Content-Type": {"application/json"}}, string(body))
	if r.status != http.StatusCreated || r.str("client_id") == "" {
		t.Fatalf("register: %d %s", r.status, r.body)
	}
	return oclient{id: r.str("client_id"), secret: r.str("client_secret"), method: method, redirect: redirect}
}

// pkce returns a random verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authURL is an authorization request for c; empty scope and resource are left out.
func authURL(base string, c oclient, challenge, state, scope, resource string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {c.id}, "redirect_uri": {c.redirect}, "state": {state},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	if scope != "" {
		q.Set("scope", scope)
	}
	if resource != "" {
		q.Set("resource", resource)
	}
	return base + "/oauth/authorize?" + q.Encode()
}

// tokenRequest posts form to the token endpoint, authenticating as c.
func tokenRequest(t *testing.T, base string, c oclient, form url.Values) *e2eReply {
	t.Helper()
	form = cloneForm(form)
	hdr := formHeader.Clone()
	switch c.method {
	case "client_secret_basic":
		hdr.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.id)+":"+url.QueryEscape(c.secret))))
	case "client_secret_post":
		form.Set("client_id", c.id)
		form.Set("client_secret", c.secret)
	default:
		form.Set("client_id", c.id)
	}
	return mustHTTP(t, "POST", base+"/oauth/token", hdr, form.Encode())
}

// codeFrom checks an approval redirect (state and RFC 9207 iss) and returns its code.
func codeFrom(t *testing.T, back *url.URL, state, issuer string) string {
	t.Helper()
	q := back.Query()
	if q.Get("code") == "" || q.Get("state") != state || q.Get("iss") != issuer {
		t.Fatalf("approval redirect %s: want code, state %q and iss %q", back, state, issuer)
	}
	return q.Get("code")
}

// grantFor runs the whole flow with a public client for the owner of pat
// and returns the token response.
func grantFor(t *testing.T, s *liveServer, pat, scope string) (*e2eReply, oclient) {
	t.Helper()
	c := registerClient(t, s.url, "e2e "+scope, "none", "http://127.0.0.1:9/callback")
	verifier, challenge := pkce()
	back, err := approveConsent(authURL(s.url, c, challenge, "st", scope, ""), pat)
	if err != nil {
		t.Fatal(err)
	}
	tok := tokenRequest(t, s.url, c, url.Values{"grant_type": {"authorization_code"}, "code": {codeFrom(t, back, "st", s.url)},
		"redirect_uri": {c.redirect}, "code_verifier": {verifier}})
	if tok.status != http.StatusOK || tok.str("access_token") == "" || tok.str("refresh_token") == "" {
		t.Fatalf("token: %d %s", tok.status, tok.body)
	}
	return tok, c
}

// bearerTransport adds an Authorization header to every request.
type bearerTransport struct {
	token string
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// mcpSession connects the go-sdk client to endpoint with an access token,
// over Streamable HTTP or, for a /sse endpoint, the legacy SSE transport.
func mcpSession(t *testing.T, ctx context.Context, endpoint, token string) *mcp.ClientSession {
	t.Helper()
	hc := &http.Client{Transport: bearerTransport{token}}
	var tr mcp.Transport = &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc, DisableStandaloneSSE: true, MaxRetries: -1}
	if strings.HasSuffix(endpoint, "/sse") {
		tr = &mcp.SSEClientTransport{Endpoint: endpoint, HTTPClient: hc}
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "oauth-e2e", Version: "1"}, nil).Connect(ctx, tr, nil)
	if err != nil {
		t.Fatalf("connect to %s: %v", endpoint, err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// callTool calls a tool and returns its result; a protocol error fails the test.
func callTool(t *testing.T, ctx context.Context, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// meetingTitles returns the titles list_meetings shows.
func meetingTitles(t *testing.T, ctx context.Context, cs *mcp.ClientSession) []string {
	t.Helper()
	res := callTool(t, ctx, cs, "list_meetings", map[string]any{"limit": 100})
	if res.IsError {
		t.Fatalf("list_meetings: %s", toolText(res))
	}
	b, _ := json.Marshal(res.StructuredContent)
	var out struct {
		Meetings []struct {
			Title string `json:"title"`
		} `json:"meetings"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("list_meetings result %s: %v", b, err)
	}
	var titles []string
	for _, m := range out.Meetings {
		titles = append(titles, m.Title)
	}
	return titles
}

func toolText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}`

var mcpHeader = http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json, text/event-stream"}}

// postMCP posts one JSON-RPC message to an MCP endpoint with an optional Bearer token.
func postMCP(t *testing.T, endpoint, token, body string) *e2eReply {
	t.Helper()
	hdr := mcpHeader.Clone()
	if token != "" {
		hdr.Set("Authorization", "Bearer "+token)
	}
	return mustHTTP(t, "POST", endpoint, hdr, body)
}

// oauthWorld is a server with two members (neither an admin, who would
// see private meetings): Ana, whose team meeting everyone sees, and Eve,
// who has a private meeting.
type oauthWorld struct {
	s              *liveServer
	anaPAT, evePAT string
}

const (
	teamTitle    = "Pricing page review"
	privateTitle = "Eve private one-on-one"
)

// newWorld makes the database with the CLI, then starts serve on it.
func newWorld(t *testing.T, envs map[string]string) *oauthWorld {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "mi.db")
	w := &oauthWorld{}
	w.anaPAT = strings.TrimSpace(mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "ana@example.com", "--name", "Ana Ruiz")).stdout)
	w.evePAT = strings.TrimSpace(mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "eve@example.com", "--name", "Eve Stone")).stdout)
	now := time.Now().UTC().Format(time.RFC3339)
	mustOK(t, cli(t, nil, "import", "--db", db, "--email", "ana@example.com", "--title", teamTitle, "--date", now,
		writeFile(t, dir, "pricing.vtt", teamsVTT)))
	mustOK(t, cli(t, nil, "import", "--db", db, "--email", "eve@example.com", "--title", privateTitle, "--date", now,
		"--visibility", "private", "--format", "text", writeFile(t, dir, "one-on-one.txt", "Eve Stone: The salary numbers stay between us.\n")))
	w.s = startServe(t, db, envs)
	return w
}

// refreshableSource is the token source the go-sdk handler keeps. It
// records the token in use, and expire makes the next use refresh it
// through the handler's own oauth2 configuration, as an expiry would.
type refreshableSource struct {
	mu   sync.Mutex
	ctx  context.Context
	cfg  *oauth2.Config
	src  oauth2.TokenSource
	last *oauth2.Token
}

func (r *refreshableSource) Token() (*oauth2.Token, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tok, err := r.src.Token()
	if err == nil {
		r.last = tok
	}
	return tok, err
}

func (r *refreshableSource) current() *oauth2.Token {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

func (r *refreshableSource) expire() {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := *r.last
	t.Expiry = time.Now().Add(-time.Minute)
	r.src = r.cfg.TokenSource(r.ctx, &t)
}

// pathRecorder records the paths a client requests.
type pathRecorder struct {
	mu    sync.Mutex
	paths []string
}

func (p *pathRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	p.mu.Lock()
	p.paths = append(p.paths, r.Method+" "+r.URL.Path)
	p.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (p *pathRecorder) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.paths)
}

func TestTheGoSDKClientConnectsWithOAuthRefreshesAndIsCutOffByRevocation(t *testing.T) {
	w := newWorld(t, nil)
	base := w.s.url
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var fetches atomic.Int32
	var fetchErr error
	var authURLSeen string
	var src *refreshableSource
	rec := &pathRecorder{}
	h, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			ClientName: "go-sdk e2e", RedirectURIs: []string{"http://localhost:7777/callback"}, TokenEndpointAuthMethod: "none",
			GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
		}},
		// The "browser": the person signs in with their PAT and allows.
		AuthorizationCodeFetcher: func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
			fetches.Add(1)
			authURLSeen = args.URL
			back, err := approveConsent(args.URL, w.anaPAT)
			if err != nil {
				fetchErr = err
				return nil, err
			}
			q := back.Query()
			return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
		},
		Client: &http.Client{Timeout: 10 * time.Second, Transport: rec},
		NewTokenSource: func(ctx context.Context, cfg *oauth2.Config, tok *oauth2.Token) (oauth2.TokenSource, error) {
			src = &refreshableSource{ctx: ctx, cfg: cfg, src: cfg.TokenSource(ctx, tok), last: tok}
			return src, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	tr := &mcp.StreamableClientTransport{Endpoint: base + "/mcp", OAuthHandler: h, DisableStandaloneSSE: true, MaxRetries: -1,
		HTTPClient: &http.Client{Timeout: 15 * time.Second}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "go-sdk-e2e", Version: "1"}, nil).Connect(ctx, tr, nil)
	if err != nil {
		t.Fatalf("connect with OAuth: %v (consent: %v)\nlog:\n%s", err, fetchErr, w.s.log.String())
	}
	defer cs.Close()

	// Discovery started from the 401 challenge: path-form PRM, AS
	// metadata, registration, token; the person consented once.
	if got, want := rec.list(), []string{"GET /.well-known/oauth-protected-resource/mcp", "GET /.well-known/oauth-authorization-server",
		"POST /oauth/register", "POST /oauth/token"}; !slices.Equal(got, want) {
		t.Errorf("the handler requested %q, want %q", got, want)
	}
	if fetches.Load() != 1 {
		t.Errorf("consent pages opened: %d, want 1", fetches.Load())
	}
	au, _ := url.Parse(authURLSeen)
	// The client may list the scopes in any order (scope is a set, RFC 6749 §3.3).
	scopes := strings.Fields(au.Query().Get("scope"))
	slices.Sort(scopes)
	if q := au.Query(); q.Get("resource") != base+"/mcp" || q.Get("code_challenge_method") != "S256" || !slices.Equal(scopes, []string{"meetings:read", "meetings:write"}) {
		t.Errorf("authorization URL %s: want resource %s/mcp, S256 and both scopes from the challenge", authURLSeen, base)
	}

	tools, err := cs.ListTools(ctx, nil)
	if err != nil || len(tools.Tools) != 28 { // DESIGN §5, the replaced system's extra tools and its workspace tools (§12)
		t.Fatalf("tools/list: %v, %d tools", err, len(tools.Tools))
	}
	if titles := meetingTitles(t, ctx, cs); !slices.Contains(titles, teamTitle) {
		t.Fatalf("list_meetings through OAuth: %q lacks %q", titles, teamTitle)
	}
	first := src.current()
	if claims := jwtClaims(t, first.AccessToken); fmt.Sprint(claims["aud"]) != "["+base+"/mcp]" || claims["iss"] != base {
		t.Errorf("access token claims %v: want aud %s/mcp, iss %s", claims, base, base)
	}

	// Refresh, the way the oauth2 package does when the token expires
	// (the go-sdk sends no resource on refresh): a new access token and a
	// rotated refresh token, and the session goes on without a new consent.
	src.expire()
	if titles := meetingTitles(t, ctx, cs); !slices.Contains(titles, teamTitle) {
		t.Fatalf("list_meetings after refresh: %q", titles)
	}
	second := src.current()
	if second.AccessToken == first.AccessToken || second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatal("the refresh did not issue a new access token and a rotated refresh token")
	}
	if fetches.Load() != 1 || !slices.Contains(rec.list()[4:], "POST /oauth/token") {
		t.Errorf("refresh: %d consents, requests %q", fetches.Load(), rec.list())
	}

	// Revocation (RFC 7009) by the client ends every token of the grant
	// within seconds, not at expiry.
	r := mustHTTP(t, "POST", base+"/oauth/revoke", formHeader,
		url.Values{"token": {second.RefreshToken}, "client_id": {src.cfg.ClientID}}.Encode())
	if r.status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	waitUnauthorized(t, base+"/mcp", second.AccessToken)
	old := *second
	old.Expiry = time.Now().Add(-time.Minute)
	_, err = src.cfg.TokenSource(ctx, &old).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Errorf("refresh after revocation: %v, want invalid_grant", err)
	}
}

// waitUnauthorized polls endpoint with token until it answers 401 with an
// invalid_token challenge, for at most five seconds.
func waitUnauthorized(t *testing.T, endpoint, token string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := postMCP(t, endpoint, token, initializeBody)
		if r.status == http.StatusUnauthorized {
			if ch := r.header.Get("WWW-Authenticate"); !strings.Contains(ch, `error="invalid_token"`) {
				t.Errorf("401 challenge %q lacks error=\"invalid_token\"", ch)
			}
			return
		}
		if r.status != http.StatusOK {
			t.Fatalf("%s with a revoked token: %d %s", endpoint, r.status, r.body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts the revoked token after 5s", endpoint)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// jwtClaims decodes (without verifying) a JWT's payload.
func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOAuthAttacksThroughTheRealServer(t *testing.T) {
	w := newWorld(t, nil)
	base := w.s.url
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	anaTok, _ := grantFor(t, w.s, w.anaPAT, "")
	access := anaTok.str("access_token")

	t.Run("the token works with a Bearer header on /mcp and /sse", func(t *testing.T) {
		if r := postMCP(t, base+"/mcp", access, initializeBody); r.status != http.StatusOK {
			t.Fatalf("/mcp with Bearer: %d %s", r.status, r.body)
		}
		cs := mcpSession(t, ctx, base+"/sse", access)
		if titles := meetingTitles(t, ctx, cs); !slices.Contains(titles, teamTitle) {
			t.Fatalf("/sse list_meetings: %q", titles)
		}
	})

	t.Run("an OAuth access token in the /mcp/{token} path is refused", func(t *testing.T) {
		r := postMCP(t, base+"/mcp/"+access, "", initializeBody)
		if r.status != http.StatusUnauthorized {
			t.Fatalf("/mcp/{oauth token}: %d %s, want 401", r.status, r.body)
		}
		// The same path takes the PAT it was made for.
		if r := postMCP(t, base+"/mcp/"+w.anaPAT, "", initializeBody); r.status != http.StatusOK {
			t.Fatalf("/mcp/{PAT}: %d %s", r.status, r.body)
		}
	})

	t.Run("an OAuth access token in /sse?token= is refused", func(t *testing.T) {
		r := mustHTTP(t, "GET", base+"/sse?token="+url.QueryEscape(access), http.Header{"Accept": {"text/event-stream"}}, "")
		if r.status != http.StatusUnauthorized {
			t.Fatalf("/sse?token={oauth token}: %d %s, want 401", r.status, r.body)
		}
	})

	t.Run("another member's private meeting is invisible through an OAuth token", func(t *testing.T) {
		cs := mcpSession(t, ctx, base+"/mcp", access)
		if titles := meetingTitles(t, ctx, cs); slices.Contains(titles, privateTitle) || !slices.Contains(titles, teamTitle) {
			t.Fatalf("Ana sees %q; want the team meeting and not Eve's private one", titles)
		}
		res := callTool(t, ctx, cs, "search_meetings", map[string]any{"query": "salary numbers"})
		if strings.Contains(toolText(res), "salary") || strings.Contains(fmt.Sprint(res.StructuredContent), "salary") {
			t.Fatalf("search found Eve's private meeting: %s", toolText(res))
		}
		// Eve, through her own grant, does see it: the meeting exists.
		eveTok, _ := grantFor(t, w.s, w.evePAT, "")
		if titles := meetingTitles(t, ctx, mcpSession(t, ctx, base+"/mcp", eveTok.str("access_token"))); !slices.Contains(titles, privateTitle) {
			t.Fatalf("Eve does not see her own private meeting: %q", titles)
		}
	})

	t.Run("a read-only grant reads but cannot write", func(t *testing.T) {
		ro, _ := grantFor(t, w.s, w.anaPAT, "meetings:read")
		if ro.str("scope") != "meetings:read" {
			t.Fatalf("token scope %q, want meetings:read", ro.str("scope"))
		}
		tok := ro.str("access_token")
		if titles := meetingTitles(t, ctx, mcpSession(t, ctx, base+"/mcp", tok)); !slices.Contains(titles, teamTitle) {
			t.Fatalf("read tool with meetings:read: %q", titles)
		}
		call := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"create_meeting","arguments":{"title":"Sneaky"}}}`
		r := postMCP(t, base+"/mcp", tok, call)
		want := `Bearer error="insufficient_scope", scope="meetings:read meetings:write", resource_metadata="` + base + `/.well-known/oauth-protected-resource/mcp"`
		if r.status != http.StatusForbidden || r.header.Get("WWW-Authenticate") != want {
			t.Fatalf("write tool on /mcp: %d %q %s\nwant 403 %q", r.status, r.header.Get("WWW-Authenticate"), r.body, want)
		}
		sse := mcpSession(t, ctx, base+"/sse", tok)
		if titles := meetingTitles(t, ctx, sse); !slices.Contains(titles, teamTitle) {
			t.Fatalf("read tool over SSE with meetings:read: %q", titles)
		}
		res := callTool(t, ctx, sse, "create_meeting", map[string]any{"title": "Sneaky"})
		if !res.IsError || !strings.Contains(toolText(res), "insufficient_scope") {
			t.Fatalf("write tool over SSE: isError %v %q, want a tool error naming insufficient_scope", res.IsError, toolText(res))
		}
		// Nothing was written by either attempt.
		if titles := meetingTitles(t, ctx, mcpSession(t, ctx, base+"/mcp", access)); slices.Contains(titles, "Sneaky") {
			t.Fatal("a read-only token created a meeting")
		}
	})

	t.Run("grants revoke on the command line cuts the connection within seconds", func(t *testing.T) {
		tok, _ := grantFor(t, w.s, w.anaPAT, "")
		list := mustOK(t, cli(t, nil, "grants", "list", "--db", w.s.db, "--email", "ana@example.com")).stdout
		ids := regexp.MustCompile(`(?m)^(\d+)\s`).FindAllStringSubmatch(list, -1)
		if len(ids) == 0 {
			t.Fatalf("grants list shows no grant:\n%s", list)
		}
		// The newest grant is the one just made: revoke it alone.
		newest := 0
		for _, m := range ids {
			newest = max(newest, mustAtoi(m[1]))
		}
		mustOK(t, cli(t, nil, "grants", "revoke", strconv.Itoa(newest), "--db", w.s.db))
		waitUnauthorized(t, base+"/mcp", tok.str("access_token"))
		if r := postMCP(t, base+"/mcp", access, initializeBody); r.status != http.StatusOK {
			t.Fatalf("another grant of the same user stopped working: %d", r.status)
		}
	})
}

func mustAtoi(s string) int { n, _ := strconv.Atoi(s); return n }

func TestOAuthIsOffWhereTheInstanceSaysSo(t *testing.T) {
	secret := strings.Repeat("k", 40)
	cases := []struct {
		name  string
		envs  map[string]string
		oauth bool
	}{
		{"local with OAUTH_ENABLED=false", map[string]string{"OAUTH_ENABLED": "false"}, false},
		{"prod by default", map[string]string{"INSTANCE": "prod", "PUBLIC_URL": "https://mi.example.test"}, false},
		{"prod with OAUTH_ENABLED=true", map[string]string{"INSTANCE": "prod", "PUBLIC_URL": "https://mi.example.test", "OAUTH_ENABLED": "true", "JWT_SECRET": secret}, true},
		{"team by default", map[string]string{"INSTANCE": "team", "PUBLIC_URL": "https://team.example.test", "JWT_SECRET": secret}, true},
	}
	paths := []struct{ method, path string }{
		{"GET", "/.well-known/oauth-protected-resource"},
		{"GET", "/.well-known/oauth-protected-resource/mcp"},
		{"GET", "/.well-known/oauth-authorization-server"},
		{"POST", "/oauth/register"},
		{"GET", "/oauth/authorize"},
		{"POST", "/oauth/token"},
		{"POST", "/oauth/revoke"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "mi.db")
			pat := strings.TrimSpace(mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "ana@example.com", "--name", "Ana")).stdout)
			s := startServe(t, db, c.envs)
			local := "http://" + s.addr // requests go to the loopback listener whatever PUBLIC_URL says
			for _, p := range paths {
				r := mustHTTP(t, p.method, local+p.path, http.Header{"Content-Type": {"application/json"}}, "{}")
				if !c.oauth && r.status != http.StatusNotFound {
					t.Errorf("%s %s with OAuth off: %d, want 404", p.method, p.path, r.status)
				}
				if c.oauth && r.status == http.StatusNotFound {
					t.Errorf("%s %s with OAuth on: 404", p.method, p.path)
				}
			}
			if c.oauth {
				r := mustHTTP(t, "GET", local+"/.well-known/oauth-authorization-server", nil, "")
				if r.str("issuer") != s.url {
					t.Errorf("issuer %q, want PUBLIC_URL %q", r.str("issuer"), s.url)
				}
			}
			r := postMCP(t, local+"/mcp", "", initializeBody)
			ch := r.header.Get("WWW-Authenticate")
			if r.status != http.StatusUnauthorized || !strings.HasPrefix(ch, "Bearer") || strings.Contains(ch, "resource_metadata") == !c.oauth {
				t.Errorf("/mcp without a credential: %d %q; want 401 with resource_metadata only when OAuth is on", r.status, ch)
			}
			if c.oauth && !strings.Contains(ch, `resource_metadata="`+s.url+`/.well-known/oauth-protected-resource/mcp"`) {
				t.Errorf("challenge %q does not point at PUBLIC_URL's metadata", ch)
			}
			if r := postMCP(t, local+"/mcp", pat, initializeBody); r.status != http.StatusOK {
				t.Errorf("/mcp with a PAT: %d %s", r.status, r.body)
			}
		})
	}
}

func TestARestartBetweenEveryOAuthStepLosesNothing(t *testing.T) {
	w := newWorld(t, nil)
	s, base := w.s, w.s.url
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	c := registerClient(t, base, "ChatGPT", "client_secret_post", "https://chatgpt.com/connector_platform_oauth_redirect")
	s.restart()
	verifier, challenge := pkce()
	page, err := openConsent(authURL(base, c, challenge, "st-1", "", base+"/mcp"))
	if err != nil {
		t.Fatal(err) // the client registered before the restart is still known
	}
	s.restart()
	step, err := page.signIn(w.anaPAT)
	if err != nil {
		t.Fatalf("sign-in on a page opened before a restart: %v", err)
	}
	s.restart()
	back, err := step.decide("approve")
	if err != nil {
		t.Fatalf("consent on a page opened before a restart: %v", err)
	}
	code := codeFrom(t, back, "st-1", base)
	s.restart()
	tok := tokenRequest(t, base, c, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {c.redirect}, "code_verifier": {verifier}, "resource": {base + "/mcp"}})
	if tok.status != http.StatusOK {
		t.Fatalf("code exchange after a restart: %d %s", tok.status, tok.body)
	}
	s.restart()
	if titles := meetingTitles(t, ctx, mcpSession(t, ctx, base+"/mcp", tok.str("access_token"))); !slices.Contains(titles, teamTitle) {
		t.Fatalf("access token after a restart: %q", titles)
	}
	ref := tokenRequest(t, base, c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.str("refresh_token")}})
	if ref.status != http.StatusOK || ref.str("refresh_token") == tok.str("refresh_token") {
		t.Fatalf("refresh after restarts: %d %s", ref.status, ref.body)
	}
	s.restart()
	if titles := meetingTitles(t, ctx, mcpSession(t, ctx, base+"/mcp", ref.str("access_token"))); !slices.Contains(titles, teamTitle) {
		t.Fatalf("refreshed access token after a restart: %q", titles)
	}
	again := tokenRequest(t, base, c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {ref.str("refresh_token")}})
	if again.status != http.StatusOK {
		t.Fatalf("second refresh after a restart: %d %s", again.status, again.body)
	}
	// The code stays single-use across the restarts.
	replay := tokenRequest(t, base, c, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {c.redirect}, "code_verifier": {verifier}})
	if replay.status != http.StatusBadRequest || replay.str("error") != "invalid_grant" {
		t.Fatalf("code replay after restarts: %d %s", replay.status, replay.body)
	}
}

// e2eDir is the Node project with the TypeScript SDK, oauth4webapi and
// the conformance suite.
func e2eDir(t *testing.T) string { return e2etest.Dir(t) }

// needNode is e2etest.Node: Node of at least minMajor with module installed.
func needNode(t *testing.T, minMajor int, module string) string {
	return e2etest.Node(t, minMajor, module)
}

var nodeSummaryRE = regexp.MustCompile(`(?m)^ℹ (pass|fail|skipped|todo|cancelled) (\d+)$`)

func TestTheTypeScriptSDKAndOAuth4WebAPIConnectWithOAuth(t *testing.T) {
	node := needNode(t, 20, "oauth4webapi")
	w := newWorld(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "oauth.test.js")
	cmd.Dir = e2eDir(t)
	cmd.Env = append(os.Environ(), "MI_URL="+w.s.url, "MI_TOKEN="+w.anaPAT, "MI_EXPECT_MEETING="+teamTitle)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test oauth.test.js: %v\n%s\nserver log:\n%s", err, out, w.s.log.String())
	}
	counts := map[string]int{}
	for _, m := range nodeSummaryRE.FindAllStringSubmatch(string(out), -1) {
		counts[m[1]], _ = strconv.Atoi(m[2])
	}
	if counts["pass"] < 5 || counts["fail"]+counts["skipped"]+counts["todo"]+counts["cancelled"] != 0 {
		t.Fatalf("node tests: %v, want at least 5 passing and nothing else\n%s", counts, out)
	}
	t.Logf("%s", out)
}

// conformanceChecks reads the checks.json files a conformance run wrote.
func conformanceChecks(t *testing.T, dir string) []map[string]any {
	t.Helper()
	var all []map[string]any
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "checks.json" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var checks []map[string]any
		if err := json.Unmarshal(b, &checks); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		all = append(all, checks...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// acceptedWarnings are the conformance warnings this server earns on
// purpose, with the reason.
var acceptedWarnings = map[string]string{}

// judgeChecks fails the test on any conformance check that neither
// succeeded nor is informational, except the accepted warnings.
func judgeChecks(t *testing.T, checks []map[string]any) {
	t.Helper()
	for _, c := range checks {
		id, _ := c["id"].(string)
		switch st := c["status"]; {
		case st == "SUCCESS", st == "INFO":
		case st == "WARNING" && acceptedWarnings[id] != "":
			t.Logf("accepted warning %s (%s)", id, acceptedWarnings[id])
		default:
			t.Errorf("check %s is %v: %v %v", id, st, c["errorMessage"], c["details"])
		}
	}
}

// conformanceCommand builds a run of the conformance CLI.
func conformanceCommand(ctx context.Context, t *testing.T, node string, args ...string) *exec.Cmd {
	bin := filepath.Join(e2eDir(t), "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js")
	cmd := exec.CommandContext(ctx, node, append([]string{bin}, args...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0")
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

func TestTheConformanceSuitePasses(t *testing.T) {
	node := needNode(t, 22, filepath.Join("@modelcontextprotocol", "conformance"))
	w := newWorld(t, nil)
	base := w.s.url

	// Server scenarios: the suite sends no headers, so it connects to the
	// Copilot form with the PAT in the path.
	for _, sc := range []string{"server-initialize", "ping", "tools-list", "dns-rebinding-protection"} {
		t.Run(sc, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out := t.TempDir()
			cmd := conformanceCommand(ctx, t, node, "server", "--url", base+"/mcp/"+w.anaPAT, "--scenario", sc, "--output-dir", out, "--timeout", "20000")
			b, err := cmd.CombinedOutput()
			checks := conformanceChecks(t, out)
			if err != nil || len(checks) == 0 {
				t.Fatalf("conformance server --scenario %s: %v\n%s", sc, err, b)
			}
			judgeChecks(t, checks)
			t.Logf("%s: %d checks\n%s", sc, len(checks), b)
		})
	}

	// Everything MCP 2026-07-28 requires of a server, but for the scenarios
	// that need the suite's fixture tools (each listed with its reason).
	t.Run("requirements 2026-07-28", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		out := t.TempDir()
		cmd := conformanceCommand(ctx, t, node, "server", "--url", base+"/mcp/"+w.anaPAT, "--requirements", "2026-07-28",
			"--expected-failures", filepath.Join(e2eDir(t), "conformance-expected-failures.yaml"), "--output-dir", out, "--timeout", "20000")
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("conformance --requirements 2026-07-28: %v\n%s", err, b)
		}
		var declares bool
		for _, c := range conformanceChecks(t, out) {
			if c["id"] == "sep-2575-server-declares-prompts-in-discover" {
				declares = c["status"] == "SUCCESS"
			}
		}
		if !declares {
			t.Errorf("ServerDeclaresPromptsInDiscover did not pass:\n%s", b)
		}
	})

	// The authorization server: metadata and a code grant with PKCE for a
	// public client whose redirect is the suite's callback; our "person"
	// reads the URL it prints, consents, and sends the browser back to it.
	t.Run("authorization", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		port := strings.TrimPrefix(freeAddr(t), "127.0.0.1:")
		c := registerClient(t, base, "conformance", "none", "http://127.0.0.1:"+port+"/callback")
		out := t.TempDir()
		cmd := conformanceCommand(ctx, t, node, "authorization", "--url", base, "--client-id", c.id,
			"--resource", base+"/mcp", "--port", port, "--output-dir", out)
		pr, pw := io.Pipe()
		var log syncBuffer
		cmd.Stdout = io.MultiWriter(pw, &log)
		cmd.Stderr = &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait(); pw.Close() }()
		authRE := regexp.MustCompile(`(?m)^(` + regexp.QuoteMeta(base) + `/oauth/authorize\?\S+)$`)
		// consented carries the consent's outcome; errNoURL when the suite
		// never printed an authorization URL.
		errNoURL := errors.New("the suite printed no authorization URL")
		consented := make(chan error, 1)
		go func() {
			var buf strings.Builder
			chunk := make([]byte, 4096)
			for {
				n, err := pr.Read(chunk)
				buf.WriteString(string(chunk[:n]))
				// The suite prints the URL before its callback listens.
				if m := authRE.FindStringSubmatch(buf.String()); m != nil && strings.Contains(buf.String(), "Callback server started") {
					err := browseBack(m[1], w.anaPAT)
					if err != nil {
						cancel()
					}
					consented <- err
					io.Copy(io.Discard, pr)
					return
				}
				if err != nil {
					consented <- errNoURL
					return
				}
			}
		}()
		err := <-done
		consentErr := <-consented
		checks := conformanceChecks(t, out)
		if err != nil || len(checks) < 2 || consentErr != nil {
			t.Fatalf("conformance authorization: %v (consent: %v), %d checks\n%s", err, consentErr, len(checks), log.String())
		}
		judgeChecks(t, checks)
		t.Logf("authorization: %d checks\n%s", len(checks), log.String())
	})
}

// browseBack consents on authURL and follows the redirect to the client's
// callback, as the browser would.
func browseBack(authURL, pat string) error {
	back, err := approveConsent(authURL, pat)
	if err != nil {
		return err
	}
	r, err := httpDo("GET", back.String(), nil, "")
	if err != nil {
		return err
	}
	if r.status != http.StatusOK {
		return fmt.Errorf("callback %s: %d %s", back, r.status, r.body)
	}
	return nil
}
