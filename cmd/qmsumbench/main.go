// Command qmsumbench measures search quality on QMSum's real meetings
// (make bench): it imports each split as the metric of the data's README
// says, asks every specific question through the store's Search, and
// prints hit@10, hit@3 and MRR@10 for our search beside a plain BM25 over
// single turns computed in the same run, for train and val.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/meetinginput"
	"github.com/meetingintel/meetingintel/sqlite"
	"github.com/meetingintel/meetingintel/transcript"
)

func main() {
	data := flag.String("data", "", "QMSum folder holding train/ and val/ (required)")
	out := flag.String("out", "docs/benchmarks-search.md", "report file (empty: print only)")
	splits := flag.String("splits", "train,val", "comma-separated splits to measure")
	dump := flag.String("dump", "", "also write each question's outcome and our top 10, one JSON object per line, to DUMP.SPLIT.jsonl (for reading the misses)")
	flag.Parse()
	if *data == "" {
		fmt.Fprintln(os.Stderr, "qmsumbench: -data is required (the QMSum folder with train/ and val/)")
		os.Exit(2)
	}
	var results []splitResult
	for _, s := range strings.Split(*splits, ",") {
		r, err := runSplit(context.Background(), filepath.Join(*data, s), s, *dump)
		if err != nil {
			fmt.Fprintln(os.Stderr, "qmsumbench:", err)
			os.Exit(1)
		}
		results = append(results, r)
	}
	report := render(results)
	fmt.Print(report)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(report), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "qmsumbench:", err)
			os.Exit(1)
		}
	}
}

// qmsumFile is the part of a QMSum file the metric reads.
type qmsumFile struct {
	Turns []struct {
		Speaker string `json:"speaker"`
		Content string `json:"content"`
	} `json:"meeting_transcripts"`
	Queries []struct {
		Query string     `json:"query"`
		Spans [][]string `json:"relevant_text_span"`
	} `json:"specific_query_list"`
}

// question is one specific query with where its answers lie.
type question struct {
	text    string
	meeting int64    // our meeting id
	spans   [][2]int // turn ranges, inclusive
}

// scores are the three figures of one ranker over one split.
type scores struct {
	hit10, hit3, mrr10 float64
}

type splitResult struct {
	name                string
	meetings, turns, qs int
	ours, bm25          scores
	searchTime          time.Duration
	// inMeeting: questions with a hit of ours in their meeting in the top
	// 10, answering or not. Its gap to hit@10 is the misses of place
	// within the right meeting; the rest are misses of the meeting.
	inMeeting int
	// families: per kind of meeting (family), questions and our hits@10.
	families map[string][2]int
}

// family names the corpus a QMSum meeting comes from, by its file name:
// AMI's product-design meetings (ES, IS, TS), ICSI's research meetings
// (B...), or a parliamentary committee.
func family(title string) string {
	switch {
	case len(title) > 2 && (title[:2] == "ES" || title[:2] == "IS" || title[:2] == "TS"):
		return "AMI"
	case strings.HasPrefix(title, "B"):
		return "ICSI"
	}
	return "committee"
}

// markers are QMSum's annotations in turn text ({vocalsound}, {disfmarker}).
var markers = regexp.MustCompile(`\{[^}]*\}`)

func clean(s string) string {
	return strings.Join(strings.Fields(markers.ReplaceAllString(s, " ")), " ")
}

