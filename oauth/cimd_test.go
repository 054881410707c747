package oauth_test

import (
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel/oauth"
)

// metadataHost is a client's web server on 127.0.0.1 over TLS (a test CA),
// publishing client metadata documents as Claude and ChatGPT do.
type metadataHost struct {
	srv *httptest.Server

	mu      sync.Mutex
	docs    map[string]func(w http.ResponseWriter, r *http.Request)
	fetches map[string]int
	cookies int // requests that carried a cookie or credential
}

func newMetadataHost(t *testing.T) *metadataHost {
	h := &metadataHost{docs: map[string]func(http.ResponseWriter, *http.Request){}, fetches: map[string]int{}}
	h.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.fetches[r.URL.Path]++
		if r.Header.Get("Cookie") != "" || r.Header.Get("Authorization") != "" {
			h.cookies++
		}
		f := h.docs[r.URL.Path]
		h.mu.Unlock()
		if f == nil {
			http.NotFound(w, r)
			return
		}
		f(w, r)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// url returns the https URL of path on the host.
func (h *metadataHost) url(path string) string { return h.srv.URL + path }

// publish serves doc (with the URL as client_id unless set) at path.
func (h *metadataHost) publish(path string, doc map[string]any, header http.Header) string {
	id := h.url(path)
	d := map[string]any{"client_id": id}
	for k, v := range doc {
		d[k] = v
	}
	b, _ := json.Marshal(d)
	h.serve(path, func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.Write(b)
	})
	return id
}

func (h *metadataHost) serve(path string, f func(http.ResponseWriter, *http.Request)) {
	h.mu.Lock()
	h.docs[path] = f
	h.mu.Unlock()
}

func (h *metadataHost) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.fetches[path]
}

// trusting configures a server to trust the host's test CA and address.
func (h *metadataHost) trusting(c *oauth.Config) {
	pool := x509.NewCertPool()
	pool.AddCert(h.srv.Certificate())
	c.CIMDTestOnly = &oauth.CIMDTestOnly{RootCAs: pool, AllowAddrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
}

// Shapes as the clients publish them (DESIGN §13).
func claudeDocument() map[string]any {
	return map[string]any{
		"client_name": "Claude", "client_uri": "https://claude.ai", "logo_uri": "https://claude.ai/favicon.ico",
		"redirect_uris":              []string{"https://claude.ai/api/mcp/auth_callback", "https://claude.com/api/mcp/auth_callback"},
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": "none",
	}
}

func chatGPTDocument() map[string]any {
	return map[string]any{
		"client_name": "ChatGPT", "client_uri": "https://chatgpt.com",
		"redirect_uris":              []string{"https://chatgpt.com/connector/oauth/abc123"},
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": "none",
		"application_type":           "web",
		"scope":                      "meetings:read meetings:write",
	}
}

func TestMetadataAdvertisesClientIDMetadataDocuments(t *testing.T) {
	e := newEnv(t)
	r := e.get("/.well-known/oauth-authorization-server")
	methods, _ := r.JSON["token_endpoint_auth_methods_supported"].([]any)
	var none bool
	for _, m := range methods {
		none = none || m == "none"
	}
	// Claude uses CIMD only with both.
	if r.JSON["client_id_metadata_document_supported"] != true || !none {
		t.Fatalf("metadata %s: want client_id_metadata_document_supported true and none among the auth methods", r.Body)
	}
}

func TestClaudeAndChatGPTShapedDocumentsAuthorizeExchangeAndRefresh(t *testing.T) {
	host := newMetadataHost(t)
	e := newEnvWith(t, host.trusting)
	for _, tc := range []struct {
		name, path string
		doc        map[string]any
	}{
		{"Claude", "/oauth/claude/client.json", claudeDocument()},
		{"ChatGPT", "/oauth/abc123/client.json", chatGPTDocument()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := host.publish(tc.path, tc.doc, http.Header{"Cache-Control": {"max-age=3600"}})
			c := client{ID: id, Method: "none", Redirect: tc.doc["redirect_uris"].([]string)[0]}
			verifier, challenge := pkce()
			params := authParams(c, challenge)
			page := e.get("/oauth/authorize?" + params.Encode())
			hostPort := strings.TrimPrefix(host.srv.URL, "https://")
			if page.Status != 200 || !strings.Contains(page.Body, tc.name) || !strings.Contains(page.Body, "<strong>"+hostPort+"</strong>") {
				t.Fatalf("consent page: %d, want the client's name and the document's host %s:\n%s", page.Status, hostPort, page.Body)
			}
			code := e.code(c, params)
			tok := e.token(c, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.Redirect}, "code_verifier": {verifier}})
			if tok.Status != 200 || tok.str("access_token") == "" || tok.str("refresh_token") == "" {
				t.Fatalf("token: %d %s", tok.Status, tok.Body)
			}
			if r := e.callMCP("/mcp", tok.str("access_token")); r.Status != 200 {
				t.Fatalf("/mcp with the access token: %d", r.Status)
			}
			ref := e.token(c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.str("refresh_token")}})
			if ref.Status != 200 || ref.str("access_token") == "" || ref.str("refresh_token") == tok.str("refresh_token") {
				t.Fatalf("refresh: %d %s", ref.Status, ref.Body)
			}
			// The consent form's second and third steps used the cache.
			if n := host.count(tc.path); n != 1 {
				t.Errorf("the document was fetched %d times within its max-age, want once", n)
			}
		})
	}
	if host.cookies != 0 {
		t.Errorf("%d fetches carried a cookie or credential", host.cookies)
	}
}

