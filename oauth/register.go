package oauth

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/meetingintel/meetingintel"
)

// registrationRequest holds the RFC 7591 fields we use; unknown fields
// (client_uri, software_id, application_type, scope, ...) are ignored.
type registrationRequest struct {
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod *string  `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name"`
}

// registrationResponse is RFC 7591 §3.2.1's answer.
type registrationResponse struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret,omitempty"`
	ClientIDIssuedAt        int64    `json:"client_id_issued_at"`
	ClientSecretExpiresAt   *int64   `json:"client_secret_expires_at,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name,omitempty"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
}

// handleRegister is dynamic client registration (RFC 7591).
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, "register") {
		return
	}
	resp, err := s.register(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, resp)
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) (*registrationResponse, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return nil, errf(http.StatusBadRequest, "invalid_client_metadata", "Send the client metadata as application/json.")
	}
	var req registrationRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxRegisterBody))
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errf(http.StatusRequestEntityTooLarge, "invalid_client_metadata", "The client metadata is larger than %d bytes.", MaxRegisterBody)
		}
		return nil, errf(http.StatusBadRequest, "invalid_client_metadata", "The client metadata is not a valid JSON object.")
	}
	if dec.More() {
		return nil, errf(http.StatusBadRequest, "invalid_client_metadata", "Send one JSON object.")
	}

	if len(req.RedirectURIs) == 0 {
		return nil, errf(http.StatusBadRequest, "invalid_redirect_uri", "At least one redirect_uri is required.")
	}
	if len(req.RedirectURIs) > MaxRedirectURIs {
		return nil, errf(http.StatusBadRequest, "invalid_redirect_uri", "At most %d redirect_uris are allowed.", MaxRedirectURIs)
	}
	for _, u := range req.RedirectURIs {
		if err := checkRedirectURI(u); err != nil {
			return nil, err
		}
	}

	// RFC 7591 §2: the default method is client_secret_basic.
	method := "client_secret_basic"
	if req.TokenEndpointAuthMethod != nil {
		method = *req.TokenEndpointAuthMethod
	}
	if !slices.Contains(registrationAuthMethods, method) {
		return nil, errf(http.StatusBadRequest, "invalid_client_metadata",
			"token_endpoint_auth_method must be none, client_secret_post or client_secret_basic.")
	}
	grants := req.GrantTypes
	if len(grants) == 0 {
		grants = []string{"authorization_code", "refresh_token"}
	}
	for _, g := range grants {
		if g != "authorization_code" && g != "refresh_token" {
			return nil, errf(http.StatusBadRequest, "invalid_client_metadata", "Unsupported grant type %q: use authorization_code and refresh_token.", g)
		}
	}
	if !slices.Contains(grants, "authorization_code") {
		return nil, errf(http.StatusBadRequest, "invalid_client_metadata", "grant_types must include authorization_code.")
	}
	respTypes := req.ResponseTypes
	if len(respTypes) == 0 {
		respTypes = []string{"code"}
	}
	for _, t := range respTypes {
		if t != "code" {
			return nil, errf(http.StatusBadRequest, "invalid_client_metadata", "Unsupported response type %q: only code.", t)
		}
	}
	name := cleanName(req.ClientName)

	now := s.now().UTC()
	c := &meetingintel.OAuthClient{
		ID:            ClientIDPrefix + randomString(16),
		Name:          name,
		RedirectURIs:  req.RedirectURIs,
		GrantTypes:    slices.Compact(slices.Sorted(slices.Values(grants))),
		ResponseTypes: slices.Compact(slices.Sorted(slices.Values(respTypes))),
		AuthMethod:    method,
		CreatedAt:     now,
	}
	var secret string
	if method != "none" {
		secret = ClientSecretPrefix + randomString(32)
		c.SecretHash = meetingintel.HashToken(secret)
	}
	if err := s.cfg.Store.CreateOAuthClient(r.Context(), c); err != nil {
		return nil, err
	}
	s.log.Info("oauth client registered", "client_id", c.ID, "client_name", c.Name, "auth_method", method)
	resp := &registrationResponse{
		ClientID:                c.ID,
		ClientSecret:            secret,
		ClientIDIssuedAt:        now.Unix(),
		RedirectURIs:            c.RedirectURIs,
		GrantTypes:              grants,
		ResponseTypes:           respTypes,
		ClientName:              req.ClientName,
		TokenEndpointAuthMethod: method,
	}
	if secret != "" {
		never := int64(0)
		resp.ClientSecretExpiresAt = &never
	}
	return resp, nil
}

// cleanName keeps a client name printable and short: it is shown on the
// consent page (escaped, but control and bidi characters could still
// mislead a person).
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > MaxClientNameLen {
		s = string(r[:MaxClientNameLen])
	}
	return s
}

// dangerousSchemes can run code or read local data when a browser follows them.
var dangerousSchemes = []string{"javascript", "data", "vbscript", "file", "about", "blob", "filesystem", "view-source", "ws", "wss", "ftp"}

// checkRedirectURI accepts https URIs, http on a loopback host (RFC 8252
// §7.3) and private-use schemes (cursor://...); never a fragment, user
// info or a dangerous scheme.
func checkRedirectURI(raw string) error {
	bad := func(why string) error {
		return errf(http.StatusBadRequest, "invalid_redirect_uri", "Redirect URI %q %s.", truncate(raw, 200), why)
	}
	if raw == "" || len(raw) > MaxRedirectURILen {
		return bad("is empty or too long")
	}
	if strings.ContainsAny(raw, "#\\") || strings.IndexFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return bad("has a fragment, a backslash, a space or a control character")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return bad("is not an absolute URI")
	}
	scheme := strings.ToLower(u.Scheme)
	if slices.Contains(dangerousSchemes, scheme) {
		return bad("uses a scheme that is not allowed")
	}
	if u.User != nil {
		return bad("has user information")
	}
	// The consent page shows the host as the one trustworthy fact about
	// the app: a look-alike (Cyrillic letters, a right-to-left override)
	// could pass for another site, so only plain ASCII hosts are taken
	// (an internationalised name registers in its xn-- form).
	if strings.IndexFunc(u.Host, func(r rune) bool { return r > '~' || r == '%' }) >= 0 {
		return bad("has a host that is not plain ASCII (use its xn-- form)")
	}
	switch scheme {
	case "https":
		if u.Host == "" {
			return bad("has no host")
		}
	case "http":
		if !isLoopback(u.Hostname()) {
			return bad("uses http on a host that is not loopback (use https)")
		}
	default:
		// A private-use scheme (RFC 8252 §7.1) names an installed app.
		if u.Opaque != "" && u.Host == "" && !strings.Contains(scheme, ".") {
			return bad("is not a usable private-use URI")
		}
	}
	return nil
}

// isLoopback reports whether host is localhost or a loopback IP literal.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// randomString returns n random bytes in unpadded base64url.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
