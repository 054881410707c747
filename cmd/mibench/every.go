package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

// The every-line corpus: 2,000 meetings of 100 lines, each line made of
// the same 16 common words only, so every query below matches nearly every
// line: the worst case of exact ranking over all matches (the issue's
// target: median under 30 ms).
const (
	everyMeetings = 2000
	everyLines    = 100
)

var everyWords = strings.Fields(`team page pricing customer release plan meeting update design review budget project data issue feature test`)

var everyQueries = []string{
	"team", "meeting", "pricing page", "customer release plan", "design review budget",
	"project data issue", "feature test update", "what did we decide about the pricing page?",
	"who owns the budget review?", "team page pricing customer release plan meeting update",
}

// everyMeeting returns the i-th meeting of the every-line corpus.
func everyMeeting(r *rand.Rand, i int) (*meetingintel.Meeting, []meetingintel.Segment) {
	line := func() string {
		w := make([]string, 6+r.IntN(9))
		for k := range w {
			w[k] = everyWords[r.IntN(len(everyWords))]
		}
		return strings.Join(w, " ") + "."
	}
	m := &meetingintel.Meeting{
		Title: line(), Date: time.Date(2023, 1, 2, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour),
		Source: "Bench", SourceMeetingID: fmt.Sprintf("every-%05d", i), Summary: line() + " " + line(),
		Visibility: meetingintel.VisibilityTeam,
	}
	if i%20 == 0 {
		m.Visibility = meetingintel.VisibilityPrivate
	}
	segs := make([]meetingintel.Segment, everyLines)
	for k := range segs {
		segs[k] = meetingintel.Segment{Seq: k, Speaker: people[r.IntN(len(people))], StartMS: int64(k) * 4000,
			EndMS: int64(k)*4000 + 3500, Text: line()}
	}
	return m, segs
}

// measureEvery imports the every-line corpus into s when it holds no
// meeting, then times every query three times after a warm-up pass.
func measureEvery(ctx context.Context, s meetingintel.Store, u *meetingintel.User) (latencies, time.Duration, error) {
	uctx := meetingintel.NewContextWithUser(ctx, u)
	existing, _, err := s.FindMeetings(uctx, meetingintel.MeetingFilter{Limit: 1})
	if err != nil {
		return nil, 0, err
	}
	if len(existing) == 0 {
		r := rand.New(rand.NewPCG(7, 11))
		for i := range everyMeetings {
			m, segs := everyMeeting(r, i)
			if _, err := s.ImportMeeting(uctx, m, segs); err != nil {
				return nil, 0, fmt.Errorf("every-line corpus, meeting %d: %w", i, err)
			}
		}
	}
	for _, q := range everyQueries {
		if _, err := s.Search(uctx, meetingintel.SearchQuery{Query: q, Limit: 10}); err != nil {
			return nil, 0, err
		}
	}
	var out latencies
	cpu0 := cpuTime()
	for _, q := range everyQueries {
		for range 3 {
			t := time.Now()
			if _, err := s.Search(uctx, meetingintel.SearchQuery{Query: q, Limit: 10}); err != nil {
				return nil, 0, err
			}
			out = append(out, time.Since(t))
		}
	}
	cpu := (cpuTime() - cpu0) / time.Duration(len(out))
	fmt.Fprintf(os.Stderr, "every-line corpus: median %v p95 %v, CPU %v per search\n", out.pct(.5), out.pct(.95), cpu)
	return out, cpu, nil
}
