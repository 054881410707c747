package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/meetingintel/meetingintel"
)

func cmdUsersAdd(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("users add", e)
	email := fs.String("email", "", "the user's email (required)")
	name := fs.String("name", "", "the user's display name (required)")
	admin := fs.Bool("admin", false, "make the user an admin (sees private meetings)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		return usagef("users add needs --email and --name")
	}
	norm, err := meetingintel.NormalizeEmail(*email)
	if err != nil {
		return err
	}
	s, _, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	u := &meetingintel.User{Email: norm, Name: *name, Admin: *admin, Active: true}
	if err := s.CreateUser(ctx, u); err != nil {
		return err
	}
	tok, _, err := s.CreateToken(ctx, u.ID, "first token")
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Created user %s (id %d%s). Their token follows; it is shown only once.\n", u.Email, u.ID, map[bool]string{true: ", admin"}[u.Admin])
	fmt.Fprintln(e.stdout, tok)
	return nil
}

func cmdUsersList(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("users list", e)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	s, _, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	users, err := s.FindUsers(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tADMIN\tACTIVE\tCREATED")
	for _, u := range users {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%t\t%t\t%s\n", u.ID, u.Email, u.Name, u.Admin, u.Active, u.CreatedAt.Format(time.DateOnly))
	}
	return tw.Flush()
}

func cmdTokensCreate(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("tokens create", e)
	email := fs.String("email", "", "whose token (required)")
	label := fs.String("label", "", "what the token is for, e.g. \"Copilot Studio\"")
	expires := fs.Int("expires-days", 0, "days until the token stops working (0: never)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *expires < 0 {
		return &usageError{"tokens create: --expires-days must be 0 (never) or a number of days"}
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
	var until time.Time
	if *expires > 0 {
		until = time.Now().AddDate(0, 0, *expires)
	}
	tok, t, err := s.CreateTokenUntil(ctx, u.ID, *label, until)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Created token %d for %s; it is shown only once.\n", t.ID, u.Email)
	if t.ExpiresAt != nil {
		fmt.Fprintf(e.stderr, "It expires at %s.\n", t.ExpiresAt.UTC().Format(time.RFC3339))
	}
	fmt.Fprintln(e.stdout, tok)
	return nil
}

func cmdTokensList(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("tokens list", e)
	email := fs.String("email", "", "whose tokens (required)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	s, _, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	u, err := findUser(ctx, s, *email)
	if err != nil {
		return err
	}
	toks, err := s.FindTokens(ctx, u.ID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLABEL\tCREATED\tLAST USED\tEXPIRES\tSTATUS")
	now := time.Now()
	for _, t := range toks {
		last, expires, status := "never", "never", "active"
		if t.LastUsedAt != nil {
			last = t.LastUsedAt.UTC().Format(time.RFC3339)
		}
		if t.ExpiresAt != nil {
			expires = t.ExpiresAt.UTC().Format(time.RFC3339)
		}
		switch {
		case t.RevokedAt != nil:
			status = "revoked " + t.RevokedAt.UTC().Format(time.DateOnly)
		case t.Expired(now):
			status = "expired"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Label, t.CreatedAt.UTC().Format(time.RFC3339), last, expires, status)
	}
	return tw.Flush()
}

func cmdTokensRevoke(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("tokens revoke", e)
	id, err := parseRevokeID(fs, args, "token")
	if err != nil {
		return err
	}
	s, _, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	if err := s.RevokeToken(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Revoked token %d.\n", id)
	return nil
}

func cmdMigrate(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("migrate", e)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	s, where, err := db.open(ctx, e) // opening applies the migrations
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	fmt.Fprintf(e.stderr, "Database %s is up to date.\n", where.display)
	return nil
}
