package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel"
)

// searchCorpus stores three meetings: a pricing discussion, a hiring meeting
// that mentions "page" once, and a private board meeting about pricing.
func searchCorpus(t *testing.T, s meetingintel.Store) (pricing, hiring, board *meetingintel.Meeting) {
	pricing = mustCreate(t, s, carol, &meetingintel.Meeting{
		Title: "Website review", Date: day(10), Tags: []string{"web"},
		Attendees: []meetingintel.Attendee{{Name: "Dana Smith", Email: "dana@example.com"}},
		Summary:   "Reviewed the landing copy.",
	}, []meetingintel.Segment{
		{Speaker: "Dana", StartMS: 0, EndMS: 5000, Text: "Let us look at the pricing page first."},
		{Speaker: "Eve", StartMS: 5000, EndMS: 9000, Text: "The pricing tiers on that page confuse people."},
		{Speaker: "Dana", StartMS: 9000, EndMS: 15000, Text: "We decided to simplify pricing to two tiers and redesign the page."},
		{Speaker: "Eve", StartMS: 15000, EndMS: 20000, Text: "Agreed, ship it next sprint."},
	})
	hiring = mustCreate(t, s, carol, &meetingintel.Meeting{
		Title: "Hiring sync", Date: day(12), Tags: []string{"people"},
	}, []meetingintel.Segment{
		{Speaker: "Frank", StartMS: 0, EndMS: 5000, Text: "Two candidates this week for the backend role."},
		{Speaker: "Gina", StartMS: 5000, EndMS: 9000, Text: "The careers page needs the new role listed."},
		{Speaker: "Frank", StartMS: 9000, EndMS: 15000, Text: "Interviews are scheduled for Thursday afternoon."},
	})
	board = mustCreate(t, s, carol, &meetingintel.Meeting{
		Title: "Board prep", Date: day(14), Visibility: meetingintel.VisibilityPrivate,
	}, []meetingintel.Segment{
		{Speaker: "Carol", StartMS: 0, EndMS: 5000, Text: "Board wants a pricing update and the runway numbers."},
	})
	mustNil(t, "CreateDecision", s.CreateDecision(as(carol), &meetingintel.Decision{MeetingID: pricing.ID,
		Text: "Two pricing tiers", Context: "Fewer choices convert better on the pricing page."}))
	mustNil(t, "CreateAction", s.CreateAction(as(carol), &meetingintel.Action{MeetingID: &pricing.ID,
		Text: "Redesign pricing page", Owner: "Dana"}))
	return pricing, hiring, board
}

