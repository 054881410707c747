package oauth_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/meetingintel/meetingintel/oauth"
)

// signer is one of a client's private keys.
type signer struct {
	key crypto.Signer
	alg jose.SignatureAlgorithm
	kid string
}

func newECKey(t *testing.T, kid string) signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signer{k, jose.ES256, kid}
}

func newRSAKey(t *testing.T, kid string) signer {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return signer{k, jose.RS256, kid}
}

// jwks is the public key set of keys, as a document publishes it.
func jwks(keys ...signer) map[string]any {
	var set []any
	for _, k := range keys {
		set = append(set, jose.JSONWebKey{Key: k.key.Public(), KeyID: k.kid, Algorithm: string(k.alg), Use: "sig"})
	}
	return map[string]any{"keys": set}
}

// assertion signs claims with k.
func (k signer) assertion(t *testing.T, claims jwt.Claims) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if k.kid != "" {
		opts = opts.WithHeader("kid", k.kid)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: k.key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// jtiSeq numbers assertions; the tests that use it do not run in parallel.
var jtiSeq int

// claimsFor are good claims for client id at now, with a fresh jti.
func claimsFor(e *env, id string) jwt.Claims {
	jtiSeq++
	now := e.clock.Now()
	return jwt.Claims{Issuer: id, Subject: id, Audience: jwt.Audience{e.srv.URL + "/oauth/token"},
		Expiry: jwt.NewNumericDate(now.Add(2 * time.Minute)), IssuedAt: jwt.NewNumericDate(now),
		ID: fmt.Sprintf("jti-%d", jtiSeq)}
}

// withAssertion is form authenticated by a client assertion.
func withAssertion(form url.Values, a string) url.Values {
	f := cloneValues(form)
	f.Set("client_assertion_type", oauth.AssertionType)
	f.Set("client_assertion", a)
	return f
}

func pkjwtDocument(keys map[string]any, jwksURI string) map[string]any {
	d := claudeDocument()
	d["client_name"] = "Key Holder"
	d["token_endpoint_auth_method"] = "private_key_jwt"
	if keys != nil {
		d["jwks"] = keys
	}
	if jwksURI != "" {
		d["jwks_uri"] = jwksURI
	}
	return d
}

func TestPrivateKeyJWTClientsAuthorizeExchangeAndRefresh(t *testing.T) {
	host := newMetadataHost(t)
	e := newEnvWith(t, host.trusting)
	ec, rsaKey := newECKey(t, "ec-1"), newRSAKey(t, "rsa-1")
	host.publish("/keys.json", jwks(rsaKey), http.Header{"Cache-Control": {"max-age=3600"}})
	for _, tc := range []struct {
		name, path string
		doc        map[string]any
		key        signer
		aud        string // "" for the token endpoint
	}{
		{"ES256 with jwks", "/pk/inline.json", pkjwtDocument(jwks(ec), ""), ec, ""},
		{"RS256 with jwks_uri, aud the issuer", "/pk/uri.json", pkjwtDocument(nil, host.url("/keys.json")), rsaKey, e.srv.URL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := host.publish(tc.path, tc.doc, http.Header{"Cache-Control": {"max-age=3600"}})
			c := client{ID: id, Method: "private_key_jwt", Redirect: "https://claude.ai/api/mcp/auth_callback"}
			sign := func() string {
				cl := claimsFor(e, id)
				if tc.aud != "" {
					cl.Audience = jwt.Audience{tc.aud}
				}
				return tc.key.assertion(t, cl)
			}
			verifier, challenge := pkce()
			code := e.code(c, authParams(c, challenge))
			tok := e.token(c, withAssertion(url.Values{"grant_type": {"authorization_code"}, "code": {code},
				"redirect_uri": {c.Redirect}, "code_verifier": {verifier}}, sign()))
			if tok.Status != 200 || tok.str("access_token") == "" || tok.str("refresh_token") == "" {
				t.Fatalf("token: %d %s", tok.Status, tok.Body)
			}
			if r := e.callMCP("/mcp", tok.str("access_token")); r.Status != 200 {
				t.Fatalf("/mcp with the access token: %d", r.Status)
			}
			// Without client_id: the assertion's iss names the client.
			f := withAssertion(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.str("refresh_token")}}, sign())
			ref := e.postForm("/oauth/token", f, nil)
			if ref.Status != 200 || ref.str("access_token") == "" || ref.str("refresh_token") == tok.str("refresh_token") {
				t.Fatalf("refresh: %d %s", ref.Status, ref.Body)
			}
		})
	}
	if n := host.count("/keys.json"); n != 1 {
		t.Errorf("the jwks_uri was fetched %d times within its max-age, want once", n)
	}
	if host.cookies != 0 {
		t.Errorf("%d fetches carried a cookie or credential", host.cookies)
	}
}

