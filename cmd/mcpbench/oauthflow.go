package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// benchRedirect is the redirect URI the benchmark's OAuth client registers:
// a loopback address nothing listens on, since the code is read from the
// Location header and never followed.
const benchRedirect = "http://127.0.0.1:9/cb"

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// oauthToken gets an access token for the PAT's user by driving the real
// authorization code flow over HTTP, as a client and its user would:
// dynamic registration (a public client), the authorization request with
// PKCE S256, sign-in on the consent page with the PAT, approval, and the
// code exchanged at the token endpoint. base is the server's root URL.
func oauthToken(ctx context.Context, base, pat string) (string, error) {
	hc := &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	do := func(method, path, contentType string, body io.Reader) (*http.Response, string, error) {
		req, err := http.NewRequestWithContext(ctx, method, base+path, body)
		if err != nil {
			return nil, "", err
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return resp, string(b), err
	}
	form := func(path string, v url.Values) (*http.Response, string, error) {
		return do(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	}

	reg, _ := json.Marshal(map[string]any{"client_name": "mcpbench", "redirect_uris": []string{benchRedirect},
		"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"},
		"token_endpoint_auth_method": "none"})
	resp, body, err := do(http.MethodPost, "/oauth/register", "application/json", strings.NewReader(string(reg)))
	if err != nil {
		return "", fmt.Errorf("register: %w", err)
	}
	var client struct {
		ClientID string `json:"client_id"`
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(body), &client) != nil || client.ClientID == "" {
		return "", fmt.Errorf("register answered %d: %s", resp.StatusCode, lastBytes([]byte(body), 300))
	}

	vb := make([]byte, 32)
	_, _ = rand.Read(vb)
	verifier := base64.RawURLEncoding.EncodeToString(vb)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {client.ClientID}, "redirect_uri": {benchRedirect},
		"state": {"s"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	resp, body, err = do(http.MethodGet, "/oauth/authorize?"+q.Encode(), "", nil)
	if err != nil {
		return "", fmt.Errorf("authorize: %w", err)
	}
	signIn, err := consentForm(resp, body, "sign-in page")
	if err != nil {
		return "", err
	}
	signIn.Set("token", pat)
	resp, body, err = form("/oauth/authorize", signIn)
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	approve, err := consentForm(resp, body, "consent page")
	if err != nil {
		return "", err
	}
	approve.Set("decision", "approve")
	resp, body, err = form("/oauth/authorize", approve)
	if err != nil {
		return "", fmt.Errorf("approve: %w", err)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		return "", fmt.Errorf("approve answered %d without a code: %s", resp.StatusCode, lastBytes([]byte(body), 300))
	}

	resp, body, err = form("/oauth/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {client.ClientID},
		"code": {loc.Query().Get("code")}, "redirect_uri": {benchRedirect}, "code_verifier": {verifier}})
	if err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &tok) != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("token endpoint answered %d: %s", resp.StatusCode, lastBytes([]byte(body), 300))
	}
	return tok.AccessToken, nil
}

// consentForm returns the hidden fields of the consent form on a page.
func consentForm(resp *http.Response, body, what string) (url.Values, error) {
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="consent"`) {
		return nil, fmt.Errorf("%s: answered %d without the consent form: %s", what, resp.StatusCode, lastBytes([]byte(body), 300))
	}
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	if len(v) == 0 {
		return nil, fmt.Errorf("%s: the consent form has no hidden fields", what)
	}
	return v, nil
}