func runSplit(ctx context.Context, dir, name, dumpTo string) (splitResult, error) {
	res := splitResult{name: name, families: map[string][2]int{}}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		return res, fmt.Errorf("no QMSum files in %s", dir)
	}
	sort.Strings(files)
	tmp, err := os.MkdirTemp("", "qmsumbench-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp)
	db, err := sqlite.Open(ctx, filepath.Join(tmp, "qmsum.db"))
	if err != nil {
		return res, err
	}
	defer db.Close()
	u := &meetingintel.User{Email: "bench@example.com", Name: "Bench", Active: true}
	if err := db.CreateUser(ctx, u); err != nil {
		return res, err
	}
	uctx := meetingintel.NewContextWithUser(ctx, u)

	base := NewBM25()
	titles := map[int64]string{}
	var qs []question
	day := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for i, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return res, err
		}
		var qf qmsumFile
		if err := json.Unmarshal(raw, &qf); err != nil {
			return res, fmt.Errorf("%s: %w", f, err)
		}
		// The metric's import: turn i starts at i × 10 s.
		var b strings.Builder
		for t, turn := range qf.Turns {
			text := clean(turn.Content)
			if text == "" {
				continue
			}
			sec := t * 10
			fmt.Fprintf(&b, "[%02d:%02d:%02d] %s: %s\n", sec/3600, sec/60%60, sec%60, strings.TrimSpace(turn.Speaker), text)
		}
		data := []byte(b.String())
		tr, err := transcript.Parse(data, transcript.Text)
		if err != nil {
			return res, fmt.Errorf("%s: %w", f, err)
		}
		m := &meetingintel.Meeting{Title: meetinginput.TitleFromFile(f), Date: day.Add(time.Duration(i) * 24 * time.Hour), Visibility: meetingintel.VisibilityTeam}
		meetinginput.FillFromTranscript(m, tr)
		meetinginput.KeyByContent(m, data)
		m.Normalize()
		if _, err := db.ImportMeeting(uctx, m, tr.Segments); err != nil {
			return res, fmt.Errorf("%s: %w", f, err)
		}
		for t, turn := range qf.Turns {
			if text := clean(turn.Content); text != "" {
				base.Add(m.ID, t, turn.Speaker+" "+text)
			}
		}
		titles[m.ID] = m.Title
		res.meetings++
		res.turns += len(qf.Turns)
		for _, q := range qf.Queries {
			qq := question{text: q.Query, meeting: m.ID}
			for _, sp := range q.Spans {
				if len(sp) != 2 {
					continue
				}
				from, err1 := strconv.Atoi(sp[0])
				to, err2 := strconv.Atoi(sp[1])
				if err1 == nil && err2 == nil {
					qq.spans = append(qq.spans, [2]int{from, to})
				}
			}
			qs = append(qs, qq)
		}
	}
	base.Finish()
	res.qs = len(qs)

	var dump *json.Encoder
	if dumpTo != "" {
		f, err := os.Create(dumpTo + "." + name + ".jsonl")
		if err != nil {
			return res, err
		}
		defer f.Close()
		dump = json.NewEncoder(f)
	}
	var ours, bm []int // rank of the first answering hit, 0 for none
	t0 := time.Now()
	for _, q := range qs {
		hits, err := db.Search(uctx, meetingintel.SearchQuery{Query: q.text, Limit: 10})
		if err != nil && meetingintel.ErrorCode(err) != meetingintel.EINVALID {
			return res, fmt.Errorf("search %q: %w", q.text, err)
		}
		rank, inMeeting := 0, false
		for i, h := range hits {
			inMeeting = inMeeting || h.MeetingID == q.meeting
			if rank == 0 && h.MeetingID == q.meeting && h.StartMS != nil && q.answers(int(*h.StartMS/10000)) {
				rank = i + 1
			}
		}
		ours = append(ours, rank)
		fam := res.families[family(titles[q.meeting])]
		fam[0]++
		if rank > 0 {
			fam[1]++
		}
		res.families[family(titles[q.meeting])] = fam
		if dump != nil {
			if err := dumpQuestion(uctx, dump, db, q, titles, hits, rank); err != nil {
				return res, err
			}
		}
		if inMeeting {
			res.inMeeting++
		}
	}
	res.searchTime = time.Since(t0)
	for _, q := range qs {
		rank := 0
		for i, h := range base.Search(q.text, 10) {
			if h.meeting == q.meeting && q.answers(h.turn) {
				rank = i + 1
				break
			}
		}
		bm = append(bm, rank)
	}
	res.ours, res.bm25 = score(ours), score(bm)
	fmt.Fprintf(os.Stderr, "%s: %d meetings, %d questions: ours hit@10 %.1f%%, BM25 %.1f%%\n",
		name, res.meetings, res.qs, 100*res.ours.hit10, 100*res.bm25.hit10)
	return res, nil
}

// dumpQuestion writes one question's outcome for -dump: its text, meeting,
// spans, the rank of the first answering hit in the top 10 and in the top
// 50 (0: none), and the top 10 as meeting, turn, kind, score and speaker.
func dumpQuestion(ctx context.Context, enc *json.Encoder, db *sqlite.DB, q question, titles map[int64]string, hits []meetingintel.SearchHit, rank int) error {
	deep, err := db.Search(ctx, meetingintel.SearchQuery{Query: q.text, Limit: 50})
	if err != nil && meetingintel.ErrorCode(err) != meetingintel.EINVALID {
		return err
	}
	deepRank := 0
	for i, h := range deep {
		if h.MeetingID == q.meeting && h.StartMS != nil && q.answers(int(*h.StartMS/10000)) {
			deepRank = i + 1
			break
		}
	}
	type dumpHit struct {
		Meeting string  `json:"meeting"`
		Turn    int64   `json:"turn"` // -1: not a transcript line
		Kind    string  `json:"kind"`
		Score   float64 `json:"score"`
		Speaker string  `json:"speaker,omitempty"`
	}
	top := []dumpHit{}
	for _, h := range hits {
		t := int64(-1)
		if h.StartMS != nil {
			t = *h.StartMS / 10000
		}
		top = append(top, dumpHit{titles[h.MeetingID], t, h.Kind, h.Score, h.Speaker})
	}
	return enc.Encode(map[string]any{"question": q.text, "meeting": titles[q.meeting], "spans": q.spans,
		"rank": rank, "rank50": deepRank, "top": top})
}

