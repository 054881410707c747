package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
)

func testUsers(t *testing.T, s meetingintel.Store) {
	ctx := context.Background() // user methods need no actor
	u := &meetingintel.User{Email: " Ann@Example.com ", Name: "Ann", Admin: true}
	mustNil(t, "CreateUser", s.CreateUser(ctx, u))
	if u.ID == 0 || u.Email != "ann@example.com" || !u.Active || u.CreatedAt.IsZero() {
		t.Errorf("CreateUser = %+v", u)
	}
	wantCode(t, "CreateUser with the same email in another case",
		s.CreateUser(ctx, &meetingintel.User{Email: "ANN@example.com"}), meetingintel.ECONFLICT)
	wantCode(t, "CreateUser with a bad email", s.CreateUser(ctx, &meetingintel.User{Email: "nope"}), meetingintel.EINVALID)
	mustNil(t, "CreateUser", s.CreateUser(ctx, &meetingintel.User{Email: "ben@example.com", Name: "Ben"}))

	got, err := s.FindUserByEmail(ctx, "ANN@example.com")
	mustNil(t, "FindUserByEmail", err)
	if got.ID != u.ID || !got.Admin || !got.Active || got.Name != "Ann" || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Errorf("FindUserByEmail = %+v, want %+v", got, u)
	}
	_, err = s.FindUserByEmail(ctx, "nobody@example.com")
	wantCode(t, "FindUserByEmail of nobody", err, meetingintel.ENOTFOUND)
	_, err = s.FindUserByID(ctx, u.ID+1000)
	wantCode(t, "FindUserByID of nobody", err, meetingintel.ENOTFOUND)
	users, err := s.FindUsers(ctx)
	mustNil(t, "FindUsers", err)
	// Besides the people seedPeople stores.
	if n, err := s.CountUsers(ctx); err != nil || n != 6 || len(users) != 6 {
		t.Errorf("CountUsers = %d (%v), FindUsers = %d users; want 6", n, err, len(users))
	}
	mustNil(t, "SetUserActive", s.SetUserActive(ctx, u.ID, false))
	got, _ = s.FindUserByID(ctx, u.ID)
	if got.Active {
		t.Error("user still active after SetUserActive(false)")
	}
	wantCode(t, "SetUserActive of nobody", s.SetUserActive(ctx, u.ID+1000, true), meetingintel.ENOTFOUND)
	mustNil(t, "SetUserAdmin", s.SetUserAdmin(ctx, u.ID, !got.Admin))
	if again, _ := s.FindUserByID(ctx, u.ID); again.Admin == got.Admin {
		t.Errorf("admin = %v after SetUserAdmin(%v)", again.Admin, !got.Admin)
	}
	wantCode(t, "SetUserAdmin of nobody", s.SetUserAdmin(ctx, u.ID+1000, true), meetingintel.ENOTFOUND)
}

