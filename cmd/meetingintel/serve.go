package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/api"
	"github.com/meetingintel/meetingintel/auth"
	"github.com/meetingintel/meetingintel/demo"
	"github.com/meetingintel/meetingintel/httpserver"
	"github.com/meetingintel/meetingintel/mcpserver"
	"github.com/meetingintel/meetingintel/metrics"
	"github.com/meetingintel/meetingintel/oauth"
	"github.com/meetingintel/meetingintel/ratelimit"
	"github.com/meetingintel/meetingintel/sso"
	"github.com/meetingintel/meetingintel/web"
)

// DefaultAdminEmail is the admin created on a new local database.
const DefaultAdminEmail = "admin@localhost"

func cmdServe(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("serve", e)
	addr := fs.String("addr", "", "listen address (default $ADDR or 127.0.0.1:8080)")
	publicURL := fs.String("public-url", "", "the URL clients use (default $PUBLIC_URL or http://ADDR)")
	withDemo := fs.Bool("demo", false, "load the bundled demo meetings into an empty database")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(e, *addr, *publicURL)
	if err != nil {
		return err
	}
	log := httpserver.NewLogger(e.stderr, cfg.LogLevel)

	s, where, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	// Build the in-process search index now, beside serving, so the first
	// search does not wait for it (seconds at millions of lines).
	// serve waits for the build to stop before it closes the store or
	// returns (an error below included), so the build never writes to a
	// closed store or to a log its caller has moved on from.
	if w, ok := raw(s).(interface{ WarmSearch(context.Context) error }); ok {
		warmCtx, stopWarm := context.WithCancel(ctx)
		warmed := make(chan struct{})
		defer func() { stopWarm(); <-warmed }()
		go func() {
			defer close(warmed)
			start := time.Now()
			if err := w.WarmSearch(warmCtx); err != nil && warmCtx.Err() == nil {
				log.Warn("search index not built; the first search builds it", "err", err.Error())
			} else if err == nil {
				log.Info("search index built", "took", time.Since(start).Round(time.Millisecond).String())
			}
		}()
	}

	admin, adminToken, err := ensureAdmin(ctx, s, cfg)
	if err != nil {
		return err
	}
	if cfg.MCPAuthTokens != "" {
		n, err := auth.ImportLegacyTokens(ctx, s, cfg.MCPAuthTokens)
		if err != nil {
			msg := meetingintel.ErrorMessage(err)
			if !strings.HasPrefix(msg, "MCP_AUTH_TOKENS") {
				msg = "MCP_AUTH_TOKENS: " + msg
			}
			return errors.New(msg)
		}
		log.Info("legacy MCP tokens taken in as personal access tokens", "count", n)
	}
	if *withDemo {
		if err := loadDemo(ctx, s, admin, log); err != nil {
			return err
		}
	}

	mx, err := metrics.FromEnv(e.getenv)
	if err != nil {
		return err
	}
	limits := rateLimits(s, cfg, log)
	go limits.Sweep(ctx)
	hs := httpserver.New(httpserver.Config{Addr: cfg.Addr, PublicURL: cfg.PublicURL, Store: s, Logger: log,
		Middleware: func(h http.Handler) http.Handler { return ratelimit.Middleware(limits)(mx.Middleware(h)) }})
	if mx != nil {
		hs.Handle("GET /metrics", mx.Handler())
	}
	sessions, ok := raw(s).(meetingintel.SessionStore)
	if !ok {
		return errors.New("this database cannot store web sessions")
	}
	var grants meetingintel.OAuthStore // the web UI's connected-apps page
	if cfg.OAuthEnabled {
		grants, _ = oauthStore(s)
	}
	ssoSettings, err := sso.FromEnv(e.getenv)
	if err != nil {
		return err
	}
	var providers []web.Provider
	var signIn []oauth.SignInProvider // the same providers on the consent page
	for _, pc := range ssoSettings.Providers {
		p, err := sso.New(sso.Config{Provider: pc, Policy: ssoSettings.Policy, Users: s, PublicURL: cfg.PublicURL, Logger: log})
		if err != nil {
			return err
		}
		providers = append(providers, p)
		go func() { // start-up does not wait: a provider that is down now may be up by the first sign-in
			dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			if err := p.Discover(dctx); err != nil {
				log.Warn("single sign-on provider unreachable; sign-in with it will fail until it answers", "provider", pc.Name, "err", err)
			}
		}()
		signIn = append(signIn, oauth.SignInProvider{Name: p.Name(), Label: p.Label(), StartPath: p.StartPath()})
		log.Info("single sign-on provider", "provider", pc.Name, "issuer", pc.Issuer,
			"redirect_uri", cfg.PublicURL+"/auth/oidc/"+pc.Name+"/callback")
	}
	ui, err := web.New(web.Config{Store: s, Sessions: sessions, OAuth: grants, PublicURL: cfg.PublicURL,
		Logger: log, Version: Version, OAuthEnabled: cfg.OAuthEnabled,
		Providers: providers, HidePATSignIn: !ssoSettings.PATSignIn})
	if err != nil {
		return err
	}
	ui.Register(hs)

	authn := &auth.Authenticator{Tokens: s, Logger: log}
	var as *oauth.Server
	if cfg.OAuthEnabled {
		as, err = newAuthorizationServer(ctx, s, cfg, where.sqlitePath, log, mx.Token, ui.SessionUser)
		if err == nil {
			as.SetSignIn(signIn, !ssoSettings.PATSignIn)
		}
		if err != nil {
			return err
		}
		as.Register(hs)
		authn.OAuth = oauthVerifier(as, s)
		authn.ChallengeParams = func(resource string) []string { return oauth.ChallengeParams(cfg.PublicURL, resource) }
	}
	go cleanupLoop(ctx, as, ui, s, cfg.AuditRetentionDays, log)
	if sw, ok := raw(s).(meetingintel.SearchLogSweeper); ok {
		go searchLogSweep(ctx, sw, cfg.SearchLogRetention, log)
	}
	mcp := mcpserver.New(mcpserver.Config{Store: s, Logger: log, PublicURL: cfg.PublicURL, Version: Version, Auth: authn, OnToolCall: mx.ToolCall})
	mcp.Register(hs)
	rest := api.New(api.Config{Store: s, Auth: authn, Session: ui.APISession, PublicURL: cfg.PublicURL, Logger: log})
	rest.Register(hs)
	if err := hs.Listen(); err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	log.Info("serving", "addr", hs.Addr(), "public_url", cfg.PublicURL, "database", where.display, "instance", cfg.Instance, "oauth", cfg.OAuthEnabled, "version", Version)
	if adminToken != "" {
		printWelcome(e, cfg, admin, adminToken)
	}
	// Requests are not the CLI's: each edge says what it is, and what none
	// claims (the token endpoint) is recorded without one.
	err = hs.Serve(meetingintel.NewContextWithAuditSource(ctx, meetingintel.AuditSource{}))
	log.Info("stopped")
	return err
}