func TestClientAssertionAttacksAreRefused(t *testing.T) {
	host := newMetadataHost(t)
	e := newEnvWith(t, host.trusting)
	key, other := newECKey(t, "k1"), newECKey(t, "k2")
	id := host.publish("/pk/a.json", pkjwtDocument(jwks(key), ""), http.Header{"Cache-Control": {"max-age=3600"}})
	otherID := host.publish("/pk/b.json", pkjwtDocument(jwks(other), ""), http.Header{"Cache-Control": {"max-age=3600"}})
	public := host.publish("/public.json", claudeDocument(), nil)
	c := client{ID: id, Method: "private_key_jwt", Redirect: "https://claude.ai/api/mcp/auth_callback"}
	ob := client{ID: otherID, Method: "private_key_jwt", Redirect: c.Redirect}
	pub := client{ID: public, Method: "none", Redirect: c.Redirect}

	// A live refresh token for c, spent only by the last, good request.
	verifier, challenge := pkce()
	code := e.code(c, authParams(c, challenge))
	used := key.assertion(t, claimsFor(e, id))
	tok := e.token(c, withAssertion(url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {c.Redirect}, "code_verifier": {verifier}}, used))
	if tok.Status != 200 {
		t.Fatalf("token: %d %s", tok.Status, tok.Body)
	}
	for _, x := range []client{ob, pub} {
		_, ch := pkce()
		e.code(x, authParams(x, ch)) // stores the client
	}
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.str("refresh_token")}}
	modified := func(f func(*jwt.Claims)) string {
		cl := claimsFor(e, id)
		f(&cl)
		return key.assertion(t, cl)
	}
	now := e.clock.Now()
	hs, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(strings.Repeat("k", 32))}, nil)
	hsToken, _ := jwt.Signed(hs).Claims(claimsFor(e, id)).Serialize()
	cases := []struct {
		name string
		form url.Values
		want string
	}{
		{"signed with a key not in the set", withAssertion(refresh, other.assertion(t, claimsFor(e, id))), "not signed by any"},
		{"a replayed jti", withAssertion(refresh, used), "already used"},
		{"expired", withAssertion(refresh, modified(func(c *jwt.Claims) {
			c.Expiry, c.IssuedAt = jwt.NewNumericDate(now.Add(-2*time.Minute)), jwt.NewNumericDate(now.Add(-4*time.Minute))
		})), "expired"},
		{"exp too far ahead", withAssertion(refresh, modified(func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now.Add(time.Hour)) })), "too far ahead"},
		{"no exp", withAssertion(refresh, modified(func(c *jwt.Claims) { c.Expiry = nil })), "no expiry"},
		{"no jti", withAssertion(refresh, modified(func(c *jwt.Claims) { c.ID = "" })), "jti"},
		{"a wrong aud", withAssertion(refresh, modified(func(c *jwt.Claims) { c.Audience = jwt.Audience{"https://evil.example/oauth/token"} })), "audience"},
		{"sub another client", withAssertion(refresh, modified(func(c *jwt.Claims) { c.Subject = otherID })), "iss and sub"},
		{"HS256", withAssertion(refresh, hsToken), "RS256 or ES256"},
		{"not a JWT", withAssertion(refresh, "a.b.c"), "RS256 or ES256"},
		{"missing assertion", func() url.Values { f := cloneValues(refresh); f.Set("client_id", id); return f }(), "send a client_assertion"},
		{"an assertion for another client_id", func() url.Values {
			f := withAssertion(refresh, key.assertion(t, claimsFor(e, id)))
			f.Set("client_id", otherID)
			return f
		}(), "another client"},
		{"another client's iss, signed with our key", withAssertion(refresh, key.assertion(t, claimsFor(e, otherID))), "not signed by any"},
		{"an assertion from a public client", withAssertion(refresh, key.assertion(t, claimsFor(e, public))), "must not send a client assertion"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.postForm("/oauth/token", tc.form, nil)
			wantOAuthError(t, tc.name, r, http.StatusUnauthorized, "invalid_client")
			if !strings.Contains(r.str("error_description"), tc.want) {
				t.Errorf("error_description %q, want it to say %q", r.str("error_description"), tc.want)
			}
		})
	}
	t.Run("a wrong client_assertion_type", func(t *testing.T) {
		f := withAssertion(refresh, key.assertion(t, claimsFor(e, id)))
		f.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer")
		wantOAuthError(t, "saml2 type", e.postForm("/oauth/token", f, nil), http.StatusBadRequest, "invalid_request")
	})
	t.Run("an assertion and a secret", func(t *testing.T) {
		f := withAssertion(refresh, key.assertion(t, claimsFor(e, id)))
		f.Set("client_secret", "s3cret")
		wantOAuthError(t, "assertion and secret", e.postForm("/oauth/token", f, nil), http.StatusBadRequest, "invalid_request")
	})
	// The jti is in the database: after a restart (as on another replica)
	// the used assertion is still refused.
	e.restart()
	wantOAuthError(t, "replay after restart", e.postForm("/oauth/token", withAssertion(refresh, used), nil), http.StatusUnauthorized, "invalid_client")
	// None of the refused requests spent the refresh token.
	if r := e.postForm("/oauth/token", withAssertion(refresh, key.assertion(t, claimsFor(e, id))), nil); r.Status != 200 {
		t.Fatalf("good refresh after the attacks: %d %s", r.Status, r.Body)
	}
}