func testSearch(t *testing.T, s meetingintel.Store) {
	pricing, hiring, board := searchCorpus(t, s)
	ctx := as(bob)

	hits, err := s.Search(ctx, meetingintel.SearchQuery{Query: "what did we decide about the pricing page?"})
	mustNil(t, "Search question", err)
	if len(hits) == 0 || hits[0].MeetingID != pricing.ID {
		t.Fatalf("the pricing discussion should rank first: %+v", hits)
	}
	if hits[0].Kind != meetingintel.KindDecision {
		t.Errorf("a question about a decision should rank the decision first, got a %s hit: %+v", hits[0].Kind, hits[0])
	}
	var hiringRank, lastPricing = -1, -1
	for i, h := range hits {
		if h.MeetingID == board.ID {
			t.Errorf("bob found the private board meeting: %+v", h)
		}
		if h.MeetingID == hiring.ID && hiringRank < 0 {
			hiringRank = i
		}
		if h.MeetingID == pricing.ID {
			lastPricing = i
		}
		if i > 0 && h.Score > hits[i-1].Score {
			t.Errorf("hits not ordered by score: %v after %v", h.Score, hits[i-1].Score)
		}
		if h.Score <= 0 {
			t.Errorf("score %v should be positive", h.Score)
		}
	}
	if hiringRank < 0 || hiringRank < lastPricing {
		t.Errorf("the hiring meeting (page once) should come after every pricing hit: hiring at %d, last pricing at %d", hiringRank, lastPricing)
	}
	kinds := map[string]meetingintel.SearchHit{}
	for _, h := range hits {
		if _, ok := kinds[h.Kind]; !ok {
			kinds[h.Kind] = h
		}
	}
	if h, ok := kinds[meetingintel.KindSegment]; !ok || h.Speaker == "" || h.StartMS == nil || h.Seq == nil ||
		h.Title == "" || !h.MeetingDate.Equal(day(10)) {
		t.Errorf("segment hit lacks speaker, start, seq, title or date: %+v", h)
	}
	if h, ok := kinds[meetingintel.KindDecision]; !ok || h.DecisionID == 0 || h.MeetingID != pricing.ID {
		t.Errorf("decision hit missing or without its id: %+v", h)
	}
	if h, ok := kinds[meetingintel.KindAction]; !ok || h.ActionID == 0 {
		t.Errorf("action hit missing or without its id: %+v", h)
	}
	for _, h := range hits {
		if !strings.Contains(h.Snippet, "**") {
			t.Errorf("snippet without marks: %q", h.Snippet)
		}
	}
	seg := hits[0]
	for _, h := range hits {
		if h.Kind == meetingintel.KindSegment && h.Seq != nil && *h.Seq == 1 && h.MeetingID == pricing.ID {
			seg = h
		}
	}
	if seg.Kind == meetingintel.KindSegment && seg.Snippet != "The **pricing** tiers on that **page** confuse people." {
		t.Errorf("snippet = %q", seg.Snippet)
	}

	// Words, not substrings; stemming finds other forms.
	hits, err = s.Search(ctx, meetingintel.SearchQuery{Query: "interview"})
	mustNil(t, "Search stem", err)
	if len(hits) != 1 || hits[0].MeetingID != hiring.ID || hits[0].Kind != meetingintel.KindSegment ||
		!strings.Contains(hits[0].Snippet, "**Interviews**") {
		t.Errorf("stemmed search: %+v", hits)
	}
	hits, _ = s.Search(ctx, meetingintel.SearchQuery{Query: "hiring"})
	if len(hits) == 0 || hits[0].Kind != meetingintel.KindTitle || hits[0].Snippet != "**Hiring** sync" {
		t.Errorf("title search: %+v", hits)
	}
	hits, _ = s.Search(ctx, meetingintel.SearchQuery{Query: "landing"})
	if len(hits) != 1 || hits[0].Kind != meetingintel.KindSummary {
		t.Errorf("summary search: %+v", hits)
	}

	// Filters.
	for _, tc := range []struct {
		name string
		q    meetingintel.SearchQuery
		want map[int64]bool
	}{
		{"date from is inclusive", meetingintel.SearchQuery{Query: "page", From: day(12)}, map[int64]bool{hiring.ID: true}},
		{"date to is exclusive", meetingintel.SearchQuery{Query: "page", To: day(12)}, map[int64]bool{pricing.ID: true}},
		{"attendee by email", meetingintel.SearchQuery{Query: "page", Attendee: "DANA@example.com"}, map[int64]bool{pricing.ID: true}},
		{"attendee by name", meetingintel.SearchQuery{Query: "page", Attendee: "dana smith"}, map[int64]bool{pricing.ID: true}},
		{"tag", meetingintel.SearchQuery{Query: "page", Tag: "People"}, map[int64]bool{hiring.ID: true}},
		{"no match", meetingintel.SearchQuery{Query: "page", Tag: "none"}, map[int64]bool{}},
	} {
		hits, err := s.Search(ctx, tc.q)
		mustNil(t, tc.name, err)
		got := map[int64]bool{}
		for _, h := range hits {
			got[h.MeetingID] = true
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: meetings %v, want %v", tc.name, got, tc.want)
		}
		for id := range tc.want {
			if !got[id] {
				t.Errorf("%s: meetings %v, want %v", tc.name, got, tc.want)
			}
		}
	}
	hits, _ = s.Search(ctx, meetingintel.SearchQuery{Query: "pricing", Limit: 2})
	if len(hits) != 2 {
		t.Errorf("limit 2 gave %d hits", len(hits))
	}
	hits, _ = s.Search(as(root), meetingintel.SearchQuery{Query: "runway"})
	if len(hits) != 1 || hits[0].MeetingID != board.ID {
		t.Errorf("admin should find the private meeting: %+v", hits)
	}
	hits, _ = s.Search(ctx, meetingintel.SearchQuery{Query: "xylophone"})
	if hits == nil || len(hits) != 0 {
		t.Errorf("a word found nowhere should give an empty, non-nil list: %#v", hits)
	}
}

