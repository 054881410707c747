package postings

import (
	"context"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// How an index stays correct beside its database.
//
// The store's database keeps a change log: every insert, update or delete
// of a search document appends (change number, document id) to it, by
// trigger, in the writing transaction. Live builds the index from the
// database on first use, remembering the log's head first, and before
// every search applies the changes after the last one it applied:
// applying a change reads the document's current state and puts it (or
// deletes it when gone), so applying a change twice, or late, is harmless.
// Every process (replicas on one PostgreSQL, a CLI writing to the SQLite
// file serve reads) thus sees every committed write at its next search,
// its own writes included, with no message between processes.
//
// Change numbers come from a sequence, and a transaction may commit after
// one that took a later number: a number missing below the highest seen
// (or, at build, below the head) is a gap, asked for again at every
// catch-up until it appears or GapWait passes (a rolled-back transaction's
// number never appears). storetest.RunShared's concurrent writers catch a
// gap left unawaited.
//
// The store trims the log (rows older than a retention, by a periodic
// sweep) and records the highest number it deleted, always keeping the
// newest row. An index whose last applied change is below that mark
// (idle for longer than the retention) may have missed deleted changes:
// it rebuilds from the tables instead. Since the newest row is kept, any
// trim past the index shows as a jump in the numbers it reads (the first
// change after the last applied one is not the next number), so the mark
// is read only then, not before every search.

// GapWait is how long a missing change number is waited for.
const GapWait = 5 * time.Minute

// Change is one entry of a store's change log.
type Change struct {
	Seq   int64 // change number, from a sequence
	DocID int64 // the search document changed
}

// Feed is how Live reads a store's database.
type Feed interface {
	// LogHead returns the highest change number (0: none).
	LogHead(ctx context.Context) (int64, error)
	// LogTrimmed returns the highest change number deleted from the log
	// (0: none); the store never deletes its newest change.
	LogTrimmed(ctx context.Context) (int64, error)
	// Changes returns, ascending, at most limit changes numbered above
	// after or among gaps.
	Changes(ctx context.Context, after int64, gaps []int64, limit int) ([]Change, error)
	// Docs returns the current state of the documents of ids; an id
	// missing from the result was deleted.
	Docs(ctx context.Context, ids []int64) ([]Doc, error)
	// Count returns how many documents there are (a hint for building).
	Count(ctx context.Context) (int, error)
	// All calls fn with every document, in id order.
	All(ctx context.Context, fn func(Doc) error) error
}

// Live is an index kept in step with a store's database.
type Live struct {
	feed Feed
	now  func() time.Time

	// Searches arriving together share a catch-up: each takes a ticket on
	// arrival, and one that started after a search's arrival covers every
	// write committed before it.
	tickets atomic.Int64
	covered int64 // tickets at the start of the last finished catch-up

	mu       sync.Mutex // serialises building and catching up
	ix       *Index
	hi       int64               // highest change number applied
	gaps     map[int64]time.Time // missing numbers below hi: when first missed
	built    time.Duration
	rebuilds int // builds after the first, for a log trimmed past hi
}

// NewLive returns a Live index over feed, built on first use.
func NewLive(feed Feed) *Live {
	return &Live{feed: feed, now: time.Now, gaps: map[int64]time.Time{}}
}

// changeBatch bounds the changes read per query, and docBatch the
// documents read per query; buildWindow is how many change numbers below
// the head a build checks for ones not committed yet.
const (
	changeBatch = 20000
	docBatch    = 1000
	buildWindow = 20000
)

// Index returns the index, built if it is not yet, caught up with every
// change the database has committed.
func (l *Live) Index(ctx context.Context) (*Index, error) {
	ticket := l.tickets.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ix != nil && l.covered >= ticket {
		return l.ix, nil // a catch-up that began after this call arrived is done
	}
	start := l.tickets.Load()
	if l.ix == nil {
		if err := l.build(ctx); err != nil {
			return nil, err
		}
	}
	if err := l.catchUp(ctx); err != nil {
		return nil, err
	}
	l.covered = start
	return l.ix, nil
}

// Rebuilds returns how many times the index was built again because the
// log had been trimmed past its last applied change.
func (l *Live) Rebuilds() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rebuilds
}

// BuildTime returns how long building the index took (0: not built yet).
func (l *Live) BuildTime() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.built
}