func testTokens(t *testing.T, s meetingintel.Store) {
	ctx := context.Background()
	u := &meetingintel.User{Email: "tok@example.com", Name: "Tok"}
	mustNil(t, "CreateUser", s.CreateUser(ctx, u))
	other := &meetingintel.User{Email: "other@example.com"}
	mustNil(t, "CreateUser", s.CreateUser(ctx, other))

	tok, rec, err := s.CreateToken(ctx, u.ID, "laptop")
	mustNil(t, "CreateToken", err)
	if !strings.HasPrefix(tok, meetingintel.PATPrefix) || rec.ID == 0 || rec.UserID != u.ID || rec.Label != "laptop" || rec.LastUsedAt != nil {
		t.Errorf("CreateToken = %q, %+v", tok, rec)
	}
	_, _, err = s.CreateToken(ctx, u.ID+1000, "x")
	wantCode(t, "CreateToken for nobody", err, meetingintel.ENOTFOUND)

	gotU, gotT, err := s.AuthenticateToken(ctx, tok)
	mustNil(t, "AuthenticateToken", err)
	if gotU.ID != u.ID || gotU.Email != u.Email || gotT.ID != rec.ID || gotT.LastUsedAt == nil {
		t.Errorf("AuthenticateToken = %+v, %+v", gotU, gotT)
	}
	stored, err := s.FindTokenByID(ctx, rec.ID)
	mustNil(t, "FindTokenByID", err)
	if stored.LastUsedAt == nil {
		t.Error("last use not recorded")
	}
	if rec.ExpiresAt != nil || stored.ExpiresAt != nil {
		t.Errorf("a token made by CreateToken expires: %v", stored.ExpiresAt)
	}

	// Expiry: recorded, listed, and enforced once it passes.
	_, _, err = s.CreateTokenUntil(ctx, u.ID, "past", time.Now().Add(-time.Minute))
	wantCode(t, "CreateTokenUntil in the past", err, meetingintel.EINVALID)
	year := time.Now().Add(365 * 24 * time.Hour).Truncate(time.Millisecond)
	longTok, longRec, err := s.CreateTokenUntil(ctx, u.ID, "a year", year)
	mustNil(t, "CreateTokenUntil", err)
	if longRec.ExpiresAt == nil || !longRec.ExpiresAt.Equal(year) {
		t.Errorf("CreateTokenUntil = %+v, want expiry %v", longRec, year)
	}
	if _, got, err := s.AuthenticateToken(ctx, longTok); err != nil || got.ExpiresAt == nil || !got.ExpiresAt.Equal(year) {
		t.Errorf("AuthenticateToken of a token that expires in a year = %+v, %v", got, err)
	}
	soon := time.Now().Add(300 * time.Millisecond)
	soonTok, _, err := s.CreateTokenUntil(ctx, u.ID, "soon", soon)
	mustNil(t, "CreateTokenUntil", err)
	time.Sleep(time.Until(soon) + 20*time.Millisecond) // let it expire: the store's clock is the real one
	_, _, err = s.AuthenticateToken(ctx, soonTok)
	wantCode(t, "AuthenticateToken of an expired token", err, meetingintel.EUNAUTHORIZED)
	expiring, err := s.FindTokens(ctx, u.ID)
	mustNil(t, "FindTokens", err)
	if list := expiring; len(list) != 3 || list[0].ExpiresAt == nil || list[1].ExpiresAt == nil || list[2].ExpiresAt != nil {
		t.Errorf("FindTokens = %d tokens; want the expiring two with their expiry, then the first without", len(list))
	}
	for _, id := range []int64{expiring[0].ID, expiring[1].ID} {
		mustNil(t, "RevokeToken", s.RevokeToken(ctx, id))
	}

	for _, bad := range []string{"", "mi_pat_nope", tok + "x", strings.ToUpper(tok)} {
		_, _, err := s.AuthenticateToken(ctx, bad)
		wantCode(t, "AuthenticateToken of a wrong token", err, meetingintel.EUNAUTHORIZED)
	}

	// Import: no-op for the same user, conflict for another.
	legacy := "legacy-secret-token-123"
	imp, err := s.ImportToken(ctx, u.ID, legacy, "legacy")
	mustNil(t, "ImportToken", err)
	again, err := s.ImportToken(ctx, u.ID, legacy, "legacy again")
	mustNil(t, "ImportToken again", err)
	if again.ID != imp.ID {
		t.Errorf("re-import made a new token %d, want %d", again.ID, imp.ID)
	}
	_, err = s.ImportToken(ctx, other.ID, legacy, "stolen")
	wantCode(t, "ImportToken of another user's token", err, meetingintel.ECONFLICT)
	if gotU, _, err := s.AuthenticateToken(ctx, legacy); err != nil || gotU.ID != u.ID {
		t.Errorf("imported token does not authenticate: %v", err)
	}
	list, err := s.FindTokens(ctx, u.ID)
	mustNil(t, "FindTokens", err)
	if len(list) != 4 {
		t.Errorf("FindTokens = %d tokens, want 4 (revoked ones included)", len(list))
	}

	mustNil(t, "RevokeToken", s.RevokeToken(ctx, rec.ID))
	_, _, err = s.AuthenticateToken(ctx, tok)
	wantCode(t, "AuthenticateToken of a revoked token", err, meetingintel.EUNAUTHORIZED)
	if r, _ := s.FindTokenByID(ctx, rec.ID); r == nil || r.RevokedAt == nil {
		t.Errorf("revoked token record = %+v", r)
	}
	wantCode(t, "RevokeToken of nothing", s.RevokeToken(ctx, rec.ID+1000), meetingintel.ENOTFOUND)

	mustNil(t, "SetUserActive", s.SetUserActive(ctx, u.ID, false))
	_, _, err = s.AuthenticateToken(ctx, legacy)
	wantCode(t, "AuthenticateToken of an inactive user", err, meetingintel.EUNAUTHORIZED)
	mustNil(t, "SetUserActive", s.SetUserActive(ctx, u.ID, true))
	if _, _, err := s.AuthenticateToken(ctx, legacy); err != nil {
		t.Errorf("reactivated user's token refused: %v", err)
	}
}