func TestDocumentsAreCachedAsTheirHeadersSay(t *testing.T) {
	host := newMetadataHost(t)
	e := newEnvWith(t, host.trusting)
	open := func(id string) int {
		_, challenge := pkce()
		return e.get("/oauth/authorize?" + authParams(client{ID: id, Redirect: "https://claude.ai/api/mcp/auth_callback"}, challenge).Encode()).Status
	}
	cached := host.publish("/cached.json", claudeDocument(), http.Header{"Cache-Control": {"public, max-age=600"}})
	uncached := host.publish("/uncached.json", claudeDocument(), http.Header{"Cache-Control": {"no-store"}})
	for range 3 {
		if open(cached) != 200 || open(uncached) != 200 {
			t.Fatal("consent page refused a good document")
		}
	}
	if host.count("/cached.json") != 1 || host.count("/uncached.json") != 3 {
		t.Errorf("fetches: max-age=600 %d (want 1), no-store %d (want 3)", host.count("/cached.json"), host.count("/uncached.json"))
	}
	e.clock.Advance(601 * time.Second)
	open(cached)
	if host.count("/cached.json") != 2 {
		t.Errorf("after max-age the document was fetched %d times in all, want 2", host.count("/cached.json"))
	}
}

func TestEveryUnusableDocumentIsRefused(t *testing.T) {
	host := newMetadataHost(t)
	e := newEnvWith(t, host.trusting)
	good := claudeDocument()
	with := func(k string, v any) map[string]any {
		d := map[string]any{}
		for k, v := range good {
			d[k] = v
		}
		if v == nil {
			delete(d, k)
		} else {
			d[k] = v
		}
		return d
	}
	raw := func(ctype, body string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Write([]byte(body))
		}
	}
	host.serve("/redirect.json", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/good.json", http.StatusFound)
	})
	host.publish("/good.json", good, nil)
	host.serve("/html.json", raw("text/html", `{"client_id":"x"}`))
	host.serve("/huge.json", raw("application/json", `{"client_name":"`+strings.Repeat("x", oauth.CIMDMaxBytes)+`"}`))
	host.serve("/notjson.json", raw("application/json", `not json`))
	host.serve("/gone.json", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) })
	cases := []struct {
		name, path string
		doc        map[string]any // published at path when set
		want       string
	}{
		{"a client_id other than its URL", "/other.json", with("client_id", "https://claude.ai/oauth/client.json"), "client_id is not the URL"},
		{"a client secret", "/secret.json", with("client_secret", "s3cret"), "carries a client secret"},
		{"a confidential method", "/basic.json", with("token_endpoint_auth_method", "client_secret_basic"), "is not allowed"},
		{"private_key_jwt without keys", "/pkjwt.json", with("token_endpoint_auth_method", "private_key_jwt"), "exactly one of jwks and jwks_uri"},
		{"no redirect URIs", "/noredirect.json", with("redirect_uris", nil), "redirect_uris"},
		{"a javascript: redirect URI", "/js.json", with("redirect_uris", []string{"javascript:alert(1)"}), "scheme that is not allowed"},
		{"an implicit grant", "/implicit.json", with("grant_types", []string{"implicit"}), "grant type"},
		{"a redirect to elsewhere", "/redirect.json", nil, "redirects elsewhere"},
		{"an HTML answer", "/html.json", nil, "is not JSON"},
		{"a document over 64 KiB", "/huge.json", nil, "larger than"},
		{"a body that is not JSON", "/notjson.json", nil, "not a JSON object"},
		{"an error status", "/gone.json", nil, "answered 410"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.doc != nil {
				host.publish(tc.path, tc.doc, nil)
			}
			_, challenge := pkce()
			params := authParams(client{ID: host.url(tc.path), Redirect: "https://claude.ai/api/mcp/auth_callback"}, challenge)
			r := e.get("/oauth/authorize?" + params.Encode())
			if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, tc.want) || strings.Contains(r.Body, `id="consent"`) {
				t.Errorf("%d, want 400 naming %q and no consent form:\n%.600s", r.Status, tc.want, r.Body)
			}
		})
	}
	t.Run("a redirect_uri the document does not list", func(t *testing.T) {
		_, challenge := pkce()
		r := e.get("/oauth/authorize?" + authParams(client{ID: host.url("/good.json"), Redirect: "https://evil.example/cb"}, challenge).Encode())
		if r.Status != http.StatusBadRequest || strings.Contains(r.Header.Get("Location"), "evil") {
			t.Errorf("%d %s", r.Status, r.Header.Get("Location"))
		}
	})
	for _, id := range []string{
		strings.Replace(host.url("/good.json"), "https:", "http:", 1), // not https: not a document, an unknown client
		host.url("/good.json") + "?x=1",
		host.url("/a/../good.json"),
		host.url("/good.json") + "#frag",
	} {
		_, challenge := pkce()
		if r := e.get("/oauth/authorize?" + authParams(client{ID: id, Redirect: "https://claude.ai/api/mcp/auth_callback"}, challenge).Encode()); r.Status != http.StatusBadRequest {
			t.Errorf("client_id %s: %d, want 400", id, r.Status)
		}
	}
}

