package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/meetingintel/meetingintel"
)

// chromium finds the browser: $MI_CHROMIUM, else Debian's chromium (what
// .ci/run installs), else other usual names.
func chromium() string {
	if p := os.Getenv("MI_CHROMIUM"); p != "" {
		return p
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// browser starts headless Chromium with a fresh profile. A missing browser
// fails the test: only MI_SKIP_BROWSER=1 skips it, so CI cannot pass by
// accident without having run the browser.
func browser(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("MI_SKIP_BROWSER") == "1" {
		t.Skip("MI_SKIP_BROWSER=1: browser tests skipped")
	}
	path := chromium()
	if path == "" {
		t.Fatal("Chromium not found: install it (apt-get install chromium), set MI_CHROMIUM, or set MI_SKIP_BROWSER=1 to skip browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), // containers have a small /dev/shm
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	return bctx
}

// run runs browser steps with a deadline, failing the test on error.
func run(t *testing.T, bctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(bctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// read runs one browser action that returns a value.
func read[T any](t *testing.T, bctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(bctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// css selects by CSS.
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

func location(t *testing.T, bctx context.Context) *url.URL {
	t.Helper()
	loc := read(t, bctx, "reading the location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestBrowser drives the UI in headless Chromium as a person would: sign
// in, browse, search and land on the transcript line, complete an action,
// import a file, create and revoke a token, approve an OAuth consent page.
// It then saves screenshots of every page at desktop and phone widths into
// $MI_SCREENSHOTS (a temp folder by default).
func TestBrowser(t *testing.T) {
	bctx := browser(t)
	e := newEnv(t)
	start := time.Now()

	t.Run("signing in with a token lands on the meetings list", func(t *testing.T) {
		run(t, bctx, "sign in",
			chromedp.Navigate(e.URL+"/"),
			chromedp.WaitVisible(css(`input[name="token"]`)),
			chromedp.SendKeys(css(`input[name="token"]`), e.PriyaTok),
			chromedp.Submit(css(`input[name="token"]`)),
			chromedp.WaitVisible(css(`ul.meetings`)),
		)
		if p := location(t, bctx).Path; p != "/meetings" {
			t.Errorf("after sign-in the browser is at %s, want /meetings", p)
		}
	})

	t.Run("a meeting opens from the list with its transcript", func(t *testing.T) {
		run(t, bctx, "open a meeting",
			chromedp.Navigate(e.URL+"/meetings"),
			chromedp.Click(css(`.m-title a`)),
			chromedp.WaitVisible(css(`#transcript .seg`)),
		)
		title := read(t, bctx, "read the title", chromedp.Text(css(`h1`)))
		if title == "" {
			t.Error("the meeting page has no title")
		}
	})

	t.Run("a search hit lands on its transcript line", func(t *testing.T) {
		hits, err := e.DB.Search(as(e.Priya), meetingintel.SearchQuery{Query: "rota writes blocked", Limit: 30})
		if err != nil {
			t.Fatal(err)
		}
		var want *meetingintel.SearchHit
		for i := range hits {
			if hits[i].Kind == meetingintel.KindSegment {
				want = &hits[i]
				break
			}
		}
		if want == nil {
			t.Fatal("the demo data has no transcript hit for the query")
		}
		sel := fmt.Sprintf(`a.hit-link[href$="#t-%d"][href^="/meetings/%d"]`, *want.Seq, want.MeetingID)
		run(t, bctx, "search and follow the hit",
			chromedp.Navigate(e.URL+"/meetings"),
			chromedp.SendKeys(css(`#q`), "rota writes blocked"),
			chromedp.Submit(css(`#q`)),
			chromedp.WaitVisible(css(sel)),
			chromedp.Click(css(sel)),
			chromedp.WaitVisible(css(fmt.Sprintf(`#t-%d`, *want.Seq))),
			chromedp.Sleep(150*time.Millisecond), // let the scroll settle
		)
		top := read(t, bctx, "line position", chromedp.Evaluate[float64](fmt.Sprintf(`document.getElementById("t-%d").getBoundingClientRect().top`, *want.Seq)))
		height := read(t, bctx, "window height", chromedp.Evaluate[float64](`window.innerHeight`))
		u := location(t, bctx)
		if u.Path != "/meetings/"+strconv.FormatInt(want.MeetingID, 10) || u.Fragment != "t-"+strconv.Itoa(*want.Seq) {
			t.Errorf("landed on %s, want meeting %d at #t-%d", u, want.MeetingID, *want.Seq)
		}
		if top < 0 || top > height {
			t.Errorf("the transcript line is at y=%.0f, outside the window (height %.0f)", top, height)
		}
		matched := read(t, bctx, "check :target", chromedp.Evaluate[bool](fmt.Sprintf(`document.getElementById("t-%d").matches(":target")`, *want.Seq)))
		if !matched {
			t.Error("the transcript line is not the :target, so it is not highlighted")
		}
		shot(t, bctx, "meeting-search-hit-desktop", false)
	})

	t.Run("completing an action takes one click", func(t *testing.T) {
		open, _, err := e.DB.FindActions(as(e.Priya), meetingintel.ActionFilter{Status: meetingintel.StatusOpen, Limit: 1})
		if err != nil || len(open) == 0 {
			t.Fatalf("no open action: %v", err)
		}
		id := open[0].ID
		btn := fmt.Sprintf(`form[action="/actions/%d/status"] button[value="Complete"]`, id)
		run(t, bctx, "complete",
			chromedp.Navigate(e.URL+"/actions"),
			chromedp.WaitVisible(css(btn)),
			chromedp.Click(css(btn)),
			chromedp.WaitNotPresent(css(btn)),
		)
		a, err := e.DB.FindActionByID(as(e.Priya), id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != meetingintel.StatusComplete {
			t.Errorf("action %d is %s after clicking Complete", id, a.Status)
		}
	})

	dir := t.TempDir()
	good := filepath.Join(dir, "vendor call.vtt")
	os.WriteFile(good, []byte("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Priya Natarajan>Let's pick the courier by Friday.\n\n00:00:04.500 --> 00:00:08.000\n<v Tom Becker>Agreed, I'll send the comparison.\n"), 0o644)
	bad := filepath.Join(dir, "broken.vtt")
	os.WriteFile(bad, []byte("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann>Hello\n\n00:00:05.000 --> 00:00:04.000\n<v Bo>World\n"), 0o644)

	t.Run("importing a file creates its meeting; a bad file names the line", func(t *testing.T) {
		run(t, bctx, "import",
			chromedp.Navigate(e.URL+"/import"),
			chromedp.WaitVisible(css(`#file`)),
			chromedp.SetUploadFiles(css(`#file`), []string{good}),
			chromedp.SendKeys(css(`#title`), "Courier vendor call"),
			chromedp.SetValue(css(`#date`), "2026-03-04T15:00"),
			chromedp.SendKeys(css(`#tags`), "logistics"),
			chromedp.Click(css(`form[action="/import"] button[type=submit]`)),
			chromedp.WaitVisible(css(`#transcript .seg`)),
		)
		h1 := read(t, bctx, "read the title", chromedp.Text(css(`h1`)))
		if h1 != "Courier vendor call" {
			t.Errorf("after import the page title is %q", h1)
		}
		run(t, bctx, "import a bad file",
			chromedp.Navigate(e.URL+"/import"),
			chromedp.SetUploadFiles(css(`#file`), []string{bad}),
			chromedp.Click(css(`form[action="/import"] button[type=submit]`)),
			chromedp.WaitVisible(css(`.alert`)),
		)
		alert := read(t, bctx, "read the error", chromedp.Text(css(`.alert`)))
		if !strings.Contains(alert, "line ") {
			t.Errorf("the error for a bad file does not name the line: %q", alert)
		}
		shot(t, bctx, "import-error-desktop", false)
	})

	t.Run("a token is created, shown once, and revoked", func(t *testing.T) {
		run(t, bctx, "create a token",
			chromedp.Navigate(e.URL+"/connect"),
			chromedp.SendKeys(css(`#label`), "Browser test"),
			chromedp.Submit(css(`#label`)),
			chromedp.WaitVisible(css(`#new-token`)),
		)
		tok := read(t, bctx, "read the token", chromedp.Text(css(`#new-token`)))
		if !strings.HasPrefix(tok, meetingintel.PATPrefix) {
			t.Fatalf("the new token is %q", tok)
		}
		if _, _, err := e.DB.AuthenticateToken(context.Background(), tok); err != nil {
			t.Fatalf("the shown token does not work: %v", err)
		}
		shot(t, bctx, "connect-new-token-desktop", false)
		btn := `button[aria-label="Revoke Browser test"]`
		run(t, bctx, "revoke it",
			chromedp.Navigate(e.URL+"/connect"),
			chromedp.WaitVisible(css(btn)),
			chromedp.Click(css(btn)),
			chromedp.WaitNotPresent(css(btn)),
		)
		if _, _, err := e.DB.AuthenticateToken(context.Background(), tok); meetingintel.ErrorCode(err) != meetingintel.EUNAUTHORIZED {
			t.Errorf("the revoked token still authenticates: %v", err)
		}
	})

	t.Run("the OAuth consent page is approved straight from the web session", func(t *testing.T) {
		cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "back in the app") }))
		defer cb.Close()
		redirect := cb.URL + "/callback"
		reg, _ := json.Marshal(map[string]any{"client_name": "Claude", "redirect_uris": []string{redirect}, "token_endpoint_auth_method": "none",
			"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"}})
		res, err := http.Post(e.URL+"/oauth/register", "application/json", bytes.NewReader(reg))
		if err != nil {
			t.Fatal(err)
		}
		var client struct {
			ID string `json:"client_id"`
		}
		json.NewDecoder(res.Body).Decode(&client)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated || client.ID == "" {
			t.Fatalf("registration answered %d, client %q", res.StatusCode, client.ID)
		}
		verifier := strings.Repeat("v", 20) + strconv.FormatInt(time.Now().UnixNano(), 36) + "-browser-test-verifier"
		sum := sha256.Sum256([]byte(verifier))
		q := url.Values{"response_type": {"code"}, "client_id": {client.ID}, "redirect_uri": {redirect}, "state": {"st-42"},
			"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}, "scope": {"meetings:read meetings:write"}}
		run(t, bctx, "open the consent page",
			chromedp.Navigate(e.URL+"/oauth/authorize?"+q.Encode()),
			chromedp.WaitVisible(css(`form#consent button[name="decision"][value="approve"]`)),
		)
		tokenInputs := read(t, bctx, "count token inputs", chromedp.Evaluate[int](`document.querySelectorAll('form#consent input[name="token"]').length`))
		if tokenInputs != 0 {
			t.Error("the consent page asks for a token although the browser is signed in")
		}
		shot(t, bctx, "consent-desktop", false)
		run(t, bctx, "approve",
			chromedp.Click(css(`form#consent button[value="approve"]`)),
			chromedp.WaitReady(css(`body`)),
		)
		var u *url.URL
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if u = location(t, bctx); strings.HasPrefix(u.String(), redirect) {
				break
			}
		}
		if !strings.HasPrefix(u.String(), redirect) {
			t.Fatalf("after approving the browser is at %s, want %s", u, redirect)
		}
		if u.Query().Get("code") == "" || u.Query().Get("state") != "st-42" || u.Query().Get("iss") != e.URL {
			t.Errorf("the redirect carries code %q, state %q, iss %q", u.Query().Get("code"), u.Query().Get("state"), u.Query().Get("iss"))
		}
		res, err = http.PostForm(e.URL+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")},
			"redirect_uri": {redirect}, "client_id": {client.ID}, "code_verifier": {verifier}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("redeeming the code answered %d", res.StatusCode)
		}
	})

	t.Run("screenshots of every page at desktop and phone widths", func(t *testing.T) {
		screenshots(t, bctx, e)
	})
	t.Logf("browser tests took %s", time.Since(start).Round(time.Millisecond))
}

// screenshotDir is where screenshots go: $MI_SCREENSHOTS, else a temp dir.
var screenshotDir string

func shot(t *testing.T, bctx context.Context, name string, full bool) {
	t.Helper()
	if screenshotDir == "" {
		screenshotDir = os.Getenv("MI_SCREENSHOTS")
		if screenshotDir == "" {
			screenshotDir = filepath.Join(os.TempDir(), "mi-screenshots")
		}
		if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var buf []byte
	if full {
		// The whole page, cut at maxShot pixels: a long transcript would
		// make a picture nobody looks at.
		const maxShot = 2600
		w := read(t, bctx, "measure "+name, chromedp.Evaluate[float64](`document.documentElement.clientWidth`))
		h := read(t, bctx, "measure "+name, chromedp.Evaluate[float64](`document.documentElement.scrollHeight`))
		beyond := true
		buf = read(t, bctx, "screenshot "+name, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
			r, err := cdp.Call(ctx, tg, page.CaptureScreenshot, page.CaptureScreenshotParams{
				Format: page.CaptureScreenshotFormatPng, CaptureBeyondViewport: &beyond,
				Clip: &page.Viewport{X: 0, Y: 0, Width: w, Height: min(h, maxShot), Scale: 1},
			})
			return r.Data, err
		})
	} else {
		buf = read(t, bctx, "screenshot "+name, chromedp.CaptureScreenshot())
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// noSideScroll fails when the page is wider than the window: on a phone
// that means content cut off or a page that pans sideways.
func noSideScroll(t *testing.T, bctx context.Context, what string) {
	t.Helper()
	over := read(t, bctx, "measure width", chromedp.Evaluate[float64](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	if over > 0 {
		t.Errorf("%s: the page is %.0f px wider than the window", what, over)
	}
}

// screenshots visits every page at both widths.
func screenshots(t *testing.T, bctx context.Context, e *env) {
	m := e.meetingByTitle("Pricing page redesign")
	mid := strconv.FormatInt(m.ID, 10)
	decs, _, _ := e.DB.FindDecisions(as(e.Admin), meetingintel.DecisionFilter{MeetingID: &m.ID, Limit: 1})
	acts, _, _ := e.DB.FindActions(as(e.Admin), meetingintel.ActionFilter{MeetingID: &m.ID, Limit: 1})
	pages := []struct{ name, path, wait string }{
		{"meetings", "/meetings", "ul.meetings"},
		{"search", "/meetings?q=" + url.QueryEscape("what did we decide about pricing?"), "ol.hits"},
		{"meeting", "/meetings/" + mid, "#transcript"},
		{"meeting-edit", "/meetings/" + mid + "/edit", "form"},
		{"meeting-delete", "/meetings/" + mid + "/delete", "form"},
		{"actions", "/actions", "ul.actions-list"},
		{"action-edit", "/actions/" + strconv.FormatInt(acts[0].ID, 10) + "/edit", "form"},
		{"decisions", "/decisions", "ul.decisions"},
		{"decision", "/decisions/" + strconv.FormatInt(decs[0].ID, 10), "article"},
		{"import", "/import", "form"},
		{"connect", "/connect", "#tokens"},
		{"apps", "/apps", "main"},
		{"not-found", "/meetings/999999", "main"},
		{"audit", "/admin/audit", "table"},
	}
	// Rows for the audit page, which Priya reads as a chair of the default
	// workspace: she joined it as a member, as every new user, so the org
	// admin makes her its chair here.
	if _, err := e.DB.SetMember(as(e.Admin), 1, e.Priya.Email, meetingintel.RoleChair); err != nil {
		t.Fatal(err)
	}
	for i, a := range []string{meetingintel.AuditMeetingCreate, meetingintel.AuditActionStatus, meetingintel.AuditDecisionUpdate} {
		if err := e.DB.RecordAudit(context.Background(), &meetingintel.AuditEntry{UserEmail: "priya@fernhill.example", Via: "mcp",
			Client: "https://claude.ai/oauth/mcp-oauth-client-metadata", Action: a, WorkspaceID: 1, TargetType: "meeting", TargetID: strconv.Itoa(40 + i)}); err != nil {
			t.Fatal(err)
		}
	}
	widths := []struct {
		name string
		w, h int64
		opts []chromedp.EmulateViewportOption
	}{{"desktop", 1280, 900, nil}, {"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateMobile}}}
	for _, wd := range widths {
		run(t, bctx, "viewport", chromedp.EmulateViewport(wd.w, wd.h, wd.opts...))
		for _, p := range pages {
			run(t, bctx, "open "+p.name, chromedp.Navigate(e.URL+p.path), chromedp.WaitVisible(css(p.wait)))
			noSideScroll(t, bctx, p.name+" at "+wd.name+" width")
			shot(t, bctx, p.name+"-"+wd.name, true)
		}
	}
	// Admin pages, and the sign-in page, need other sessions.
	run(t, bctx, "sign out", chromedp.Navigate(e.URL+"/meetings"), chromedp.Click(css(`form[action="/signout"] button`)),
		chromedp.WaitVisible(css(`input[name="token"]`)))
	for _, wd := range widths {
		run(t, bctx, "viewport", chromedp.EmulateViewport(wd.w, wd.h, wd.opts...))
		run(t, bctx, "open sign-in", chromedp.Navigate(e.URL+"/signin"), chromedp.WaitVisible(css(`input[name="token"]`)))
		noSideScroll(t, bctx, "sign-in at "+wd.name+" width")
		shot(t, bctx, "signin-"+wd.name, true)
	}
	run(t, bctx, "sign in as admin",
		chromedp.SendKeys(css(`input[name="token"]`), e.AdminTok),
		chromedp.Submit(css(`input[name="token"]`)),
		chromedp.WaitVisible(css(`ul.meetings`)))
	for _, wd := range widths {
		run(t, bctx, "viewport", chromedp.EmulateViewport(wd.w, wd.h, wd.opts...))
		run(t, bctx, "open admin", chromedp.Navigate(e.URL+"/admin"), chromedp.WaitVisible(css(`table`)))
		noSideScroll(t, bctx, "admin at "+wd.name+" width")
		shot(t, bctx, "admin-"+wd.name, true)
	}
	run(t, bctx, "viewport", chromedp.EmulateViewport(1280, 900))
	t.Logf("screenshots in %s", screenshotDir)
}
