package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
)

// RunShared runs the tests of two stores on one database (two replicas on
// one PostgreSQL, two processes on one SQLite file): open returns both.
// Search ranks on an index in each store's process, so each must see the
// other's writes at its next search.
func RunShared(t *testing.T, open func(t *testing.T) (a, b meetingintel.Store)) {
	t.Run("search on one store sees every write of the other", func(t *testing.T) {
		a, b := open(t)
		seedPeople(t, a)
		testSearchAcrossStores(t, a, b)
	})
	t.Run("concurrent searches each see the writes made before they began", func(t *testing.T) {
		a, b := open(t)
		seedPeople(t, a)
		testSearchConcurrent(t, a, b)
	})
	t.Run("the search log is trimmed, and an index behind the trim rebuilds", func(t *testing.T) {
		a, b := open(t)
		seedPeople(t, a)
		testSearchLogTrim(t, a, b)
	})
}

func testSearchAcrossStores(t *testing.T, a, b meetingintel.Store) {
	count := func(s meetingintel.Store, u *meetingintel.User, q string) int {
		t.Helper()
		hits, err := s.Search(as(u), meetingintel.SearchQuery{Query: q, Limit: meetingintel.MaxLimit})
		mustNil(t, "Search "+q, err)
		return len(hits)
	}
	// b builds its index first, so what follows reaches it by catching up.
	if n := count(b, carol, "elephant"); n != 0 {
		t.Fatalf("empty store found %d", n)
	}
	m := mustCreate(t, a, carol, &meetingintel.Meeting{Title: "Quarterly", Date: day(3), Summary: "about giraffes",
		Visibility: meetingintel.VisibilityPrivate}, segs(2, "elephant"))
	if count(b, carol, "elephant") != 2 || count(b, carol, "giraffes") != 1 {
		t.Fatalf("b does not see a's new meeting: %d %d", count(b, carol, "elephant"), count(b, carol, "giraffes"))
	}
	// Visibility stays the store's: bob may not see the private meeting
	// through either store's index.
	if count(b, bob, "elephant") != 0 || count(a, bob, "elephant") != 0 {
		t.Fatalf("bob finds carol's private meeting")
	}
	team := meetingintel.VisibilityTeam
	newSegs := segs(3, "hippo")
	_, err := b.UpdateMeeting(as(carol), m.ID, meetingintel.MeetingUpdate{Title: ptr("Annual"), Segments: &newSegs, Visibility: &team})
	mustNil(t, "UpdateMeeting", err)
	if count(a, carol, "elephant") != 0 || count(a, carol, "hippo") != 3 || count(a, carol, "annual") != 1 {
		t.Errorf("a does not see b's update: %d %d %d", count(a, carol, "elephant"), count(a, carol, "hippo"), count(a, carol, "annual"))
	}
	if count(a, bob, "hippo") != 3 {
		t.Errorf("bob does not find the meeting made visible to the team")
	}
	act := &meetingintel.Action{Text: "Feed the okapi", MeetingID: &m.ID}
	mustNil(t, "CreateAction", a.CreateAction(as(carol), act))
	if count(b, carol, "okapi") != 1 {
		t.Errorf("b does not see a's action")
	}
	mustNil(t, "DeleteMeeting", b.DeleteMeeting(as(carol), m.ID))
	if count(a, carol, "hippo") != 0 || count(a, carol, "annual") != 0 {
		t.Errorf("a still finds the meeting b deleted")
	}
	if count(a, carol, "okapi") != 1 {
		t.Errorf("a lost the action unlinked from the deleted meeting")
	}
}

