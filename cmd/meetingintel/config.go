package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

// Default rate limits, per minute (the replaced system's).
const (
	DefaultMCPRatePerMin = 120
	DefaultAPIRatePerMin = 60
)

// config is the server's configuration from flags and environment
// (DESIGN §3). Flags win over the environment.
type config struct {
	Addr          string
	PublicURL     string
	Instance      string // "team", "prod" or "" (local)
	LogLevel      slog.Level
	MCPAuthTokens string // legacy {"<token>":"<email>"} JSON
	AdminEmail    string // the first admin on a new database
	OAuthEnabled  bool   // serve the OAuth authorization server (DESIGN §3)
	JWTSecret     string // signs OAuth access tokens; see oauth.LoadSecret
	// Registrations allowed per minute from one address and from all
	// together; 0 leaves oauth's defaults.
	RegisterPerAddr, RegisterTotal int
	// AuditRetentionDays is how long audit rows are kept
	// (AUDIT_RETENTION_DAYS, default 365).
	AuditRetentionDays int
	// SearchLogRetention is how long the search change log keeps a change
	// (SEARCH_LOG_RETENTION, a Go duration, default 48h).
	SearchLogRetention time.Duration
	// MCPRatePerMin and APIRatePerMin limit /mcp (and /sse) per credential
	// and /api per address (MCP_RATE_PER_MIN, default 120; API_RATE_PER_MIN,
	// default 60); 0 turns a limit off.
	MCPRatePerMin, APIRatePerMin int
}

// loadConfig reads the environment, applies flag overrides and validates.
// Each error is one line naming the setting.
func loadConfig(e env, addrFlag, publicURLFlag string) (config, error) {
	c := config{
		Addr:          firstNonEmpty(addrFlag, e.getenv("ADDR"), "127.0.0.1:8080"),
		PublicURL:     firstNonEmpty(publicURLFlag, e.getenv("PUBLIC_URL")),
		Instance:      strings.TrimSpace(e.getenv("INSTANCE")),
		MCPAuthTokens: e.getenv("MCP_AUTH_TOKENS"),
		AdminEmail:    strings.TrimSpace(e.getenv("ADMIN_EMAIL")),
		JWTSecret:     e.getenv("JWT_SECRET"),
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return c, fmt.Errorf("ADDR / --addr: %q is not host:port", c.Addr)
	}
	switch c.Instance {
	case "", "team", "prod":
	default:
		return c, fmt.Errorf("INSTANCE: must be team, prod or empty (local), not %q", c.Instance)
	}
	switch lvl := strings.ToLower(strings.TrimSpace(e.getenv("LOG_LEVEL"))); lvl {
	case "", "info":
		c.LogLevel = slog.LevelInfo
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		return c, fmt.Errorf("LOG_LEVEL: must be debug, info, warn or error, not %q", lvl)
	}
	// OAuth is on for team and local, off for prod until ChatGPT has been
	// validated there; OAUTH_ENABLED overrides either way.
	switch v := strings.ToLower(strings.TrimSpace(e.getenv("OAUTH_ENABLED"))); v {
	case "":
		c.OAuthEnabled = c.Instance != "prod"
	case "true", "1", "yes", "on":
		c.OAuthEnabled = true
	case "false", "0", "no", "off":
		c.OAuthEnabled = false
	default:
		return c, fmt.Errorf("OAUTH_ENABLED: must be true or false, not %q", v)
	}
	for _, l := range []struct {
		name string
		to   *int
	}{{"OAUTH_REGISTER_PER_MIN", &c.RegisterPerAddr}, {"OAUTH_REGISTER_TOTAL_PER_MIN", &c.RegisterTotal}} {
		v := strings.TrimSpace(e.getenv(l.name))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			return c, fmt.Errorf("%s: must be a whole number from 1 to 1000000, not %q", l.name, v)
		}
		*l.to = n
	}
	for _, l := range []struct {
		name     string
		to       *int
		def, min int
	}{
		{"AUDIT_RETENTION_DAYS", &c.AuditRetentionDays, meetingintel.DefaultAuditRetain, 1},
		{"MCP_RATE_PER_MIN", &c.MCPRatePerMin, DefaultMCPRatePerMin, 0},
		{"API_RATE_PER_MIN", &c.APIRatePerMin, DefaultAPIRatePerMin, 0},
	} {
		*l.to = l.def
		v := strings.TrimSpace(e.getenv(l.name))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < l.min || n > 1_000_000 {
			return c, fmt.Errorf("%s: must be a whole number from %d to 1000000, not %q", l.name, l.min, v)
		}
		*l.to = n
	}
	c.SearchLogRetention = meetingintel.DefaultSearchLogRetention
	if v := strings.TrimSpace(e.getenv("SEARCH_LOG_RETENTION")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < meetingintel.MinSearchLogRetention {
			return c, fmt.Errorf("SEARCH_LOG_RETENTION: must be a duration of at least %s (such as 48h), not %q", meetingintel.MinSearchLogRetention, v)
		}
		c.SearchLogRetention = d
	}
	if c.PublicURL == "" {
		if c.Instance != "" {
			return c, fmt.Errorf("PUBLIC_URL: required on the %s instance (the https address clients use)", c.Instance)
		}
		host, port, _ := net.SplitHostPort(c.Addr)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		c.PublicURL = "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return c, fmt.Errorf("PUBLIC_URL: %q is not an absolute http(s) URL", c.PublicURL)
	}
	if c.Instance != "" && u.Scheme != "https" {
		return c, fmt.Errorf("PUBLIC_URL: must be https on the %s instance, not %q", c.Instance, c.PublicURL)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.AdminEmail != "" && !strings.Contains(c.AdminEmail, "@") {
		return c, fmt.Errorf("ADMIN_EMAIL: %q is not an email address", c.AdminEmail)
	}
	return c, nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