// answers reports whether turn lies within 2 turns of a relevant span.
func (q question) answers(turn int) bool {
	for _, s := range q.spans {
		if turn >= s[0]-2 && turn <= s[1]+2 {
			return true
		}
	}
	return false
}

func score(ranks []int) scores {
	var s scores
	for _, r := range ranks {
		if r >= 1 && r <= 10 {
			s.hit10++
			s.mrr10 += 1 / float64(r)
		}
		if r >= 1 && r <= 3 {
			s.hit3++
		}
	}
	n := float64(max(len(ranks), 1))
	return scores{s.hit10 / n, s.hit3 / n, s.mrr10 / n}
}

func render(rs []splitResult) string {
	var b strings.Builder
	b.WriteString("# Search quality on QMSum (cmd/qmsumbench)\n\n")
	b.WriteString("Written by `make bench` (`go run ./cmd/qmsumbench -data ../shared/qmsum`). Each split's meetings are\n")
	b.WriteString("imported into a fresh SQLite store as plain-text transcripts (turn i at i × 10 s, `{...}` markers\n")
	b.WriteString("dropped); every specific query is searched as a team member (limit 10). A query is answered when a\n")
	b.WriteString("hit is in its meeting and `start_ms / 10000` is within 2 turns of a relevant span. The baseline is a\n")
	b.WriteString("plain BM25 over single turns (k1 1.2, b 0.75, speaker + text, English stop words removed, no\n")
	b.WriteString("stemming), computed in the same run.\n\n")
	b.WriteString("| split | meetings | turns | questions | ranker | hit@10 | hit@3 | MRR@10 |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | ours | %.1f%% | %.1f%% | %.3f |\n", r.name, r.meetings, r.turns, r.qs, 100*r.ours.hit10, 100*r.ours.hit3, r.ours.mrr10)
		fmt.Fprintf(&b, "| %s | | | | plain BM25 | %.1f%% | %.1f%% | %.3f |\n", r.name, 100*r.bm25.hit10, 100*r.bm25.hit3, r.bm25.mrr10)
		fmt.Fprintf(&b, "| %s | | | | ours − BM25 | %+.1f pts | %+.1f pts | %+.3f |\n", r.name,
			100*(r.ours.hit10-r.bm25.hit10), 100*(r.ours.hit3-r.bm25.hit3), r.ours.mrr10-r.bm25.mrr10)
	}
	b.WriteString("\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "- %s: a hit in the question's meeting in our top 10 for %.1f%% of questions (hit@10 %.1f%%): %.1f%% miss the meeting, %.1f%% the place in it.\n",
			r.name, 100*float64(r.inMeeting)/float64(max(r.qs, 1)), 100*r.ours.hit10,
			100-100*float64(r.inMeeting)/float64(max(r.qs, 1)), 100*float64(r.inMeeting)/float64(max(r.qs, 1))-100*r.ours.hit10)
	}
	for _, r := range rs {
		fmt.Fprintf(&b, "- %s by kind of meeting, our hit@10:", r.name)
		for i, f := range []string{"AMI", "ICSI", "committee"} {
			v := r.families[f]
			sep := ","
			if i == 0 {
				sep = ""
			}
			fmt.Fprintf(&b, "%s %s %.1f%% of %d", sep, f, 100*float64(v[1])/float64(max(v[0], 1)), v[0])
		}
		b.WriteString(" (AMI's are 4-meeting series of teams designing the same remote control: most misses).\n")
	}
	for _, r := range rs {
		fmt.Fprintf(&b, "- %s: %d searches took %v in all (mean %.2f ms; quality run, not a latency measurement).\n",
			r.name, r.qs, r.searchTime.Round(time.Millisecond), float64(r.searchTime.Microseconds())/1000/float64(max(r.qs, 1)))
	}
	return b.String()
}