// testSearchPastHidden: the best matches are in private meetings bob may
// not see, several pages of them, and an unlinked action of another
// workspace matches too: bob gets exactly the matches he may see, best
// first, whichever way the store skips the others.
func testSearchPastHidden(t *testing.T, s meetingintel.Store) {
	for i := range 45 {
		mustCreate(t, s, carol, &meetingintel.Meeting{Title: fmt.Sprintf("Private %d", i), Date: day(1 + i%20),
			Visibility: meetingintel.VisibilityPrivate}, []meetingintel.Segment{{Text: "Zeppelin."}})
	}
	var team []int64
	for i := range 3 {
		m := mustCreate(t, s, carol, &meetingintel.Meeting{Title: fmt.Sprintf("Team sync %d", i), Date: day(5 + i)},
			[]meetingintel.Segment{{Text: "The zeppelin museum trip is booked for the whole team next Friday afternoon."}})
		team = append(team, m.ID)
	}
	hits, err := s.Search(as(bob), meetingintel.SearchQuery{Query: "zeppelin", Limit: 10})
	mustNil(t, "Search", err)
	if len(hits) != 3 {
		t.Fatalf("bob got %d hits, want the 3 of team meetings: %+v", len(hits), hits)
	}
	for _, h := range hits {
		if !slices.Contains(team, h.MeetingID) || !strings.HasPrefix(h.Title, "Team sync") {
			t.Errorf("bob got %+v, not a team meeting's line", h)
		}
	}
	all, err := s.Search(as(carol), meetingintel.SearchQuery{Query: "zeppelin", Limit: meetingintel.MaxLimit})
	mustNil(t, "Search as carol", err)
	if len(all) != 48 {
		t.Errorf("carol got %d hits, want all 48", len(all))
	}
}

