package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/sqlite"
	"github.com/meetingintel/meetingintel/storetest"
)

func open(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) meetingintel.Store { return open(t) })
}

func TestTokensAreStoredOnlyAsHashes(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	u := &meetingintel.User{Email: "hash@example.com"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	tok, rec, err := db.CreateToken(ctx, u.ID, "cli")
	if err != nil {
		t.Fatal(err)
	}
	var hash string
	var hits int
	raw := db.RawForTest()
	if err := raw.QueryRow(`SELECT token_hash FROM tokens WHERE id = ?`, rec.ID).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if hash != meetingintel.HashToken(tok) {
		t.Errorf("stored %q, want the SHA-256 of the token", hash)
	}
	if err := raw.QueryRow(`SELECT count(*) FROM tokens WHERE token_hash = ? OR label = ? OR token_hash LIKE ?`,
		tok, tok, "%"+tok[len(meetingintel.PATPrefix):]+"%").Scan(&hits); err != nil || hits != 0 {
		t.Errorf("the token itself is stored (%d rows, %v)", hits, err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	for i := 0; i < 2; i++ {
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if err := db.Migrate(context.Background()); err != nil {
			t.Errorf("migrate again: %v", err)
		}
		files, _ := filepath.Glob("migrations/*.sql")
		var n int
		if err := db.RawForTest().QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(files) || n == 0 {
			t.Errorf("schema_migrations has %d rows (%v), want one per migration file (%d)", n, err, len(files))
		}
		db.Close()
	}
}

func TestConcurrentWritersAndReadersNeverSeeBusy(t *testing.T) {
	db := open(t)
	ctx := storetest.Actor(t, db, "w@example.com")
	errs := make(chan error, 64)
	for w := 0; w < 8; w++ {
		go func() {
			for i := 0; i < 8; i++ {
				m := &meetingintel.Meeting{Title: "Concurrent", Date: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
				err := db.CreateMeeting(ctx, m, []meetingintel.Segment{{Speaker: "A", StartMS: 0, EndMS: 1, Text: "busy bees"}})
				if err == nil {
					_, err = db.Search(ctx, meetingintel.SearchQuery{Query: "bees"})
				}
				if err == nil {
					_, _, err = db.FindMeetings(ctx, meetingintel.MeetingFilter{})
				}
				errs <- err
			}
		}()
	}
	for i := 0; i < 64; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestSharedFile(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (meetingintel.Store, meetingintel.Store) {
		path := filepath.Join(t.TempDir(), "shared.db")
		var dbs [2]*sqlite.DB
		for i := range dbs {
			db, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs[i] = db
		}
		return dbs[0], dbs[1]
	})
}
