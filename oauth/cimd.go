package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/meetingintel/meetingintel"
)

// Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document;
// MCP authorization 2025-11-25 and 2026-07-28; DESIGN §13): a client_id that
// is an https URL with a path names a JSON document describing the client.
// The server fetches it when the client first sends someone to the consent
// page. Fetching a URL a stranger names is an SSRF door, so the fetch is
// https only, follows no redirect, connects only to public addresses (checked
// on the address actually dialled, after DNS resolution, so a name that
// resolves to 127.0.0.1 or 169.254.169.254 is refused), sends no cookie or
// credential, and is bounded in time and size.
const (
	CIMDTimeout    = 5 * time.Second
	CIMDMaxBytes   = 64 << 10
	CIMDCacheSize  = 1000             // documents kept at most
	CIMDDefaultTTL = 5 * time.Minute  // without caching headers
	CIMDMaxTTL     = 24 * time.Hour   // whatever the headers say
	CIMDMinTTL     = 30 * time.Second // so a flood of consent pages is not a flood of fetches
)

// CIMDTestOnly lets tests fetch documents from a server on 127.0.0.1 with a
// test CA. Never set it outside tests: it opens the SSRF door it names.
type CIMDTestOnly struct {
	RootCAs    *x509.CertPool // trusted instead of the system roots
	AllowAddrs []netip.Prefix // addresses allowed although not public
}

// isCIMDClientID reports whether a client_id is a metadata document URL
// rather than one we issued: https with a path.
func isCIMDClientID(id string) bool {
	return strings.HasPrefix(id, "https://") && strings.Contains(strings.TrimPrefix(id, "https://"), "/")
}

// cimdDocument holds the fields of a client metadata document we use.
type cimdDocument struct {
	ClientID                string          `json:"client_id"`
	ClientName              string          `json:"client_name"`
	ClientURI               string          `json:"client_uri"`
	LogoURI                 string          `json:"logo_uri"`
	RedirectURIs            []string        `json:"redirect_uris"`
	GrantTypes              []string        `json:"grant_types"`
	ResponseTypes           []string        `json:"response_types"`
	TokenEndpointAuthMethod string          `json:"token_endpoint_auth_method"`
	JWKS                    json.RawMessage `json:"jwks"`
	JWKSURI                 string          `json:"jwks_uri"`
	ClientSecret            string          `json:"client_secret"`
	ClientSecretExpiresAt   any             `json:"client_secret_expires_at"`
}

type cimdEntry struct {
	client *meetingintel.OAuthClient
	// keys verify a private_key_jwt client's assertions: the document's
	// jwks, or nil with jwksURI set when the document points at its keys.
	keys    []jose.JSONWebKey
	jwksURI string
	expires time.Time
}

type jwksEntry struct {
	keys    []jose.JSONWebKey
	expires time.Time
}

// cimdFetcher fetches, validates and caches client metadata documents.
type cimdFetcher struct {
	http *http.Client
	now  func() time.Time

	mu    sync.Mutex
	cache map[string]cimdEntry
	jwks  map[string]jwksEntry // by jwks_uri
}

func newCIMDFetcher(test *CIMDTestOnly, now func() time.Time) *cimdFetcher {
	var allow []netip.Prefix
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if test != nil {
		allow, tlsCfg.RootCAs = test.AllowAddrs, test.RootCAs
	}
	dialer := &net.Dialer{
		Timeout: CIMDTimeout,
		// Control sees the address being dialled, after resolution: the
		// check cannot be bypassed by DNS answers that change (rebinding).
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("unexpected address %q", address)
			}
			if !publicAddr(ap.Addr()) && !slices.ContainsFunc(allow, func(p netip.Prefix) bool { return p.Contains(ap.Addr().Unmap()) }) {
				return errForbiddenAddr
			}
			return nil
		},
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us, past the address check
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsCfg,
		TLSHandshakeTimeout:   CIMDTimeout,
		ResponseHeaderTimeout: CIMDTimeout,
		MaxIdleConns:          10,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &cimdFetcher{
		http: &http.Client{
			Transport: tr,
			Timeout:   CIMDTimeout,
			// The document lives at its client_id: a redirect elsewhere is refused.
			CheckRedirect: func(*http.Request, []*http.Request) error { return errCIMDRedirect },
		},
		now:   now,
		cache: map[string]cimdEntry{},
		jwks:  map[string]jwksEntry{},
	}
}

var (
	errForbiddenAddr = errors.New("the address is not public")
	errCIMDRedirect  = errors.New("the document redirects")
)