func testSearchInput(t *testing.T, s meetingintel.Store) {
	searchCorpus(t, s)
	ctx := as(bob)
	for _, q := range []string{"", "   ", "the of and", "What did we?", "?!", `"`, "AND", "OR NOT", "*", "-", "a"} {
		_, err := s.Search(ctx, meetingintel.SearchQuery{Query: q})
		wantCode(t, "Search "+q, err, meetingintel.EINVALID)
		if e, ok := err.(*meetingintel.Error); ok && e.Message == "" {
			t.Errorf("Search %q: empty message", q)
		}
	}
	for _, q := range []string{`"pricing`, `pricing"`, `NEAR(pricing page)`, `pricing*`, `-pricing`, `body:pricing`,
		`col:x`, `pricing AND page`, `{body}: pricing`, `^pricing`, `pricing + page`, `'; DROP TABLE meetings; --`,
		`(pricing`, `NEAR(`, `pricing OR`, "pricing\x00page", `😀 pricing`} {
		hits, err := s.Search(ctx, meetingintel.SearchQuery{Query: q})
		if err != nil && (meetingintel.ErrorCode(err) != meetingintel.EINVALID || !isAppError(err)) {
			t.Errorf("Search %q: %v; want results or EINVALID", q, err)
		}
		if strings.Contains(q, "pricing") && err == nil && len(hits) == 0 {
			t.Errorf("Search %q found nothing; the word pricing should still match", q)
		}
	}
	if ms, _, err := s.FindMeetings(ctx, meetingintel.MeetingFilter{}); err != nil || len(ms) == 0 {
		t.Errorf("store damaged after odd queries: %v", err)
	}
}

func testSearchMaintained(t *testing.T, s meetingintel.Store) {
	ctx := as(carol)
	m := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Quarterly", Date: day(3), Summary: "about giraffes"}, segs(2, "elephant"))
	count := func(q string) int {
		t.Helper()
		hits, err := s.Search(ctx, meetingintel.SearchQuery{Query: q})
		mustNil(t, "Search "+q, err)
		return len(hits)
	}
	if count("elephant") != 2 || count("giraffes") != 1 || count("quarterly") != 1 {
		t.Fatalf("fresh meeting not indexed: %d %d %d", count("elephant"), count("giraffes"), count("quarterly"))
	}
	newSegs := segs(3, "hippo")
	_, err := s.UpdateMeeting(ctx, m.ID, meetingintel.MeetingUpdate{Title: ptr("Annual"), Summary: ptr(""), Segments: &newSegs})
	mustNil(t, "UpdateMeeting", err)
	if count("elephant") != 0 || count("giraffes") != 0 || count("quarterly") != 0 || count("hippo") != 3 || count("annual") != 1 {
		t.Errorf("index not updated with the meeting")
	}
	a := &meetingintel.Action{Text: "Feed the okapi", MeetingID: &m.ID}
	mustNil(t, "CreateAction", s.CreateAction(ctx, a))
	_, err = s.UpdateAction(ctx, a.ID, meetingintel.ActionUpdate{Text: ptr("Feed the zebu"), Notes: ptr("twice daily")})
	mustNil(t, "UpdateAction", err)
	if count("okapi") != 0 || count("zebu") != 1 || count("daily") != 1 {
		t.Errorf("index not updated with the action")
	}
	mustNil(t, "DeleteAction", s.DeleteAction(ctx, a.ID))
	if count("zebu") != 0 {
		t.Errorf("deleted action still found")
	}
	d := &meetingintel.Decision{MeetingID: m.ID, Text: "Adopt a tapir", Context: "mascot"}
	mustNil(t, "CreateDecision", s.CreateDecision(ctx, d))
	if count("mascot") != 1 {
		t.Errorf("decision context not found")
	}
	mustNil(t, "DeleteDecision", s.DeleteDecision(ctx, d.ID))
	if count("tapir") != 0 {
		t.Errorf("deleted decision still found")
	}
	_, err = s.ImportMeeting(ctx, &meetingintel.Meeting{Title: "Imported", Date: day(4), Source: "Zoom", SourceMeetingID: "i"}, segs(1, "lemur"))
	mustNil(t, "ImportMeeting", err)
	_, err = s.ImportMeeting(ctx, &meetingintel.Meeting{Title: "Imported", Date: day(4), Source: "Zoom", SourceMeetingID: "i"}, segs(1, "koala"))
	mustNil(t, "ImportMeeting again", err)
	if count("lemur") != 0 || count("koala") != 1 || count("imported") != 1 {
		t.Errorf("index not replaced on re-import")
	}
}

