package main

import (
	"context"
	"log/slog"

	"github.com/meetingintel/meetingintel/mcpserver"
)

// cmdMCP serves the MCP tools over stdio as one user (Claude Desktop and
// other local clients that start the server themselves). Logs go to stderr:
// stdout belongs to the protocol.
func cmdMCP(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("mcp", e)
	var db dbFlags
	db.register(fs)
	email := fs.String("email", "", "act as this user (required)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if *email == "" {
		return usagef("--email is required")
	}
	s, _, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	_, u, err := actor(ctx, s, *email)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := mcpserver.New(mcpserver.Config{Store: s, Logger: log, PublicURL: "", Version: Version})
	return srv.ServeStdio(ctx, u)
}