// publicAddr reports whether a is a globally routable unicast address: not
// loopback, private (RFC 1918, fc00::/7), link-local (169.254.0.0/16, where
// cloud metadata services answer), shared (100.64.0.0/10), unspecified,
// multicast or otherwise special.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range specialPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

var specialPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 can reach IPv4 private space
	netip.MustParsePrefix("2001:db8::/32"),
}

// checkCIMDURL refuses client_id URLs the draft rules out (§3): https, a
// host, a path, no fragment, user info or dot segments.
func checkCIMDURL(id string) (*url.URL, error) {
	u, err := url.Parse(id)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" || strings.Contains(id, "#") ||
		u.Path == "" || u.Path == "/" || u.RawQuery != "" {
		return nil, errors.New("the client_id is not an https URL with a path (and no query, fragment or user info)")
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return nil, errors.New("the client_id URL has a dot segment")
		}
	}
	if strings.IndexFunc(u.Host, func(r rune) bool { return r > '~' || r == '%' }) >= 0 {
		return nil, errors.New("the client_id host is not plain ASCII")
	}
	return u, nil
}

// client returns the client a metadata document URL describes, from the
// cache or fetched. An error's message is written for the person on the
// consent page.
func (f *cimdFetcher) client(ctx context.Context, id string) (*meetingintel.OAuthClient, error) {
	e, err := f.entry(ctx, id)
	if err != nil {
		return nil, err
	}
	return e.client, nil
}

// entry returns the cached or freshly fetched document of id.
func (f *cimdFetcher) entry(ctx context.Context, id string) (cimdEntry, error) {
	now := f.now()
	f.mu.Lock()
	e, ok := f.cache[id]
	f.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e, nil
	}
	e, ttl, err := f.fetch(ctx, id)
	if err != nil {
		return cimdEntry{}, err
	}
	if ttl > 0 {
		e.expires = now.Add(ttl)
		f.mu.Lock()
		bound(f.cache, now, func(v cimdEntry) time.Time { return v.expires })
		f.cache[id] = e
		f.mu.Unlock()
	}
	return e, nil
}

// bound makes room for one more entry in a cache of at most CIMDCacheSize:
// it drops expired entries and, if none, any one: the cache is a bound on
// memory, not a store. The caller holds the lock.
func bound[V any](m map[string]V, now time.Time, expires func(V) time.Time) {
	if len(m) < CIMDCacheSize {
		return
	}
	for k, v := range m {
		if !now.Before(expires(v)) {
			delete(m, k)
		}
	}
	for k := range m {
		if len(m) < CIMDCacheSize {
			break
		}
		delete(m, k)
	}
}

// keys returns the keys that verify client id's assertions: its document's
// jwks, or the set at its jwks_uri (fetched like documents, and cached by
// the same rules). An error's message is for the client.
func (f *cimdFetcher) keys(ctx context.Context, id string) ([]jose.JSONWebKey, error) {
	e, err := f.entry(ctx, id)
	if err != nil {
		return nil, err
	}
	if e.client.AuthMethod != "private_key_jwt" {
		return nil, errors.New("the client's metadata document no longer declares private_key_jwt")
	}
	if e.jwksURI == "" {
		return e.keys, nil
	}
	now := f.now()
	f.mu.Lock()
	j, ok := f.jwks[e.jwksURI]
	f.mu.Unlock()
	if ok && now.Before(j.expires) {
		return j.keys, nil
	}
	u, err := checkCIMDURL(e.jwksURI)
	if err != nil {
		return nil, fmt.Errorf("the client's jwks_uri: %w", err)
	}
	body, h, err := f.get(ctx, u, "key set")
	if err != nil {
		return nil, err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("the client's key set at %s is not a JSON Web Key Set", u.Host)
	}
	ks, err := signingKeys(set.Keys)
	if err != nil {
		return nil, fmt.Errorf("the client's key set at %s: %w", u.Host, err)
	}
	if ttl := cacheTTL(h); ttl > 0 {
		f.mu.Lock()
		bound(f.jwks, now, func(v jwksEntry) time.Time { return v.expires })
		f.jwks[e.jwksURI] = jwksEntry{keys: ks, expires: now.Add(ttl)}
		f.mu.Unlock()
	}
	return ks, nil
}