func TestDocumentsOnNonPublicAddressesAreNeverFetched(t *testing.T) {
	host := newMetadataHost(t)
	// Trusts the CA but not the address: as in production, loopback is refused
	// after resolution, whether named by IP or by a name that resolves to it.
	e := newEnvWith(t, func(c *oauth.Config) {
		host.trusting(c)
		c.CIMDTestOnly.AllowAddrs = nil
	})
	host.publish("/doc.json", claudeDocument(), nil)
	port := host.srv.URL[strings.LastIndex(host.srv.URL, ":"):]
	for _, id := range []string{host.url("/doc.json"), "https://localhost" + port + "/doc.json", "https://[::1]" + port + "/doc.json"} {
		_, challenge := pkce()
		params := authParams(client{ID: id, Redirect: "https://claude.ai/api/mcp/auth_callback"}, challenge)
		r := e.get("/oauth/authorize?" + params.Encode())
		if r.Status != http.StatusBadRequest || strings.Contains(r.Body, `id="consent"`) {
			t.Errorf("%s: %d, want a refusal:\n%.400s", id, r.Status, r.Body)
		}
	}
	if n := host.count("/doc.json"); n != 0 {
		t.Errorf("a loopback host was fetched %d times", n)
	}
}

func TestOnlyPublicAddressesAreFetchable(t *testing.T) {
	for addr, public := range map[string]bool{
		"8.8.8.8": true, "2606:4700:4700::1111": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "fc00::1": false, "fd12::1": false, "100.64.0.1": false,
		"0.0.0.0": false, "::": false, "224.0.0.1": false, "ff02::1": false, "::ffff:127.0.0.1": false,
		"::ffff:10.0.0.1": false, "192.0.2.1": false, "64:ff9b::a00:1": false, "255.255.255.255": false,
	} {
		if got := oauth.PublicAddr(netip.MustParseAddr(addr)); got != public {
			t.Errorf("PublicAddr(%s) = %v, want %v", addr, got, public)
		}
	}
}
