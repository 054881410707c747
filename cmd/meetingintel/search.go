package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

func cmdSearch(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("search", e)
	email := fs.String("email", "", "search as this user (required)")
	limit := fs.Int("limit", 10, "how many hits, at most 100")
	asJSON := fs.Bool("json", false, "print one JSON object per hit")
	ws := workspaceFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("search needs a QUERY")
	}
	if *limit < 1 || *limit > meetingintel.MaxLimit {
		return usagef("--limit must be between 1 and %d", meetingintel.MaxLimit)
	}
	s, _, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	actx, _, err := actor(ctx, s, *email)
	if err != nil {
		return err
	}
	actx = inWorkspace(actx, *ws)
	hits, err := s.Search(actx, meetingintel.SearchQuery{Query: strings.Join(pos, " "), Limit: *limit})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		for _, h := range hits {
			if err := enc.Encode(jsonHit{h, h.Speaker, h.StartMS}); err != nil {
				return err
			}
		}
		return nil
	}
	if len(hits) == 0 {
		fmt.Fprintln(e.stderr, "No matches.")
		return nil
	}
	for _, h := range hits {
		fmt.Fprintf(e.stdout, "#%d  %s  (%s)\n", h.MeetingID, h.Title, h.MeetingDate.UTC().Format("2006-01-02 15:04"))
		where := h.Kind
		if h.Speaker != "" {
			where += " · " + h.Speaker
		}
		if h.StartMS != nil {
			where += " @ " + clock(*h.StartMS)
		}
		fmt.Fprintf(e.stdout, "    %s\n    %s\n\n", where, strings.Join(strings.Fields(h.Snippet), " "))
	}
	return nil
}

// jsonHit is a hit as --json prints it: speaker and start_ms are in every
// line (empty and null for hits that are not transcript segments), as
// DESIGN §3 promises scripts, where the domain type omits them.
type jsonHit struct {
	meetingintel.SearchHit
	Speaker string `json:"speaker"`
	StartMS *int64 `json:"start_ms"`
}

// clock formats milliseconds as h:mm:ss or m:ss.
func clock(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}
