package web_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/demo"
	"github.com/meetingintel/meetingintel/httpserver"
	"github.com/meetingintel/meetingintel/internal/logguard"
	"github.com/meetingintel/meetingintel/oauth"
	"github.com/meetingintel/meetingintel/sqlite"
	"github.com/meetingintel/meetingintel/web"
)

// env is a running instance: the real HTTP server with the web UI and the
// OAuth authorization server mounted, on a SQLite file in a temp folder,
// loaded with the demo meetings.
type env struct {
	t       *testing.T
	URL     string
	DB      *sqlite.DB
	Web     *web.Server
	path    string
	stop    func()
	secret  []byte
	clock   *clock
	publicS string // PublicURL override ("" = the listener's URL)

	Admin, Priya, Daniel          *meetingintel.User
	AdminTok, PriyaTok, DanielTok string
}

// clock is a settable clock shared by the server and the test.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// newEnv starts an instance with the demo data and three users: an admin
// (who loaded the demo, chairs General and sees everything), Priya (a
// member of General, as every new user, who attends the private meetings)
// and Daniel (a member who does not).
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "web.db"), clock: &clock{}, secret: make([]byte, 32)}
	_, _ = rand.Read(e.secret)
	e.open()
	ctx := context.Background()
	mk := func(email, name string, admin bool) (*meetingintel.User, string) {
		u := &meetingintel.User{Email: email, Name: name, Admin: admin}
		if err := e.DB.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		tok, _, err := e.DB.CreateToken(ctx, u.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		return u, tok
	}
	e.Admin, e.AdminTok = mk("admin@fernhill.example", "Avery Admin", true)
	e.Priya, e.PriyaTok = mk("priya@fernhill.example", "Priya Natarajan", false)
	e.Daniel, e.DanielTok = mk("daniel@fernhill.example", "Daniel Okafor", false)
	if _, err := demo.Load(meetingintel.NewContextWithUser(ctx, e.Admin), e.DB, time.Now()); err != nil {
		t.Fatal(err)
	}
	e.start()
	t.Cleanup(e.close)
	return e
}

func (e *env) open() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sqlite.Open(ctx, e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	e.DB = db
}

// start serves on a new 127.0.0.1 port.
func (e *env) start() {
	t := e.t
	log := httpserver.NewLogger(logguard.Writer(), slog.LevelInfo)
	hs := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0", Store: e.DB, Logger: log})
	if err := hs.Listen(); err != nil {
		t.Fatal(err)
	}
	e.URL = "http://" + hs.Addr()
	public := e.URL
	if e.publicS != "" {
		public = e.publicS
	}
	w, err := web.New(web.Config{Store: e.DB, Sessions: e.DB, OAuth: e.DB, PublicURL: public, Logger: log,
		Version: "test", OAuthEnabled: true, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.Web = w
	w.Register(hs)
	as, err := oauth.New(oauth.Config{Store: e.DB, Users: e.DB, PublicURL: public, Secret: e.secret, Logger: log, SessionUser: w.SessionUser})
	if err != nil {
		t.Fatal(err)
	}
	as.Register(hs)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = hs.Serve(ctx); close(done) }()
	e.stop = func() { cancel(); <-done }
}

// restart stops the server, closes and reopens the database, and serves
// again: what a redeploy does.
func (e *env) restart() {
	e.stop()
	if err := e.DB.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
	e.start()
}

func (e *env) close() {
	if e.stop != nil {
		e.stop()
	}
	e.DB.Close()
}

// as returns a context acting as u, for reading the store in tests.
func as(u *meetingintel.User) context.Context {
	return meetingintel.NewContextWithUser(context.Background(), u)
}

// client is a browser-like HTTP client: a cookie jar, no redirects
// followed (tests check them), a deadline on every request.
type client struct {
	e    *env
	hc   *http.Client
	csrf string
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{
		Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// signedIn returns a client signed in with token.
func (e *env) signedIn(token string) *client {
	c := e.client()
	res, _ := c.post("/signin", url.Values{"token": {token}})
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign-in answered %d, want 303", res.StatusCode)
	}
	_, body := c.get("/connect")
	c.csrf = csrfOf(e.t, body)
	return c
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field in page:\n%.2000s", body)
	}
	return m[1]
}

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.e.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return res, string(b)
}

func (c *client) get(path string) (*http.Response, string) {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.URL+path, nil)
	return c.do(req)
}

// post sends a form as a same-origin browser would.
func (c *client) post(path string, form url.Values, headers ...string) (*http.Response, string) {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.e.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.e.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	return c.do(req)
}

// postCSRF posts a form with the client's CSRF token.
func (c *client) postCSRF(path string, form url.Values) (*http.Response, string) {
	c.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", c.csrf)
	return c.post(path, form)
}

// meetingByTitle finds a demo meeting as the admin.
func (e *env) meetingByTitle(title string) *meetingintel.Meeting {
	e.t.Helper()
	var cursor string
	for {
		ms, next, err := e.DB.FindMeetings(as(e.Admin), meetingintel.MeetingFilter{Limit: 100, Cursor: cursor})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, m := range ms {
			if m.Title == title {
				return m
			}
		}
		if next == "" {
			e.t.Fatalf("no meeting titled %q", title)
		}
		cursor = next
	}
}

func wantStatus(t *testing.T, what string, res *http.Response, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Errorf("%s: status %d, want %d", what, res.StatusCode, want)
	}
}

func wantBody(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("%s: page lacks %q", what, s)
		}
	}
}

func wantNotBody(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(body, s) {
			t.Errorf("%s: page contains %q", what, s)
		}
	}
}
