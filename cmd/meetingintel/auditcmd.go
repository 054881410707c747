package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/meetingintel/meetingintel"
)

// auditReader is who `meetingintel audit` reads the trail as: whoever runs
// the binary holds the database already, as with `meetingintel mcp`, so
// the command reads as an org admin of its own.
var auditReader = &meetingintel.User{Email: "cli@localhost", Name: "meetingintel audit", Admin: true, Active: true}

// cmdAudit prints the audit trail since a time, oldest row last (newest
// first, as the web page and the API list it), as a table or JSON lines.
func cmdAudit(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("audit", e)
	since := fs.String("since", "24h", "rows from this time on: 2026-03-04, RFC 3339, or an age such as 24h or 7d")
	until := fs.String("until", "", "rows before this time (same forms)")
	user := fs.String("user", "", "only this user's rows (email)")
	client := fs.String("client", "", "only this client's rows (OAuth client id, pat:ID, session)")
	action := fs.String("action", "", "only this action (meeting.create, mcp.tool, ...) or family (meeting.)")
	limit := fs.Int("limit", 1000, "at most this many rows")
	asJSON := fs.Bool("json", false, "print one JSON object per row")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *limit < 1 {
		return usagef("--limit must be 1 or more")
	}
	now := time.Now()
	f := meetingintel.AuditFilter{User: *user, Client: *client, Action: *action}
	var err error
	if f.Since, err = meetingintel.ParseAuditTime(*since, now); err != nil {
		return usagef("--since: %s", meetingintel.ErrorMessage(err))
	}
	if f.Until, err = meetingintel.ParseAuditTime(*until, now); err != nil {
		return usagef("--until: %s", meetingintel.ErrorMessage(err))
	}
	s, _, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	actx := meetingintel.NewContextWithUser(ctx, auditReader)
	var rows []*meetingintel.AuditEntry
	for len(rows) < *limit {
		f.Limit = min(*limit-len(rows), meetingintel.MaxAuditLimit)
		page, next, err := s.FindAudit(actx, f)
		if err != nil {
			return err
		}
		rows = append(rows, page...)
		if next == "" {
			break
		}
		f.Cursor = next
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tUSER\tVIA\tCLIENT\tACTION\tTOOL\tWORKSPACE\tTARGET\tOUTCOME")
	for _, r := range rows {
		// A write names its type and id ("meeting 7"); a tool call only its
		// ids ("meeting:7,action:3").
		target := strings.TrimSpace(r.TargetType + " " + r.TargetID)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.At.Format(time.RFC3339), dash(r.UserEmail), dash(r.Via), dash(r.Client),
			r.Action, dash(r.Tool), dash(r.Workspace), dash(target), r.Outcome)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
