package sso_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel/sso"
)

// hostileOP is an OpenID provider gone wrong (or an attacker in the
// middle): it publishes one key and answers the token request with an ID
// token whose audience, nonce or signature is off as told. The real
// provider (oidc-provider) never makes such tokens, so this one stands in
// for it; it speaks real HTTP on 127.0.0.1.
type hostileOP struct {
	url       string
	published *rsa.PrivateKey // in the JWKS
	other     *rsa.PrivateKey // a second key nobody published

	mu     sync.Mutex
	nonces map[string]string // code -> the nonce the authorize request carried
	mode   string
}

func startHostileOP(t *testing.T) *hostileOP {
	t.Helper()
	op := &hostileOP{nonces: map[string]string{}}
	op.published, _ = rsa.GenerateKey(rand.Reader, 2048)
	op.other, _ = rsa.GenerateKey(rand.Reader, 2048)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	op.url = "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": op.url, "authorization_endpoint": op.url + "/authorize",
			"token_endpoint": op.url + "/token", "jwks_uri": op.url + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		pub := op.published.PublicKey
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		code := rand.Text()
		op.mu.Lock()
		op.nonces[code] = q.Get("nonce")
		op.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		op.mu.Lock()
		nonce, mode := op.nonces[r.PostForm.Get("code")], op.mode
		op.mu.Unlock()
		claims := map[string]any{"iss": op.url, "sub": "s-1", "aud": "mi-app", "exp": time.Now().Add(time.Hour).Unix(),
			"iat": time.Now().Unix(), "nonce": nonce, "email": "kim@fernhill.example", "email_verified": true}
		key := op.published
		switch mode {
		case "aud":
			claims["aud"] = "some-other-app"
		case "nonce":
			claims["nonce"] = "a-nonce-from-another-sign-in"
		case "signature":
			key = op.other
		case "expired":
			claims["exp"] = time.Now().Add(-time.Hour).Unix()
		case "issuer":
			claims["iss"] = "http://127.0.0.1:1"
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600,
			"id_token": signJWT(key, claims)})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return op
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func signJWT(key *rsa.PrivateKey, claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "k1"})
	p, _ := json.Marshal(claims)
	signing := b64(h) + "." + b64(p)
	sum := sha256.Sum256([]byte(signing))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	return signing + "." + b64(sig)
}

func TestIDTokensThatDoNotCheckOutAreRefused(t *testing.T) {
	op := startHostileOP(t)
	ln, base := listen(t)
	a := startApp(t, ln, base, sso.ProviderConfig{Name: "oidc", Label: "Fernhill SSO", Kind: sso.KindOIDC, Issuer: op.url,
		ClientID: "mi-app", ClientSecret: "s"}, sso.Policy{JIT: true})
	signIn := func(mode string) (int, string) {
		op.mu.Lock()
		op.mode = mode
		op.mu.Unlock()
		c := browser(t)
		res, err := c.Get(a.url + "/auth/oidc/oidc/start")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		cb, err := res.Request.URL.Parse(res.Header.Get("Location"))
		if err != nil || !strings.HasSuffix(cb.Path, "/callback") {
			t.Fatalf("%s: the provider did not send the browser back: %d %v", mode, res.StatusCode, err)
		}
		res, body := finish(t, c, cb)
		return res.StatusCode, body
	}
	if status, body := signIn(""); status != 303 {
		t.Fatalf("a good ID token: %d\n%s", status, body)
	}
	for _, mode := range []string{"aud", "nonce", "signature", "expired", "issuer"} {
		status, body := signIn(mode)
		if status != 401 || !strings.Contains(body, "could not be verified") {
			t.Errorf("an ID token with a wrong %s: %d, want 401 and a page saying it could not be verified\n%s", mode, status, body)
		}
	}
	if strings.Contains(a.logs.String(), "eyJ") {
		t.Error("an ID token appears in the logs")
	}
}
