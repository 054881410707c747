package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
)

// RunSessions runs the web session store suite; open returns a fresh,
// empty, migrated store that also implements meetingintel.SessionStore.
func RunSessions(t *testing.T, open func(t *testing.T) meetingintel.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s meetingintel.Store, ss meetingintel.SessionStore)
	}{
		{"a session round-trips with its user and is unique by hash", testSessionRoundTrip},
		{"a session is found whatever its expiry or its user's state", testSessionNoPolicy},
		{"touching a session records use and moves its expiry", testSessionTouch},
		{"sessions are deleted one by one, per user and when expired", testSessionDelete},
		{"a session remembers the token that signed in and reports its revocation", testSessionToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			ss, ok := s.(meetingintel.SessionStore)
			if !ok {
				t.Fatalf("%T does not implement meetingintel.SessionStore", s)
			}
			tc.fn(t, s, ss)
		})
	}
}

// sessT0 is the suite's fixed clock.
var sessT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// sessUser creates a user to own sessions.
func sessUser(t *testing.T, s meetingintel.Store, email string) *meetingintel.User {
	t.Helper()
	u := &meetingintel.User{Email: email, Name: "Session Owner"}
	mustNil(t, "CreateUser", s.CreateUser(context.Background(), u))
	return u
}

// newSess stores a session of u expiring ttl after sessT0.
func newSess(t *testing.T, ss meetingintel.SessionStore, u *meetingintel.User, secret string, ttl time.Duration) *meetingintel.Session {
	t.Helper()
	sess := &meetingintel.Session{Hash: meetingintel.HashToken(secret), UserID: u.ID, Method: "token",
		CreatedAt: sessT0, LastSeenAt: sessT0, ExpiresAt: sessT0.Add(ttl)}
	mustNil(t, "CreateSession", ss.CreateSession(context.Background(), sess))
	return sess
}

func testSessionRoundTrip(t *testing.T, s meetingintel.Store, ss meetingintel.SessionStore) {
	ctx := context.Background()
	u := sessUser(t, s, "owner@example.com")
	want := newSess(t, ss, u, "secret-1", time.Hour)
	got, gu, err := ss.FindSession(ctx, want.Hash)
	mustNil(t, "FindSession", err)
	if got.Hash != want.Hash || got.UserID != u.ID || got.Method != "token" || !got.CreatedAt.Equal(sessT0) ||
		!got.LastSeenAt.Equal(sessT0) || !got.ExpiresAt.Equal(sessT0.Add(time.Hour)) {
		t.Errorf("FindSession = %+v, want %+v", got, want)
	}
	if gu == nil || gu.ID != u.ID || gu.Email != u.Email || !gu.Active {
		t.Errorf("FindSession user = %+v, want %+v", gu, u)
	}
	_, _, err = ss.FindSession(ctx, meetingintel.HashToken("never issued"))
	wantCode(t, "FindSession(unknown)", err, meetingintel.ENOTFOUND)
	err = ss.CreateSession(ctx, &meetingintel.Session{Hash: want.Hash, UserID: u.ID, CreatedAt: sessT0, LastSeenAt: sessT0, ExpiresAt: sessT0})
	wantCode(t, "CreateSession(same hash)", err, meetingintel.ECONFLICT)
	err = ss.CreateSession(ctx, &meetingintel.Session{Hash: meetingintel.HashToken("orphan"), UserID: u.ID + 1000,
		CreatedAt: sessT0, LastSeenAt: sessT0, ExpiresAt: sessT0})
	wantCode(t, "CreateSession(unknown user)", err, meetingintel.ENOTFOUND)
}

func testSessionNoPolicy(t *testing.T, s meetingintel.Store, ss meetingintel.SessionStore) {
	ctx := context.Background()
	u := sessUser(t, s, "leaver@example.com")
	old := newSess(t, ss, u, "expired", -time.Hour)
	mustNil(t, "SetUserActive", s.SetUserActive(ctx, u.ID, false))
	got, gu, err := ss.FindSession(ctx, old.Hash)
	mustNil(t, "FindSession(expired, inactive user)", err)
	if !got.ExpiresAt.Before(sessT0) || gu.Active {
		t.Errorf("FindSession = %+v, user %+v; want the expired session and the inactive user as stored", got, gu)
	}
}

