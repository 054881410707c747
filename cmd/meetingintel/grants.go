package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/audit"
)

// oauthStore returns the OAuth side of a store.
func oauthStore(s meetingintel.Store) (meetingintel.OAuthStore, error) {
	o, ok := raw(s).(meetingintel.OAuthStore)
	if !ok {
		return nil, errors.New("this database does not store OAuth connections")
	}
	return audit.WrapOAuth(o, s, s, nil), nil
}

// cmdGrantsList lists a user's OAuth connections (apps they allowed).
func cmdGrantsList(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("grants list", e)
	email := fs.String("email", "", "whose connections (required)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	s, _, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	ostore, err := oauthStore(s)
	if err != nil {
		return err
	}
	u, err := findUser(ctx, s, *email)
	if err != nil {
		return err
	}
	grants, err := ostore.FindOAuthGrants(ctx, u.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAPP\tCLIENT ID\tSCOPES\tCREATED\tLAST USED\tSTATUS")
	for _, g := range grants {
		last, status := "never", "active"
		if g.LastUsedAt != nil {
			last = g.LastUsedAt.UTC().Format(time.RFC3339)
		}
		switch {
		case g.RevokedAt != nil:
			status = "revoked " + g.RevokedAt.UTC().Format(time.DateOnly)
		case !g.Live(now):
			status = "expired"
		}
		name := g.ClientName
		if name == "" {
			name = "(unnamed)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", g.ID, name, g.ClientID, strings.Join(g.Scopes, " "),
			g.CreatedAt.UTC().Format(time.RFC3339), last, status)
	}
	return tw.Flush()
}

// cmdGrantsRevoke revokes an OAuth connection: its refresh tokens at once,
// its access tokens within seconds.
func cmdGrantsRevoke(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("grants revoke", e)
	id, err := parseRevokeID(fs, args, "grant")
	if err != nil {
		return err
	}
	s, _, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	ostore, err := oauthStore(s)
	if err != nil {
		return err
	}
	if err := ostore.RevokeOAuthGrant(ctx, id, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Revoked OAuth connection %d; the app must sign in again.\n", id)
	return nil
}
