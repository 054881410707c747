// Package auth authenticates requests to meetingintel's machine-facing edges
// (MCP and the REST API): it turns a request into a *Principal that says who
// the caller is, how the credential came and what it may do.
//
// One Authenticator handles every credential location (Authorization Bearer,
// X-API-Key, a ?token= query, a path segment); OAuth access tokens plug in
// as a verifier, without touching the tools.
//
// auth never logs a token and never puts one into an error message.
package auth

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/meetingintel/meetingintel"
)

// Scopes (DESIGN §6). PATs carry both; OAuth tokens carry what was granted.
const (
	ScopeRead  = meetingintel.ScopeRead
	ScopeWrite = meetingintel.ScopeWrite
)

// AllScopes lists every scope, in the order used in challenges.
var AllScopes = []string{ScopeRead, ScopeWrite}

// Method says where the credential came from.
type Method string

// Credential locations.
const (
	MethodBearer Method = "bearer"  // Authorization: Bearer
	MethodAPIKey Method = "api_key" // X-API-Key
	MethodQuery  Method = "query"   // ?token= (legacy SSE URLs)
	MethodPath   Method = "path"    // /mcp/{token} (Copilot)
	MethodStdio  Method = "stdio"   // local process, user chosen on the command line
)

// Kind says what sort of credential authenticated the principal.
type Kind string

// Credential kinds.
const (
	KindPAT   Kind = "pat"   // personal access token
	KindOAuth Kind = "oauth" // OAuth access token
	KindLocal Kind = "local" // stdio: the operator picked the user
)

// Principal is an authenticated caller.
type Principal struct {
	User    *meetingintel.User
	Method  Method
	Kind    Kind
	Scopes  []string
	TokenID int64 // the PAT's id, or the OAuth grant's; 0 for stdio
	// ClientID is the OAuth client's id ("" for a PAT or stdio).
	ClientID string

	// credential is the raw credential that authenticated this principal,
	// kept in memory only so a long-lived session (SSE) can re-check that it
	// is still valid. It is never logged or serialised.
	credential string
}

// HasScope reports whether the principal was granted scope.
func (p *Principal) HasScope(scope string) bool {
	return p != nil && slices.Contains(p.Scopes, scope)
}

// String describes the principal for logs, without any secret.
func (p *Principal) String() string {
	if p == nil || p.User == nil {
		return "anonymous"
	}
	return p.User.Email + " via " + string(p.Method) + " (" + string(p.Kind) + ", " + strings.Join(p.Scopes, " ") + ")"
}

// AuditClient names the client for the audit trail: the OAuth client's
// id, "pat:" and the PAT's id (never the token), or "" for stdio.
func (p *Principal) AuditClient() string {
	switch {
	case p == nil:
		return ""
	case p.Kind == KindOAuth:
		return p.ClientID
	case p.Kind == KindPAT && p.TokenID != 0:
		return "pat:" + strconv.FormatInt(p.TokenID, 10)
	}
	return ""
}

// AuditSource is p's edge and client for the audit trail.
func (p *Principal) AuditSource(via string) meetingintel.AuditSource {
	return meetingintel.AuditSource{Via: via, Client: p.AuditClient()}
}

// LocalPrincipal is the principal of a local process (stdio) acting as u,
// with every scope: whoever runs the binary already holds the database.
func LocalPrincipal(u *meetingintel.User) *Principal {
	return &Principal{User: u, Method: MethodStdio, Kind: KindLocal, Scopes: slices.Clone(AllScopes)}
}

type ctxKey struct{}

// NewContext returns a context carrying p. It also carries p.User as the
// acting user of the domain, so store calls made with it apply p's
// visibility.
func NewContext(ctx context.Context, p *Principal) context.Context {
	ctx = context.WithValue(ctx, ctxKey{}, p)
	if p != nil && p.User != nil {
		ctx = meetingintel.NewContextWithUser(ctx, p.User)
	}
	return ctx
}

// FromContext returns the principal in ctx, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}
