package sso_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/meetingintel/meetingintel/internal/oidctest"
	"github.com/meetingintel/meetingintel/sso"
)

// chromium finds the browser as the web package's browser tests do.
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

// TestBrowserSignsInThroughTheProvidersLoginPage is a person in headless
// Chromium: our sign-in page, "Sign in with Microsoft", the provider's own
// login and consent pages, and back to our meetings, signed in. A missing
// browser fails the test; only MI_SKIP_BROWSER=1 skips it.
func TestBrowserSignsInThroughTheProvidersLoginPage(t *testing.T) {
	if os.Getenv("MI_SKIP_BROWSER") == "1" {
		t.Skip("MI_SKIP_BROWSER=1: browser tests skipped")
	}
	path := chromium()
	if path == "" {
		t.Fatal("Chromium not found: install it (apt-get install chromium), set MI_CHROMIUM, or set MI_SKIP_BROWSER=1 to skip browser tests")
	}
	ln, base := listen(t)
	const tenant = "8f3a2c1e-0000-4000-8000-0000000000b0"
	issuer := oidctest.Start(t, oidctest.Config{Shape: "entra", Tenant: tenant,
		Clients: []oidctest.Client{{ClientID: "mi-app", ClientSecret: "mi-secret", RedirectURIs: []string{base + "/auth/oidc/entra/callback"}}},
		Accounts: map[string]map[string]any{
			"lena": {"oid": "oid-lena", "tid": tenant, "preferred_username": "lena@fernhill.example", "name": "Lena Park"},
		}})
	a := startApp(t, ln, base, sso.ProviderConfig{Name: "entra", Label: "Microsoft", Kind: sso.KindEntra, Issuer: issuer,
		ClientID: "mi-app", ClientSecret: "mi-secret", AllowedTenants: []string{tenant}}, sso.Policy{JIT: true})

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()

	err := chromedp.Do(ctx,
		chromedp.Navigate(a.url+"/signin"),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/auth/oidc/entra/start"]`)),
		chromedp.Click(chromedp.CSS(`a[href^="/auth/oidc/entra/start"]`)),
		// The provider's own login page.
		chromedp.WaitVisible(chromedp.CSS(`input[name="login"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), "lena"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "anything"),
		chromedp.Submit(chromedp.CSS(`input[name="login"]`)),
		// Its consent page (its button has the login page's class, so wait
		// for what only the consent form holds).
		chromedp.WaitReady(chromedp.CSS(`input[name="prompt"][value="consent"]`)),
		chromedp.Click(chromedp.CSS(`button.login-submit`)),
		// Back home, signed in.
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signout"]`)),
	)
	if err != nil {
		t.Fatalf("signing in through the provider: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loc, a.url+"/meetings") {
		t.Errorf("after sign-in the browser is at %s, want %s/meetings", loc, a.url)
	}
	u, err := a.db.FindUserByIdentity(context.Background(), "entra:"+tenant, "oid-lena")
	if err != nil || u.Email != "lena@fernhill.example" {
		t.Errorf("user = %+v, %v", u, err)
	}
}
