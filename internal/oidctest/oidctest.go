// Package oidctest starts a real OpenID provider for tests: the npm
// package oidc-provider (OpenID Certified), run by e2e/oidc-provider.mjs on
// 127.0.0.1 and a random port, shaped like Microsoft Entra ID or Google.
// Its login form takes any password; the login names the account.
package oidctest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel/internal/e2etest"
)

// NeedNode returns Node 22 or newer (oidc-provider needs it) and the e2e
// folder; see e2etest.Node for what fails and what skips.
func NeedNode(t testing.TB) (node, dir string) {
	t.Helper()
	return e2etest.Node(t, 22, "oidc-provider"), e2etest.Dir(t)
}

// Config is e2e/oidc-provider.mjs's configuration.
type Config struct {
	Shape    string                    `json:"shape"`
	Tenant   string                    `json:"tenant,omitempty"`
	Clients  []Client                  `json:"clients"`
	Accounts map[string]map[string]any `json:"accounts"`
}

// Client is a client registered at the provider.
type Client struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret,omitempty"`
	RedirectURIs []string `json:"redirect_uris"`
	PostLogout   []string `json:"post_logout_redirect_uris,omitempty"`
}

// Start starts the real OpenID provider and returns its issuer; it is
// stopped when the test ends.
func Start(t testing.TB, cfg Config) string {
	t.Helper()
	node, dir := NeedNode(t)
	b, _ := json.Marshal(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "oidc-provider.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "OIDC_TEST_CONFIG="+string(b))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		cancel()
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- s
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case s := <-line:
		var hello struct{ Issuer string }
		if json.Unmarshal([]byte(s), &hello) != nil || hello.Issuer == "" {
			t.Fatalf("oidc-provider did not start: %q\n%s", s, stderr.String())
		}
		return hello.Issuer
	case <-time.After(30 * time.Second):
		t.Fatalf("oidc-provider did not start in 30 s:\n%s", stderr.String())
	}
	return ""
}

// Rotate makes the provider at issuer sign with a new key from now on
// (the old one stays published, as providers do during a rotation).
func Rotate(t testing.TB, issuer string) {
	t.Helper()
	u, err := url.Parse(issuer)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Post(u.Scheme+"://"+u.Host+"/_test/rotate", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("rotate: %d", res.StatusCode)
	}
}

// KeyIDs returns the kids the provider publishes, in its order.
func KeyIDs(t testing.TB, issuer string) []string {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Get(issuer + "/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.Kid)
	}
	return out
}