// signingKeys keeps the keys of a set that can verify RS256 or ES256
// signatures. A private key is refused: the set is public, so its owner has
// leaked it.
func signingKeys(all []jose.JSONWebKey) ([]jose.JSONWebKey, error) {
	var ks []jose.JSONWebKey
	for _, k := range all {
		if !k.Valid() {
			return nil, errors.New("it holds a malformed key")
		}
		if !k.IsPublic() {
			return nil, errors.New("it publishes a private key")
		}
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		switch pk := k.Key.(type) {
		case *rsa.PublicKey:
			if pk.N.BitLen() < 2048 || (k.Algorithm != "" && k.Algorithm != string(jose.RS256)) {
				continue
			}
		case *ecdsa.PublicKey:
			if pk.Curve != elliptic.P256() || (k.Algorithm != "" && k.Algorithm != string(jose.ES256)) {
				continue
			}
		default:
			continue
		}
		ks = append(ks, k)
	}
	if len(ks) == 0 {
		return nil, errors.New("it holds no RS256 (RSA, 2048 bits or more) or ES256 (P-256) signing key")
	}
	if len(ks) > maxClientKeys {
		return nil, fmt.Errorf("it holds more than %d signing keys", maxClientKeys)
	}
	return ks, nil
}

// maxClientKeys bounds how many keys an assertion may be tried against.
const maxClientKeys = 10

func (f *cimdFetcher) fetch(ctx context.Context, id string) (cimdEntry, time.Duration, error) {
	u, err := checkCIMDURL(id)
	if err != nil {
		return cimdEntry{}, 0, err
	}
	body, h, err := f.get(ctx, u, "metadata document")
	if err != nil {
		return cimdEntry{}, 0, err
	}
	var doc cimdDocument
	if err := json.Unmarshal(body, &doc); err != nil {
		return cimdEntry{}, 0, fmt.Errorf("the client's metadata document at %s is not a JSON object", u.Host)
	}
	e, err := validateCIMD(id, &doc, f.now())
	if err != nil {
		return cimdEntry{}, 0, fmt.Errorf("the client's metadata document at %s: %w", u.Host, err)
	}
	return e, cacheTTL(h), nil
}

// get fetches a JSON resource of a client (what names it in errors) by the
// SSRF rules above and returns its body and headers.
func (f *cimdFetcher) get(ctx context.Context, u *url.URL, what string) ([]byte, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, CIMDTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("the client's %s URL cannot be fetched", what)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "meetingintel-oauth (client metadata fetch)")
	resp, err := f.http.Do(req)
	if err != nil {
		switch {
		case errors.Is(err, errForbiddenAddr):
			return nil, nil, fmt.Errorf("the client's host %s resolves to an address that is not public", u.Hostname())
		case errors.Is(err, errCIMDRedirect):
			return nil, nil, fmt.Errorf("the client's %s at %s redirects elsewhere", what, u.Host)
		}
		return nil, nil, fmt.Errorf("the client's %s at %s could not be fetched", what, u.Host)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("the client's %s at %s answered %d", what, u.Host, resp.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return nil, nil, fmt.Errorf("the client's %s at %s is not JSON", what, u.Host)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, CIMDMaxBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("the client's %s at %s could not be read", what, u.Host)
	}
	if len(body) > CIMDMaxBytes {
		return nil, nil, fmt.Errorf("the client's %s at %s is larger than %d bytes", what, u.Host, CIMDMaxBytes)
	}
	return body, resp.Header, nil
}

// validateCIMD checks a document against its URL (draft §4) and returns
// the client it describes.
func validateCIMD(id string, d *cimdDocument, now time.Time) (cimdEntry, error) {
	c, e, err := validateCIMDDoc(id, d, now)
	if err != nil {
		return cimdEntry{}, err
	}
	e.client = c
	return e, nil
}