// testSearchContext: a segment hit carries up to ContextLines lines either
// side, in order, without its own line, cut to ContextMaxRunes; at a
// transcript's edge there are fewer, and other kinds carry none.
func testSearchContext(t *testing.T, s meetingintel.Store) {
	long := strings.Repeat("very ", 100) + "long"
	segs := []meetingintel.Segment{
		{Speaker: "Ann", StartMS: 0, EndMS: 1000, Text: "Opening words."},
		{Speaker: "Ben", StartMS: 1000, EndMS: 2000, Text: long},
		{Speaker: "Ann", StartMS: 2000, EndMS: 3000, Text: "Second point."},
		{Speaker: "Ben", StartMS: 3000, EndMS: 4000, Text: "The zeppelin budget is approved."},
		{Speaker: "Ann", StartMS: 4000, EndMS: 5000, Text: "Good, next."},
		{Speaker: "Ben", StartMS: 5000, EndMS: 6000, Text: "Then the roadmap."},
		{Speaker: "Ann", StartMS: 6000, EndMS: 7000, Text: "Closing words."},
	}
	m := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Airship review", Date: day(10)}, segs)
	hits, err := s.Search(as(carol), meetingintel.SearchQuery{Query: "zeppelin"})
	if err != nil || len(hits) != 1 || hits[0].MeetingID != m.ID || hits[0].Seq == nil || *hits[0].Seq != 3 {
		t.Fatalf("zeppelin: %+v, %v; want line 3", hits, err)
	}
	var got []int
	for _, c := range hits[0].Context {
		got = append(got, c.Seq)
		if want := segs[c.Seq]; c.Speaker != want.Speaker || c.StartMS != want.StartMS {
			t.Errorf("context line %d: %+v, want %+v", c.Seq, c, want)
		}
		if n := len([]rune(c.Text)); n > meetingintel.ContextMaxRunes {
			t.Errorf("context line %d has %d runes, over %d", c.Seq, n, meetingintel.ContextMaxRunes)
		}
	}
	if fmt.Sprint(got) != "[1 2 4 5]" {
		t.Errorf("context lines %v, want [1 2 4 5]", got)
	}
	if c := hits[0].Context; len(c) == 4 && (!strings.HasSuffix(c[0].Text, "…") || c[1].Text != "Second point.") {
		t.Errorf("context texts %q, %q: want the long line cut and the short one whole", c[0].Text, c[1].Text)
	}
	edge, err := s.Search(as(carol), meetingintel.SearchQuery{Query: "opening"})
	if err != nil || len(edge) != 1 || len(edge[0].Context) != 2 || edge[0].Context[0].Seq != 1 || edge[0].Context[1].Seq != 2 {
		t.Errorf("opening: %+v, %v; want lines 1 and 2 as context", edge, err)
	}
	title, err := s.Search(as(carol), meetingintel.SearchQuery{Query: "airship"})
	if err != nil || len(title) != 1 || title[0].Kind != meetingintel.KindTitle || title[0].Context != nil {
		t.Errorf("airship: %+v, %v; want the title hit with no context", title, err)
	}
}

