package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// healthcheckTimeout bounds one health check, well inside the container
// runtime's own timeout.
const healthcheckTimeout = 3 * time.Second

// cmdHealthcheck GETs the server's /healthz and fails unless it answers
// 200. It exists for the container's HEALTHCHECK: the minimal image has no
// shell and no curl, only this binary.
func cmdHealthcheck(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("healthcheck", e)
	target := fs.String("url", "", "URL to check (default http://127.0.0.1:PORT/healthz, PORT from $ADDR or 8080)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	u := *target
	if u == "" {
		port := "8080"
		if _, p, err := net.SplitHostPort(e.getenv("ADDR")); err == nil && p != "" {
			port = p
		}
		u = "http://" + net.JoinHostPort("127.0.0.1", port) + "/healthz"
	}
	if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return usagef("--url %q is not an absolute http(s) URL", u)
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health check: %s answered %d", u, resp.StatusCode)
	}
	return nil
}
