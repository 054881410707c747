package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/storetest"
)

func TestSessionStore(t *testing.T) {
	storetest.RunSessions(t, func(t *testing.T) meetingintel.Store {
		db := openOAuthDB(t, filepath.Join(t.TempDir(), "sessions.db"))
		t.Cleanup(func() { db.Close() })
		return db
	})
}

func TestSessionsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sessions.db")
	db := openOAuthDB(t, path)
	u := &meetingintel.User{Email: "keep@example.com"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	hash := meetingintel.HashToken("cookie secret")
	if err := db.CreateSession(ctx, &meetingintel.Session{Hash: hash, UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openOAuthDB(t, path)
	defer db.Close()
	s, su, err := db.FindSession(ctx, hash)
	if err != nil {
		t.Fatalf("FindSession after reopening: %v", err)
	}
	if su.ID != u.ID || !s.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("after reopening: session %+v of user %+v", s, su)
	}
}