// testSearchPassage: of two lines saying "budget", the one next to the
// line saying "zeppelin" ranks first, though a third meeting repeats the
// word in a shorter line: the passage holds the whole question.
func testSearchPassage(t *testing.T, s meetingintel.Store) {
	a := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Airship plans", Date: day(10)}, []meetingintel.Segment{
		{Speaker: "Ann", StartMS: 0, EndMS: 1000, Text: "The zeppelin needs a new envelope before spring."},
		{Speaker: "Ben", StartMS: 1000, EndMS: 2000, Text: "Then we should raise the budget for materials this quarter."},
	})
	mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Finance", Date: day(11)}, []meetingintel.Segment{
		{Speaker: "Cy", StartMS: 0, EndMS: 1000, Text: "The budget is tight."},
	})
	hits, err := s.Search(as(carol), meetingintel.SearchQuery{Query: "zeppelin budget"})
	if err != nil || len(hits) < 3 {
		t.Fatalf("zeppelin budget: %d hits, %v", len(hits), err)
	}
	if hits[0].MeetingID != a.ID {
		t.Errorf("best hit %+v, want a line of the airship meeting", hits[0])
	}
	if hits[2].MeetingID == a.ID {
		t.Errorf("hits %+v: the finance line should rank below both airship lines", hits)
	}
}

func testSearchSpread(t *testing.T, s meetingintel.Store) {
	var segs []meetingintel.Segment
	for i := range 24 {
		text := fmt.Sprintf("Item %d of the hardware checklist is done.", i)
		if i < 4 {
			text = fmt.Sprintf("The zeppelin envelope needs patch %d.", i)
		}
		if i == 20 {
			text = "The zeppelin hangar lease ends in June."
		}
		segs = append(segs, meetingintel.Segment{Speaker: "Ann", StartMS: int64(i) * 1000, EndMS: int64(i)*1000 + 900, Text: text})
	}
	mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Airship plans", Date: day(10)}, segs)
	hits, err := s.Search(as(carol), meetingintel.SearchQuery{Query: "zeppelin", Limit: 2})
	if err != nil || len(hits) != 2 || hits[0].Seq == nil || hits[1].Seq == nil {
		t.Fatalf("zeppelin: %+v, %v", hits, err)
	}
	if *hits[0].Seq >= 4 || *hits[1].Seq != 20 {
		t.Errorf("hits at lines %d and %d: want one of lines 0-3, then line 20 (a line next to a better one says nothing new)", *hits[0].Seq, *hits[1].Seq)
	}
	if hits[1].Score > hits[0].Score {
		t.Errorf("scores %v then %v: want best first", hits[0].Score, hits[1].Score)
	}
}

func testSearchKind(t *testing.T, s meetingintel.Store) {
	pricing, _, board := searchCorpus(t, s)
	// Many segments about pricing, so an unfiltered page of one is all segments.
	mustNil(t, "CreateDecision", s.CreateDecision(as(carol), &meetingintel.Decision{MeetingID: board.ID, Text: "Raise pricing for the board"}))
	mustNil(t, "CreateAction", s.CreateAction(as(carol), &meetingintel.Action{MeetingID: &board.ID, Text: "Send pricing to the board"}))
	mustNil(t, "CreateAction", s.CreateAction(as(carol), &meetingintel.Action{Text: "Check pricing of the competitors"}))
	for _, tc := range []struct {
		kind string
		want int // hits bob sees
	}{
		{meetingintel.KindAction, 2},   // the pricing meeting's and the unlinked one, not the board's
		{meetingintel.KindDecision, 1}, // the pricing meeting's, not the board's
	} {
		hits, err := s.Search(as(bob), meetingintel.SearchQuery{Query: "pricing", Kind: tc.kind, Limit: 1})
		mustNil(t, "Search "+tc.kind, err)
		if len(hits) != 1 || hits[0].Kind != tc.kind {
			t.Errorf("%s search with limit 1: %+v", tc.kind, hits)
		}
		hits, err = s.Search(as(bob), meetingintel.SearchQuery{Query: "pricing", Kind: tc.kind})
		mustNil(t, "Search "+tc.kind, err)
		if len(hits) != tc.want {
			t.Errorf("%s search: %d hits, want %d: %+v", tc.kind, len(hits), tc.want, hits)
		}
		for _, h := range hits {
			if h.Kind != tc.kind || h.MeetingID == board.ID {
				t.Errorf("%s search returned %+v", tc.kind, h)
			}
			if h.MeetingID != 0 && h.MeetingID != pricing.ID {
				t.Errorf("%s search hit from meeting %d", tc.kind, h.MeetingID)
			}
		}
		hits, err = s.Search(as(carol), meetingintel.SearchQuery{Query: "pricing", Kind: tc.kind})
		mustNil(t, "Search as carol "+tc.kind, err)
		if len(hits) != tc.want+1 {
			t.Errorf("carol's %s search: %d hits, want %d (the board's too)", tc.kind, len(hits), tc.want+1)
		}
	}
	_, err := s.Search(as(bob), meetingintel.SearchQuery{Query: "pricing", Kind: "gossip"})
	wantCode(t, "Search with an unknown kind", err, meetingintel.EINVALID)
}