func TestDocumentsWithUnusableKeysAreRefused(t *testing.T) {
	host := newMetadataHost(t)
	e := newEnvWith(t, host.trusting)
	ec := newECKey(t, "k")
	priv := map[string]any{"keys": []any{jose.JSONWebKey{Key: ec.key, KeyID: "k", Algorithm: "ES256", Use: "sig"}}}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	weak := map[string]any{"keys": []any{jose.JSONWebKey{Key: small.Public(), Algorithm: "RS256"}}}
	withNone := pkjwtDocument(jwks(ec), "")
	withNone["token_endpoint_auth_method"] = "none"
	for _, tc := range []struct {
		name string
		doc  map[string]any
		want string
	}{
		{"a private key", pkjwtDocument(priv, ""), "publishes a private key"},
		{"only an RSA key under 2048 bits", pkjwtDocument(weak, ""), "no RS256"},
		{"both jwks and jwks_uri", pkjwtDocument(jwks(ec), host.url("/keys.json")), "exactly one"},
		{"a jwks_uri over http", pkjwtDocument(nil, "http://keys.example/jwks.json"), "jwks_uri"},
		{"keys with method none", withNone, "declare private_key_jwt"},
		{"a jwks that is no key set", pkjwtDocument(map[string]any{"keys": "nope"}, ""), "not a JSON Web Key Set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/bad/" + strings.ReplaceAll(tc.name, " ", "-") + ".json"
			id := host.publish(path, tc.doc, nil)
			_, challenge := pkce()
			r := e.get("/oauth/authorize?" + authParams(client{ID: id, Redirect: "https://claude.ai/api/mcp/auth_callback"}, challenge).Encode())
			if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, tc.want) || strings.Contains(r.Body, `id="consent"`) {
				t.Errorf("%d, want 400 naming %q and no consent form:\n%.600s", r.Status, tc.want, r.Body)
			}
		})
	}
}