func (l *Live) build(ctx context.Context) error {
	start := l.now()
	// The head first: a change committed while the documents are read is
	// applied again after, which is harmless.
	head, err := l.feed.LogHead(ctx)
	if err != nil {
		return err
	}
	// A number at or below the head may belong to a transaction not yet
	// committed (PostgreSQL hands numbers out before commit): the missing
	// ones of the last buildWindow are awaited like any gap. They are
	// listed before the documents are read: one committed after the list
	// but before the read is applied twice, which is harmless; after the
	// read, missed. Numbers at or below the log's trim mark were deleted
	// by its sweep, not handed to a transaction still open: no gap.
	trimmed, err := l.feed.LogTrimmed(ctx)
	if err != nil {
		return err
	}
	clear(l.gaps)
	from := max(head-buildWindow, trimmed, 0)
	recent, err := l.feed.Changes(ctx, from, nil, buildWindow)
	if err != nil {
		return err
	}
	present := make(map[int64]bool, len(recent))
	for _, c := range recent {
		present[c.Seq] = true
	}
	now := l.now()
	for s := from + 1; s <= head; s++ {
		if !present[s] {
			l.gaps[s] = now
		}
	}
	ix := New()
	n, err := l.feed.Count(ctx)
	if err != nil {
		return err
	}
	ix.Grow(n)
	batch := make([]Doc, 0, 4096)
	read := 0
	if err := l.feed.All(ctx, func(d Doc) error {
		batch = append(batch, d)
		if len(batch) == cap(batch) {
			ix.Put(batch...)
			batch = batch[:0]
			if read == 0 {
				ix.growTokens(n) // sized from this first batch
			}
			// Every row read is garbage once indexed; collecting it often
			// keeps the process's peak near the index's own size rather
			// than twice it (the index holds no pointers to scan, so a
			// collection costs little).
			if read += cap(batch); read%(16*cap(batch)) == 0 {
				runtime.GC()
			}
		}
		return nil
	}); err != nil {
		return err
	}
	ix.Put(batch...)
	if n > 100_000 {
		debug.FreeOSMemory() // hand the rows' memory back now, not minutes later
	}
	l.ix, l.hi, l.built = ix, head, max(l.now().Sub(start), time.Nanosecond)
	return nil
}

func (l *Live) catchUp(ctx context.Context) error {
	for {
		now := l.now()
		var gaps []int64
		for s, at := range l.gaps {
			if now.Sub(at) > GapWait {
				delete(l.gaps, s)
			} else {
				gaps = append(gaps, s)
			}
		}
		slices.Sort(gaps)
		changes, err := l.feed.Changes(ctx, l.hi, gaps, changeBatch)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		if behind, err := l.trimmedPast(ctx, changes); err != nil {
			return err
		} else if behind {
			// Changes after hi may be gone: the tables are the truth.
			// The old index goes first so that two are never held.
			l.ix = nil
			if err := l.build(ctx); err != nil {
				return err
			}
			l.rebuilds++
			continue // the build's own gaps and any change since
		}
		ids := make([]int64, 0, len(changes))
		seen := map[int64]bool{}
		for _, c := range changes {
			if !seen[c.DocID] {
				seen[c.DocID] = true
				ids = append(ids, c.DocID)
			}
		}
		if err := l.apply(ctx, ids); err != nil {
			return err
		}
		full := len(changes) == changeBatch
		for _, c := range changes {
			if _, ok := l.gaps[c.Seq]; ok {
				delete(l.gaps, c.Seq)
				continue
			}
			if c.Seq <= l.hi {
				continue
			}
			// A full batch may stop anywhere: numbers between are missing
			// only when the batch was not cut there.
			for s := l.hi + 1; s < c.Seq && s < l.hi+changeBatch; s++ {
				l.gaps[s] = now
			}
			l.hi = c.Seq
		}
		if !full {
			return nil
		}
	}
}

// trimmedPast reports whether the log was trimmed past hi: it is asked
// only when the first new change read is not hi's successor, since a trim
// always keeps the newest change.
func (l *Live) trimmedPast(ctx context.Context, changes []Change) (bool, error) {
	for _, c := range changes {
		if c.Seq <= l.hi {
			continue // a gap filled
		}
		if c.Seq == l.hi+1 {
			return false, nil
		}
		trimmed, err := l.feed.LogTrimmed(ctx)
		return trimmed > l.hi, err
	}
	return false, nil
}

// apply puts the current state of the documents of ids into the index.
func (l *Live) apply(ctx context.Context, ids []int64) error {
	for len(ids) > 0 {
		n := min(len(ids), docBatch)
		docs, err := l.feed.Docs(ctx, ids[:n])
		if err != nil {
			return err
		}
		present := make(map[int64]bool, len(docs))
		for _, d := range docs {
			present[d.ID] = true
		}
		var gone []int64
		for _, id := range ids[:n] {
			if !present[id] {
				gone = append(gone, id)
			}
		}
		l.ix.Delete(gone...)
		l.ix.Put(docs...)
		ids = ids[n:]
	}
	return nil
}