func testSessionTouch(t *testing.T, s meetingintel.Store, ss meetingintel.SessionStore) {
	ctx := context.Background()
	u := sessUser(t, s, "toucher@example.com")
	sess := newSess(t, ss, u, "touch", time.Hour)
	at, exp := sessT0.Add(30*time.Minute), sessT0.Add(8*time.Hour)
	mustNil(t, "TouchSession", ss.TouchSession(ctx, sess.Hash, at, exp))
	got, _, err := ss.FindSession(ctx, sess.Hash)
	mustNil(t, "FindSession", err)
	if !got.LastSeenAt.Equal(at) || !got.ExpiresAt.Equal(exp) || !got.CreatedAt.Equal(sessT0) {
		t.Errorf("after TouchSession: %+v, want last seen %v, expires %v, created unchanged", got, at, exp)
	}
	wantCode(t, "TouchSession(unknown)", ss.TouchSession(ctx, meetingintel.HashToken("nope"), at, exp), meetingintel.ENOTFOUND)
}

func testSessionDelete(t *testing.T, s meetingintel.Store, ss meetingintel.SessionStore) {
	ctx := context.Background()
	a := sessUser(t, s, "a@example.com")
	b := sessUser(t, s, "b@example.com")
	a1 := newSess(t, ss, a, "a1", time.Hour)
	a2 := newSess(t, ss, a, "a2", time.Hour)
	a3 := newSess(t, ss, a, "a3", time.Hour)
	b1 := newSess(t, ss, b, "b1", time.Hour)
	bOld := newSess(t, ss, b, "b-old", -time.Minute)

	mustNil(t, "DeleteSession", ss.DeleteSession(ctx, a1.Hash))
	mustNil(t, "DeleteSession(again)", ss.DeleteSession(ctx, a1.Hash))
	_, _, err := ss.FindSession(ctx, a1.Hash)
	wantCode(t, "FindSession(deleted)", err, meetingintel.ENOTFOUND)

	n, err := ss.DeleteUserSessions(ctx, a.ID)
	mustNil(t, "DeleteUserSessions", err)
	if n != 2 {
		t.Errorf("DeleteUserSessions removed %d, want 2", n)
	}
	for _, h := range []string{a2.Hash, a3.Hash} {
		_, _, err := ss.FindSession(ctx, h)
		wantCode(t, "FindSession(after DeleteUserSessions)", err, meetingintel.ENOTFOUND)
	}

	n, err = ss.DeleteExpiredSessions(ctx, sessT0)
	mustNil(t, "DeleteExpiredSessions", err)
	if n != 1 {
		t.Errorf("DeleteExpiredSessions removed %d, want 1", n)
	}
	_, _, err = ss.FindSession(ctx, bOld.Hash)
	wantCode(t, "FindSession(expired, cleaned)", err, meetingintel.ENOTFOUND)
	if _, _, err := ss.FindSession(ctx, b1.Hash); err != nil {
		t.Errorf("a live session of another user was removed: %v", err)
	}
}

func testSessionToken(t *testing.T, s meetingintel.Store, ss meetingintel.SessionStore) {
	ctx := context.Background()
	u := sessUser(t, s, "token-owner@example.com")
	_, tok, err := s.CreateToken(ctx, u.ID, "browser")
	mustNil(t, "CreateToken", err)
	withToken := &meetingintel.Session{Hash: meetingintel.HashToken("with-token"), UserID: u.ID, Method: "token",
		TokenID: tok.ID, CreatedAt: sessT0, LastSeenAt: sessT0, ExpiresAt: sessT0.Add(time.Hour)}
	mustNil(t, "CreateSession with a token", ss.CreateSession(ctx, withToken))
	sso := newSess(t, ss, u, "single-sign-on", time.Hour)

	got, _, err := ss.FindSession(ctx, withToken.Hash)
	mustNil(t, "FindSession", err)
	if got.TokenID != tok.ID || got.TokenRevoked {
		t.Fatalf("session with a live token: TokenID %d (want %d), TokenRevoked %v", got.TokenID, tok.ID, got.TokenRevoked)
	}
	mustNil(t, "RevokeToken", s.RevokeToken(ctx, tok.ID))
	got, _, err = ss.FindSession(ctx, withToken.Hash)
	mustNil(t, "FindSession after revocation", err)
	if !got.TokenRevoked {
		t.Fatal("FindSession does not report that the session's token was revoked")
	}
	got, _, err = ss.FindSession(ctx, sso.Hash)
	mustNil(t, "FindSession without a token", err)
	if got.TokenID != 0 || got.TokenRevoked {
		t.Fatalf("a session without a token: TokenID %d, TokenRevoked %v", got.TokenID, got.TokenRevoked)
	}
}
