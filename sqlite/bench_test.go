package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/sqlite"
	"github.com/meetingintel/meetingintel/storetest"
)

// corpusWords is the head of a Zipf-like English vocabulary; the tail is
// made-up words so rare terms exist too.
var corpusWords = strings.Fields(`the to and of a i we that it is in you for this on be so have
	with just but think yeah not are was do can what if going at like all they about will one
	know there need from get as out our team page pricing customer release plan meeting week data
	budget design review launch sprint roadmap hiring contract deadline feature bug api invoice
	report migration security onboarding dashboard metrics revenue churn partner vendor legal
	marketing campaign website mobile backend frontend database cloud cost forecast quarter`)

type textGen struct {
	r    *rand.Rand
	zipf *rand.Zipf
}

func newTextGen(seed uint64) *textGen {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return &textGen{r: r, zipf: rand.NewZipf(r, 1.1, 2, 50_000)}
}

func (g *textGen) word() string {
	n := int(g.zipf.Uint64())
	if n < len(corpusWords) {
		return corpusWords[n]
	}
	return "w" + strconv.FormatInt(int64(n), 36)
}

func (g *textGen) sentence(words int) string {
	parts := make([]string, words)
	for i := range parts {
		parts[i] = g.word()
	}
	return strings.Join(parts, " ") + "."
}

func (g *textGen) meeting(i int) (*meetingintel.Meeting, []meetingintel.Segment) {
	m := &meetingintel.Meeting{
		Title:      g.sentence(4),
		Date:       time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * 6 * time.Hour),
		Summary:    g.sentence(60),
		Attendees:  []meetingintel.Attendee{{Name: "Ann", Email: "ann@example.com"}, {Name: "Ben", Email: "ben@example.com"}},
		Tags:       []string{[]string{"sales", "ops", "eng"}[i%3]},
		Visibility: []meetingintel.Visibility{meetingintel.VisibilityTeam, meetingintel.VisibilityPrivate}[min(i%10, 1)^1],
	}
	segs := make([]meetingintel.Segment, 300)
	for j := range segs {
		segs[j] = meetingintel.Segment{Speaker: []string{"Ann", "Ben", "Cy"}[j%3], StartMS: int64(j) * 10_000,
			EndMS: int64(j)*10_000 + 9_000, Text: g.sentence(8 + g.r.IntN(20))}
	}
	return m, segs
}

var benchUser = &meetingintel.User{Email: "bench@example.com"}

func BenchmarkCreateMeeting300Segments(b *testing.B) {
	db := open(b)
	ctx := storetest.Actor(b, db, benchUser.Email)
	g := newTextGen(1)
	type item struct {
		m *meetingintel.Meeting
		s []meetingintel.Segment
	}
	items := make([]item, b.N)
	for i := range items {
		m, s := g.meeting(i)
		items[i] = item{m, s}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := db.CreateMeeting(ctx, items[i].m, items[i].s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(300*b.N)/b.Elapsed().Seconds(), "segments/s")
}

// BenchmarkSearch searches a corpus of BENCH_MEETINGS meetings (default 300)
// of 300 segments each, built once in BENCH_DB if set (kept between runs).
func BenchmarkSearch(b *testing.B) {
	n := 300
	if v, err := strconv.Atoi(os.Getenv("BENCH_MEETINGS")); err == nil && v > 0 {
		n = v
	}
	path := os.Getenv("BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "search.db")
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := storetest.Actor(b, db, benchUser.Email)
	have, _, err := db.FindMeetings(ctx, meetingintel.MeetingFilter{Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	if len(have) == 0 {
		g := newTextGen(2)
		start := time.Now()
		for i := 0; i < n; i++ {
			m, s := g.meeting(i)
			if err := db.CreateMeeting(ctx, m, s); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("built %d meetings (%d segments) in %v", n, n*300, time.Since(start))
	}
	queries := []string{
		"pricing", "what did we decide about the pricing page?", "team", "customer churn forecast",
		"w5k", "release plan for the mobile backend", "the", "budget", "security review deadline", "invoice vendor",
		// Common words: nearly every line matches one, the worst case of
		// exact ranking over all matches.
		"going know need team page pricing customer release plan meeting",
	}
	for _, q := range queries {
		b.Run(strings.ReplaceAll(q, " ", "_"), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				_, err := db.Search(ctx, meetingintel.SearchQuery{Query: q})
				if err != nil && meetingintel.ErrorCode(err) != meetingintel.EINVALID {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("filtered_tag_and_date", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, err := db.Search(ctx, meetingintel.SearchQuery{Query: "pricing page", Tag: "ops",
				From: time.Date(2024, 1, 20, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	// Lists and reads share the corpus: the store's everyday queries.
	b.Run("list_meetings", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, _, err := db.FindMeetings(ctx, meetingintel.MeetingFilter{Limit: 20, Tag: "eng"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get_meeting", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := db.FindMeetingByID(ctx, int64(1+i%n)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkReadPoolPrepared runs the reads of one MCP list_meetings call
// (the PAT lookup and a page of 20 meetings, visibility applied) and a
// search, with the read pool's statements prepared once and, as before,
// parsed on every call: before and after in one run.
func BenchmarkReadPoolPrepared(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "prepared.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	u := &meetingintel.User{Email: "member@example.com", Name: "Member", Active: true}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	pat, _, err := db.CreateToken(ctx, u.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	uctx := meetingintel.NewContextWithUser(ctx, u)
	g := newTextGen(3)
	for i := range 200 {
		m, segs := g.meeting(i)
		if err := db.CreateMeeting(uctx, m, segs[:30]); err != nil {
			b.Fatal(err)
		}
	}
	reads := map[string]func() error{
		"AuthenticateToken": func() error { _, _, err := db.AuthenticateToken(ctx, pat); return err },
		"FindMeetings20": func() error {
			ms, _, err := db.FindMeetings(uctx, meetingintel.MeetingFilter{Limit: 20})
			if err == nil && len(ms) != 20 {
				err = fmt.Errorf("%d meetings, want 20", len(ms))
			}
			return err
		},
		"Search": func() error { _, err := db.Search(uctx, meetingintel.SearchQuery{Query: "pricing plan"}); return err },
	}
	for _, name := range []string{"AuthenticateToken", "FindMeetings20", "Search"} {
		for _, prepared := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/prepared=%v", name, prepared), func(b *testing.B) {
				db.SetPreparedForTest(prepared)
				defer db.SetPreparedForTest(true)
				b.ReportAllocs()
				for b.Loop() {
					if err := reads[name](); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