// newAuthorizationServer builds the OAuth authorization server on the
// store, with the JWT secret from JWT_SECRET or, locally, the secret file
// kept beside the SQLite database.
func newAuthorizationServer(ctx context.Context, s meetingintel.Store, cfg config, dbPath string, log *slog.Logger,
	onToken func(grantType, errCode string), sessionUser func(*http.Request) (*meetingintel.User, string)) (*oauth.Server, error) {
	ostore, err := oauthStore(s)
	if err != nil {
		return nil, fmt.Errorf("OAUTH_ENABLED: this database cannot store OAuth clients; set OAUTH_ENABLED=false")
	}
	secret, err := oauth.LoadSecret(cfg.JWTSecret, cfg.Instance, dbPath)
	if err != nil {
		return nil, err
	}
	oc := oauth.Config{Store: ostore, Users: s, Audit: s, PublicURL: cfg.PublicURL, Secret: secret, Logger: log, OnToken: onToken,
		SessionUser:     sessionUser, // a signed-in web user goes straight to consent
		RegisterPerAddr: cfg.RegisterPerAddr, RegisterTotal: cfg.RegisterTotal}
	if cfg.Instance != "" {
		oc.ClientAddr = forwardedFor
	}
	return oauth.New(oc)
}

// rateLimits builds the limits of /mcp and /api: counted in PostgreSQL
// when the store is (replicas share them), else in this process.
func rateLimits(s meetingintel.Store, cfg config, log *slog.Logger) ratelimit.Config {
	var counter meetingintel.RateCounter = &ratelimit.Memory{}
	if c, ok := raw(s).(meetingintel.RateCounter); ok {
		counter = c
	}
	rl := ratelimit.Config{
		MCP: &ratelimit.Limiter{Counter: counter, Limit: cfg.MCPRatePerMin, Logger: log},
		API: &ratelimit.Limiter{Counter: counter, Limit: cfg.APIRatePerMin, Logger: log},
	}
	if cfg.Instance != "" {
		rl.ClientAddr = forwardedFor
	}
	return rl
}

// forwardedFor returns the client address that a deployed instance's
// ingress (Azure Container Apps' Envoy, the only way in) appended to
// X-Forwarded-For. Without it every client would share the proxy's address
// and one rate-limit allowance. Earlier entries are the client's own claims
// and are ignored.
func forwardedFor(r *http.Request) string {
	xff := r.Header.Values("X-Forwarded-For")
	if len(xff) == 0 {
		return ""
	}
	hops := strings.Split(xff[len(xff)-1], ",")
	return strings.TrimSpace(hops[len(hops)-1])
}

// oauthVerifier lets the one authenticator accept OAuth access tokens: the
// token is checked (signature, issuer, audience, expiry, live grant), then
// its user must exist and be active.
func oauthVerifier(as *oauth.Server, users meetingintel.UserService) auth.TokenVerifier {
	return func(ctx context.Context, token string) (*auth.Principal, error) {
		info, err := as.VerifyAccessToken(ctx, token)
		if err != nil {
			return nil, err
		}
		u, err := users.FindUserByID(ctx, info.UserID)
		if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
			return nil, meetingintel.Errorf(meetingintel.EUNAUTHORIZED, "The token's user no longer exists.")
		} else if err != nil {
			return nil, err
		}
		if !u.Active {
			return nil, meetingintel.Errorf(meetingintel.EUNAUTHORIZED, "The token's user is deactivated.")
		}
		return &auth.Principal{User: u, Scopes: info.Scopes, TokenID: info.GrantID, ClientID: info.ClientID}, nil
	}
}

