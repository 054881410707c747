package main

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/meetingintel/meetingintel/internal/oidctest"
)

// TestChromiumApprovesAnAppAfterSigningInWithMicrosoft is ChatGPT's flow in
// headless Chromium by a person whose only credential is their Microsoft
// account: the consent page's "Sign in with Microsoft", the Entra-shaped
// provider's own login and consent pages, back on the same consent request,
// Allow, and the app gets a code that buys a token /mcp accepts. A missing
// browser fails the test; only MI_SKIP_BROWSER=1 skips it.
func TestChromiumApprovesAnAppAfterSigningInWithMicrosoft(t *testing.T) {
	if os.Getenv("MI_SKIP_BROWSER") == "1" {
		t.Skip("MI_SKIP_BROWSER=1: browser tests skipped")
	}
	chrome := os.Getenv("MI_CHROMIUM")
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if chrome != "" {
			break
		}
		chrome, _ = exec.LookPath(n)
	}
	if chrome == "" {
		t.Fatal("Chromium not found: install it (apt-get install chromium), set MI_CHROMIUM, or set MI_SKIP_BROWSER=1 to skip browser tests")
	}

	addr := freeAddr(t)
	base := "http://" + addr
	const tenant = "8f3a2c1e-0000-4000-8000-0000000000c0"
	issuer := oidctest.Start(t, oidctest.Config{Shape: "entra", Tenant: tenant,
		Clients: []oidctest.Client{{ClientID: "mi", ClientSecret: "mi-secret", RedirectURIs: []string{base + "/auth/oidc/entra/callback"}}},
		Accounts: map[string]map[string]any{
			"omar": {"oid": "oid-omar", "tid": tenant, "preferred_username": "omar@fernhill.example", "name": "Omar Haddad"},
		}})
	s := startServe(t, filepath.Join(t.TempDir(), "mi.db"), map[string]string{
		"ADDR": addr, "ENTRA_AUTHORITY": strings.TrimSuffix(issuer, "/"+tenant+"/v2.0"), "ENTRA_TENANT_ID": tenant,
		"ENTRA_CLIENT_ID": "mi", "ENTRA_CLIENT_SECRET": "mi-secret",
	})

	// The app's redirect URI: a server of the test that takes the answer.
	answers := make(chan url.Values, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case answers <- r.URL.Query():
		default:
		}
		_, _ = w.Write([]byte("connected"))
	})}
	go func() { _ = app.Serve(ln) }()
	t.Cleanup(func() { _ = app.Close() })
	redirect := "http://" + ln.Addr().String() + "/callback"
	c := registerClient(t, s.url, "ChatGPT", "client_secret_post", redirect)
	verifier, challenge := pkce()

	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chrome), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()))
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	err = chromedp.Do(ctx,
		chromedp.Navigate(authURL(s.url, c, challenge, "chatgpt-state", "", "")),
		chromedp.WaitVisible(chromedp.CSS(`form#consent button[name="sso"][value="entra"]`)),
		chromedp.Click(chromedp.CSS(`form#consent button[name="sso"][value="entra"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="login"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), "omar"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "anything"),
		chromedp.Submit(chromedp.CSS(`input[name="login"]`)),
		chromedp.WaitReady(chromedp.CSS(`input[name="prompt"][value="consent"]`)),
		chromedp.Click(chromedp.CSS(`button.login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`form#consent button[name="decision"][value="approve"]`)),
		chromedp.Click(chromedp.CSS(`form#consent button[name="decision"][value="approve"]`)),
	)
	if err != nil {
		t.Fatalf("in the browser: %v\nserver log:\n%s", err, s.log.String())
	}
	var q url.Values
	select {
	case q = <-answers:
	case <-ctx.Done():
		t.Fatal("the app never got its answer")
	}
	if q.Get("state") != "chatgpt-state" || q.Get("code") == "" {
		t.Fatalf("the app got %v", q)
	}
	tok := tokenRequest(t, s.url, c, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
		"redirect_uri": {redirect}, "code_verifier": {verifier}})
	if tok.status != 200 {
		t.Fatalf("token: %d %s", tok.status, tok.body)
	}
	if r := postMCP(t, s.url+"/mcp", tok.str("access_token"), initializeBody); r.status != 200 {
		t.Fatalf("/mcp: %d %s", r.status, r.body)
	}
}