func validateCIMDDoc(id string, d *cimdDocument, now time.Time) (*meetingintel.OAuthClient, cimdEntry, error) {
	var e cimdEntry
	if d.ClientID != id {
		return nil, e, errors.New("its client_id is not the URL it was fetched from")
	}
	// A document is public: a secret in it is no secret (draft §4.1).
	if d.ClientSecret != "" || d.ClientSecretExpiresAt != nil {
		return nil, e, errors.New("it carries a client secret")
	}
	hasJWKS := len(d.JWKS) > 0 && string(d.JWKS) != "null"
	method := d.TokenEndpointAuthMethod
	switch method {
	case "", "none":
		method = "none"
		if hasJWKS || d.JWKSURI != "" {
			return nil, e, errors.New("it publishes keys (jwks or jwks_uri) but token_endpoint_auth_method is none; declare private_key_jwt")
		}
	case "private_key_jwt":
		// RFC 7591 §2: jwks and jwks_uri must not both be present.
		switch {
		case hasJWKS == (d.JWKSURI != ""):
			return nil, e, errors.New("private_key_jwt needs exactly one of jwks and jwks_uri")
		case d.JWKSURI != "":
			if _, err := checkCIMDURL(d.JWKSURI); err != nil {
				return nil, e, fmt.Errorf("its jwks_uri: %w", err)
			}
			e.jwksURI = d.JWKSURI
		default:
			var set jose.JSONWebKeySet
			if err := json.Unmarshal(d.JWKS, &set); err != nil {
				return nil, e, errors.New("its jwks is not a JSON Web Key Set")
			}
			ks, err := signingKeys(set.Keys)
			if err != nil {
				return nil, e, fmt.Errorf("its jwks: %w", err)
			}
			e.keys = ks
		}
	default:
		return nil, e, fmt.Errorf("token_endpoint_auth_method %q is not allowed (none or private_key_jwt)", truncate(method, 40))
	}
	if len(d.RedirectURIs) == 0 || len(d.RedirectURIs) > MaxRedirectURIs {
		return nil, e, fmt.Errorf("it needs 1 to %d redirect_uris", MaxRedirectURIs)
	}
	for _, r := range d.RedirectURIs {
		if err := checkRedirectURI(r); err != nil {
			var oe *oauthError
			if errors.As(err, &oe) {
				return nil, e, errors.New(oe.Description)
			}
			return nil, e, err
		}
	}
	grants := d.GrantTypes
	if len(grants) == 0 {
		grants = []string{"authorization_code"}
	}
	for _, g := range grants {
		if g != "authorization_code" && g != "refresh_token" {
			return nil, e, fmt.Errorf("grant type %q is not supported", truncate(g, 40))
		}
	}
	if !slices.Contains(grants, "authorization_code") {
		return nil, e, errors.New("grant_types must include authorization_code")
	}
	rts := d.ResponseTypes
	if len(rts) == 0 {
		rts = []string{"code"}
	}
	for _, t := range rts {
		if t != "code" {
			return nil, e, fmt.Errorf("response type %q is not supported", truncate(t, 40))
		}
	}
	return &meetingintel.OAuthClient{
		ID:            id,
		Name:          cleanName(d.ClientName),
		RedirectURIs:  slices.Clone(d.RedirectURIs),
		GrantTypes:    slices.Compact(slices.Sorted(slices.Values(grants))),
		ResponseTypes: slices.Compact(slices.Sorted(slices.Values(rts))),
		AuthMethod:    method,
		CreatedAt:     now.UTC(),
	}, e, nil
}

// cacheTTL reads how long a document may be cached (RFC 9111 max-age, or
// Expires), bounded; no-store and no-cache mean not at all.
func cacheTTL(h http.Header) time.Duration {
	ttl := CIMDDefaultTTL
	cc := strings.ToLower(h.Get("Cache-Control"))
	for _, d := range strings.Split(cc, ",") {
		d = strings.TrimSpace(d)
		switch {
		case d == "no-store" || d == "no-cache":
			return 0
		case strings.HasPrefix(d, "max-age="):
			if n, err := strconv.Atoi(strings.TrimPrefix(d, "max-age=")); err == nil && n >= 0 {
				if n == 0 {
					return 0
				}
				ttl = time.Duration(n) * time.Second
			}
		}
	}
	if !strings.Contains(cc, "max-age=") {
		if exp, err := http.ParseTime(h.Get("Expires")); err == nil {
			if date, err := http.ParseTime(h.Get("Date")); err == nil {
				ttl = exp.Sub(date)
			}
		}
	}
	if ttl <= 0 {
		return 0
	}
	return min(max(ttl, CIMDMinTTL), CIMDMaxTTL)
}

// findClient returns the client a client_id names: a metadata document
// URL is fetched (or read from the cache) and the client it describes is
// stored on first sight, so codes and grants can refer to it; any other
// client_id is looked up in the store. A document that cannot be used is a
// *pageError for the person on the consent page.
func (s *Server) findClient(ctx context.Context, id string) (*meetingintel.OAuthClient, error) {
	if !isCIMDClientID(id) {
		return s.cfg.Store.FindOAuthClient(ctx, id)
	}
	c, err := s.cimd.client(ctx, id)
	if err != nil {
		s.log.Info("oauth client metadata refused", "client_id", meetingintel.Redact(truncate(id, 200)), "err", err)
		return nil, &pageError{http.StatusBadRequest, "This app cannot be verified",
			"Its description could not be used: " + err.Error() + ". Tell the app's makers, or connect again later."}
	}
	if _, err := s.cfg.Store.FindOAuthClient(ctx, id); meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
		if err := s.cfg.Store.CreateOAuthClient(ctx, c); err != nil && meetingintel.ErrorCode(err) != meetingintel.ECONFLICT {
			return nil, err
		}
		s.log.Info("oauth client metadata document taken in", "client_id", meetingintel.Redact(id), "client_name", c.Name)
	} else if err != nil {
		return nil, err
	}
	return c, nil
}