// cleanupLoop removes expired OAuth codes, tokens and grants (as is nil
// with OAuth off), expired web sessions and audit rows older than
// retainDays, every hour.
func cleanupLoop(ctx context.Context, as *oauth.Server, ui *web.Server, trail meetingintel.AuditService, retainDays int, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := trail.DeleteAuditBefore(ctx, time.Now().AddDate(0, 0, -retainDays)); err != nil && ctx.Err() == nil {
			log.Warn("audit retention sweep failed", "err", err)
		} else if n > 0 {
			log.Info("audit retention sweep", "removed", n, "days", retainDays)
		}
		if as != nil {
			if n, err := as.Cleanup(ctx); err != nil && ctx.Err() == nil {
				log.Warn("OAuth cleanup failed", "err", err)
			} else if n > 0 {
				log.Info("OAuth cleanup", "removed", n)
			}
		}
		if n, err := ui.Cleanup(ctx); err != nil && ctx.Err() == nil {
			log.Warn("session cleanup failed", "err", err)
		} else if n > 0 {
			log.Info("session cleanup", "removed", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// searchLogSweep trims the search change log to retain, every hour: an
// index whose last applied change is trimmed rebuilds (package postings),
// so the log need only hold what an idle index may still want.
func searchLogSweep(ctx context.Context, sw meetingintel.SearchLogSweeper, retain time.Duration, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := sw.SweepSearchLog(ctx, time.Now(), retain); err != nil && ctx.Err() == nil {
			log.Warn("search log sweep failed", "err", err)
		} else if n > 0 {
			log.Info("search log sweep", "removed", n, "retention", retain.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ensureAdmin creates the first admin on a database that has no users and
// returns their first token ("" when the database already had users).
func ensureAdmin(ctx context.Context, s meetingintel.Store, cfg config) (*meetingintel.User, string, error) {
	n, err := s.CountUsers(ctx)
	if err != nil {
		return nil, "", err
	}
	email := firstNonEmpty(cfg.AdminEmail, DefaultAdminEmail)
	if n > 0 {
		u, err := s.FindUserByEmail(ctx, email)
		if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
			users, err := s.FindUsers(ctx)
			if err != nil {
				return nil, "", err
			}
			for _, u := range users {
				if u.Admin {
					return u, "", nil
				}
			}
			return users[0], "", nil
		}
		return u, "", err
	}
	u := &meetingintel.User{Email: email, Name: "Admin", Admin: true, Active: true}
	if err := s.CreateUser(ctx, u); err != nil {
		return nil, "", err
	}
	tok, _, err := s.CreateToken(ctx, u.ID, "first admin token")
	if err != nil {
		return nil, "", err
	}
	return u, tok, nil
}

// timeNow is the clock demo dates are relative to.
var timeNow = time.Now

func loadDemo(ctx context.Context, s meetingintel.Store, admin *meetingintel.User, log *slog.Logger) error {
	actx := meetingintel.NewContextWithUser(ctx, admin)
	existing, _, err := s.FindMeetings(actx, meetingintel.MeetingFilter{Limit: 1})
	if err != nil {
		return err
	}
	if len(existing) > 0 {
		log.Info("demo data not loaded: the database already has meetings")
		return nil
	}
	st, err := demo.Load(actx, s, timeNow())
	if err != nil {
		return fmt.Errorf("loading demo data: %w", err)
	}
	log.Info("demo data loaded", "meetings", st.Meetings, "segments", st.Segments, "actions", st.Actions, "decisions", st.Decisions)
	return nil
}

// printWelcome tells the person who started a new instance how to get in.
// The token goes to the terminal once; on a deployed instance, whose output
// ends up in a log store, it is not printed at all.
func printWelcome(e env, cfg config, admin *meetingintel.User, token string) {
	if cfg.Instance != "" {
		fmt.Fprintf(e.stderr, "\nNew database: created admin %s. Its token is not printed on a deployed instance;\n"+
			"create one with: meetingintel tokens create --email %s\n\n", admin.Email, admin.Email)
		return
	}
	fmt.Fprintf(e.stderr, `
Meeting Intelligence is running at %[1]s
A new database: created admin %[2]s. Their token (shown only this once):

    %[3]s

Web UI (sign in with the token):         %[1]s/
Connect an MCP client (Streamable HTTP):  %[1]s/mcp   with header  Authorization: Bearer <token>
Copilot Studio (token in the path):       %[1]s/mcp/<token>
Claude (legacy SSE):                      %[1]s/sse?token=<token>
Scripts:                                  meetingintel search --email %[2]s "what did we decide about pricing?"
Health:                                   %[1]s/healthz

`, cfg.PublicURL, admin.Email, token)
}