// testSearchNear: two lines of equal length hold both words; the one that
// says them together ranks first, on either store, though it is older (on
// equal scores the newer would win).
func testSearchNear(t *testing.T, s meetingintel.Store) {
	together := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Hardware", Date: day(10)}, []meetingintel.Segment{
		{Speaker: "Ben", StartMS: 0, EndMS: 1000, Text: "The remote control broke, it is not here."},
	})
	apart := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Support", Date: day(11)}, []meetingintel.Segment{
		{Speaker: "Ann", StartMS: 0, EndMS: 1000, Text: "The remote is not here and the control broke."},
	})
	hits, err := s.Search(as(carol), meetingintel.SearchQuery{Query: "remote control"})
	if err != nil || len(hits) != 2 {
		t.Fatalf("remote control: %d hits, %v", len(hits), err)
	}
	if hits[0].MeetingID != together.ID || hits[1].MeetingID != apart.ID {
		t.Errorf("hits %+v: want the line saying them together first", hits)
	}
}

// testSearchSpeaker: two equal lines say "budget"; the older one, spoken by
// Marketing, ranks first for "marketing budget" (on equal scores the newer
// would win). A third meeting says "marketing" once, so the word is in the
// index, and fills it with other lines, so both words are rare enough to
// weigh.
func testSearchSpeaker(t *testing.T, s meetingintel.Store) {
	filler := []meetingintel.Segment{{Speaker: "Cy", StartMS: 0, EndMS: 1000, Text: "The marketing campaign starts in May."}}
	for i := 1; i < 12; i++ {
		filler = append(filler, meetingintel.Segment{Speaker: "Cy", StartMS: int64(i) * 1000, EndMS: int64(i)*1000 + 900,
			Text: fmt.Sprintf("Item %d of the hardware checklist is done.", i)})
	}
	mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Checklist", Date: day(9)}, filler)
	named := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Plans", Date: day(10)}, []meetingintel.Segment{
		{Speaker: "Marketing", StartMS: 0, EndMS: 1000, Text: "The budget is tight this quarter."},
	})
	other := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Numbers", Date: day(11)}, []meetingintel.Segment{
		{Speaker: "Engineering", StartMS: 0, EndMS: 1000, Text: "The budget is tight this quarter."},
	})
	hits, err := s.Search(as(carol), meetingintel.SearchQuery{Query: "marketing budget"})
	if err != nil || len(hits) != 3 {
		t.Fatalf("marketing budget: %d hits, %v", len(hits), err)
	}
	// The two budget lines differ only in who spoke. Where the line that
	// says "marketing" ranks is not pinned: a word that names a speaker
	// counts less in text (meetingintel's namedTermWeight).
	if hits[0].MeetingID != named.ID {
		t.Errorf("hits %+v: want Marketing's line first", hits)
	}
	for _, h := range hits[1:] {
		if h.MeetingID == other.ID && h.Score >= hits[0].Score {
			t.Errorf("hits %+v: Engineering's line should score below Marketing's", hits)
		}
	}
}
