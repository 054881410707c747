// Command meetingintel is Meeting Intelligence: a team's meeting memory
// served to AI assistants (MCP), people (web) and scripts (REST, CLI).
//
// This package only wires the parts together; see DESIGN §3 for the
// command-line contract it implements.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/meetingintel/meetingintel"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

// env is how commands read the environment, so tests can supply their own.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// usageError marks a mistake in how the command was called (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

const usage = `meetingintel: a team's meeting memory for AI assistants, people and scripts.

Usage:
  meetingintel serve [--addr 127.0.0.1:8080] [--public-url URL] [--demo]
  meetingintel users add --email E --name N [--admin]     prints the user's first token
  meetingintel users list
  meetingintel tokens create --email E [--label L] [--expires-days N]
                                                           prints a new token
  meetingintel tokens list --email E
  meetingintel tokens revoke ID
  meetingintel import --email E [--title T] [--date RFC3339] [--attendees a@x,b@y]
                      [--tags t1,t2] [--visibility team|private]
                      [--format auto|vtt|srt|otter|fireflies|text] [--workspace W] FILE...
  meetingintel search --email E [--workspace W] [--limit N] [--json] QUERY
  meetingintel grants list --email E                       OAuth connections (apps)
  meetingintel grants revoke ID
  meetingintel mcp --email E [--workspace W]               MCP over stdio
  meetingintel import-legacy --email E [--workspace W] PATH...
                                                           the old system's JSON or CSV data
  meetingintel workspaces create --name N [--slug S]       prints the new workspace's id
  meetingintel workspaces list
  meetingintel workspaces archive [--restore] WORKSPACE
  meetingintel members add|set-role --workspace W --email E --role viewer|member|chair
  meetingintel members list --workspace W
  meetingintel members remove --workspace W --email E
  meetingintel audit [--since 24h|7d|DATE] [--until T] [--user E] [--client C]
                     [--action A] [--limit N] [--json]   the audit trail
  meetingintel healthcheck [--url URL]                     exit 0 when /healthz answers 200
  meetingintel migrate

Every command takes --db PATH (SQLite, default ./data/meetingintel.db) or
--database-url URL (or DATABASE_URL). Run "meetingintel COMMAND -h" for its flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{os.Stdin, os.Stdout, os.Stderr, os.Getenv})
	stop()
	os.Exit(code)
}

// run executes one command and returns the process exit status.
func run(ctx context.Context, args []string, e env) int {
	err := dispatch(ctx, args, e)
	if err == nil {
		return 0
	}
	var ue *usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "meetingintel: %s\n", ue.msg)
		return 2
	}
	fmt.Fprintf(e.stderr, "meetingintel: %s\n", errorLine(err))
	return 1
}

// errorLine renders an error as one line for a person: the application
// message for domain errors, the error text for the rest.
func errorLine(err error) string {
	var me *meetingintel.Error
	if errors.As(err, &me) {
		msg := me.Message
		// Wrapping (file names) is kept: "notes.vtt: line 3: ...".
		if s := err.Error(); s != me.Error() {
			msg = strings.TrimSuffix(s, me.Error()) + me.Message
		}
		return msg
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

func dispatch(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	// What a command writes is audited as the CLI's; serve's edges set
	// their own.
	ctx = meetingintel.NewContextWithAuditSource(ctx, meetingintel.AuditSource{Via: meetingintel.AuditViaCLI})
	sub := func() (string, []string, error) {
		if len(rest) == 0 {
			return "", nil, usagef("%s needs a subcommand", cmd)
		}
		return rest[0], rest[1:], nil
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, e)
	case "migrate":
		return cmdMigrate(ctx, rest, e)
	case "users":
		s, r, err := sub()
		if err != nil {
			return err
		}
		switch s {
		case "add":
			return cmdUsersAdd(ctx, r, e)
		case "list":
			return cmdUsersList(ctx, r, e)
		}
		return usagef("unknown users subcommand %q (want add or list)", s)
	case "tokens":
		s, r, err := sub()
		if err != nil {
			return err
		}
		switch s {
		case "create":
			return cmdTokensCreate(ctx, r, e)
		case "list":
			return cmdTokensList(ctx, r, e)
		case "revoke":
			return cmdTokensRevoke(ctx, r, e)
		}
		return usagef("unknown tokens subcommand %q (want create, list or revoke)", s)
	case "grants":
		s, r, err := sub()
		if err != nil {
			return err
		}
		switch s {
		case "list":
			return cmdGrantsList(ctx, r, e)
		case "revoke":
			return cmdGrantsRevoke(ctx, r, e)
		}
		return usagef("unknown grants subcommand %q (want list or revoke)", s)
	case "workspaces":
		s, r, err := sub()
		if err != nil {
			return err
		}
		switch s {
		case "create":
			return cmdWorkspacesCreate(ctx, r, e)
		case "list":
			return cmdWorkspacesList(ctx, r, e)
		case "archive":
			return cmdWorkspacesArchive(ctx, r, e)
		}
		return usagef("unknown workspaces subcommand %q (want create, list or archive)", s)
	case "members":
		s, r, err := sub()
		if err != nil {
			return err
		}
		switch s {
		case "add", "set-role":
			return cmdMembersSet(s)(ctx, r, e)
		case "list":
			return cmdMembersList(ctx, r, e)
		case "remove":
			return cmdMembersRemove(ctx, r, e)
		}
		return usagef("unknown members subcommand %q (want add, list, set-role or remove)", s)
	case "import":
		return cmdImport(ctx, rest, e)
	case "search":
		return cmdSearch(ctx, rest, e)
	case "mcp":
		return cmdMCP(ctx, rest, e)
	case "import-legacy":
		return cmdImportLegacy(ctx, rest, e)
	case "healthcheck":
		return cmdHealthcheck(ctx, rest, e)
	case "audit":
		return cmdAudit(ctx, rest, e)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return nil
	case "version", "--version":
		fmt.Fprintln(e.stdout, "meetingintel", Version)
		return nil
	}
	fmt.Fprint(e.stderr, usage)
	return usagef("unknown command %q", cmd)
}