// testSearchConcurrent: writers on a and b each create a meeting with a
// word of its own, then search for it on the other store while others
// search and write: every search finds the meeting written before it.
func testSearchConcurrent(t *testing.T, a, b meetingintel.Store) {
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, r := a, b
			if i%2 == 1 {
				w, r = b, a
			}
			for k := range 3 {
				word := fmt.Sprintf("okapi%dx%d", i, k)
				m := &meetingintel.Meeting{Title: "Sync " + word, Date: day(1)}
				if err := w.CreateMeeting(as(carol), m, []meetingintel.Segment{{Text: "We talked about " + word + "."}}); err != nil {
					errs <- err
					return
				}
				hits, err := r.Search(as(carol), meetingintel.SearchQuery{Query: word})
				if err != nil {
					errs <- err
					return
				}
				if len(hits) != 2 {
					errs <- fmt.Errorf("search for %s right after writing it: %d hits, want the title and the line", word, len(hits))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// testSearchLogTrim: b's index is built, then a writes a meeting, sweeps
// (marking the log's head), writes another and sweeps a retention later:
// the first meeting's changes are deleted, the second's kept. a's index,
// built between the two, catches up from the kept changes without a
// rebuild; b's, from before the trim, rebuilds and finds both.
func testSearchLogTrim(t *testing.T, a, b meetingintel.Store) {
	ctx := context.Background()
	sw, ok := a.(meetingintel.SearchLogSweeper)
	if !ok {
		t.Fatalf("%T does not trim its search log", a)
	}
	rebuilds := func(s meetingintel.Store) int {
		t.Helper()
		r, ok := s.(interface{ SearchRebuilds() int })
		if !ok {
			t.Fatalf("%T does not count its index's rebuilds", s)
		}
		return r.SearchRebuilds()
	}
	count := func(s meetingintel.Store, q string) int {
		t.Helper()
		hits, err := s.Search(as(carol), meetingintel.SearchQuery{Query: q, Limit: meetingintel.MaxLimit})
		mustNil(t, "Search "+q, err)
		return len(hits)
	}
	sweep := func(now time.Time) int64 {
		t.Helper()
		n, err := sw.SweepSearchLog(ctx, now, meetingintel.DefaultSearchLogRetention)
		mustNil(t, "SweepSearchLog", err)
		return n
	}
	if n := count(b, "walrus"); n != 0 {
		t.Fatalf("empty store found %d", n)
	}
	mustCreate(t, a, carol, &meetingintel.Meeting{Title: "Zoo", Date: day(2)}, segs(3, "walrus"))
	if n := count(a, "walrus"); n != 3 {
		t.Fatalf("a finds %d walrus lines, want 3", n)
	}
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if n := sweep(t0); n != 0 {
		t.Fatalf("the first sweep deleted %d changes, before any was older than the retention", n)
	}
	mustCreate(t, a, carol, &meetingintel.Meeting{Title: "Aquarium", Date: day(3)}, segs(2, "narwhal"))
	t1 := t0.Add(meetingintel.DefaultSearchLogRetention)
	if n := sweep(t1.Add(-time.Second)); n != 0 {
		t.Fatalf("a sweep within the retention deleted %d changes", n)
	}
	// Every replica sweeps: two at once delete each change once.
	swb, ok := b.(meetingintel.SearchLogSweeper)
	if !ok {
		t.Fatalf("%T does not trim its search log", b)
	}
	var both [2]int64
	var errs [2]error
	var wg sync.WaitGroup
	for i, s := range []meetingintel.SearchLogSweeper{sw, swb} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			both[i], errs[i] = s.SweepSearchLog(ctx, t1, meetingintel.DefaultSearchLogRetention)
		}()
	}
	wg.Wait()
	mustNil(t, "SweepSearchLog on a", errs[0])
	mustNil(t, "SweepSearchLog on b", errs[1])
	if n := both[0] + both[1]; n < 4 {
		t.Fatalf("the sweeps a retention later deleted %d changes (%v), want the first meeting's 4 at least", n, both)
	}
	if n := sweep(t1); n != 0 {
		t.Fatalf("sweeping again deleted %d more", n)
	}
	if count(a, "narwhal") != 2 || count(a, "walrus") != 3 || rebuilds(a) != 0 {
		t.Errorf("a, level with the trim: narwhal %d, walrus %d, rebuilds %d; want 2, 3 and none (the newer changes kept)",
			count(a, "narwhal"), count(a, "walrus"), rebuilds(a))
	}
	if count(b, "walrus") != 3 || count(b, "narwhal") != 2 || rebuilds(b) != 1 {
		t.Errorf("b, behind the trim: walrus %d, narwhal %d, rebuilds %d; want 3, 2 and one rebuild",
			count(b, "walrus"), count(b, "narwhal"), rebuilds(b))
	}
	// After the rebuild b catches up as before.
	mustCreate(t, a, carol, &meetingintel.Meeting{Title: "Reef", Date: day(4)}, segs(2, "dugong"))
	if count(b, "dugong") != 2 || rebuilds(b) != 1 {
		t.Errorf("b after its rebuild: dugong %d, rebuilds %d; want 2 and still one", count(b, "dugong"), rebuilds(b))
	}
	// The next sweep deletes up to the head the last one marked, which a's
	// index had applied: a catches up without a rebuild, and a deletion
	// reaches both.
	if n := sweep(t1.Add(meetingintel.DefaultSearchLogRetention)); n < 1 {
		t.Fatalf("the third sweep deleted %d changes", n)
	}
	mustNil(t, "DeleteMeeting", func() error {
		hits, err := a.Search(as(carol), meetingintel.SearchQuery{Query: "dugong"})
		if err != nil || len(hits) == 0 {
			return fmt.Errorf("dugong: %d hits, %v", len(hits), err)
		}
		return a.DeleteMeeting(as(carol), hits[0].MeetingID)
	}())
	if count(b, "dugong") != 0 || count(a, "dugong") != 0 || count(b, "walrus") != 3 || rebuilds(a) != 0 || rebuilds(b) != 1 {
		t.Errorf("after deleting the reef meeting: dugong %d on b, %d on a; walrus %d on b; rebuilds %d on a, %d on b (want 0, 0, 3, 0, 1)",
			count(b, "dugong"), count(a, "dugong"), count(b, "walrus"), rebuilds(a), rebuilds(b))
	}
}
