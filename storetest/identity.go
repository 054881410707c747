package storetest

import (
	"context"
	"testing"

	"github.com/meetingintel/meetingintel"
)

func testIdentities(t *testing.T, s meetingintel.Store) {
	ctx := context.Background()
	ann := &meetingintel.User{Email: "ann@example.com", Name: "Ann"}
	ben := &meetingintel.User{Email: "ben@example.com", Name: "Ben"}
	mustNil(t, "CreateUser", s.CreateUser(ctx, ann))
	mustNil(t, "CreateUser", s.CreateUser(ctx, ben))
	const iss = "https://login.example.com/t1/v2.0"

	_, err := s.FindUserByIdentity(ctx, iss, "oid-1")
	wantCode(t, "FindUserByIdentity before linking", err, meetingintel.ENOTFOUND)
	mustNil(t, "LinkIdentity", s.LinkIdentity(ctx, ann.ID, iss, "oid-1"))
	mustNil(t, "LinkIdentity again to the same user", s.LinkIdentity(ctx, ann.ID, iss, "oid-1"))
	wantCode(t, "LinkIdentity of a linked identity to another user", s.LinkIdentity(ctx, ben.ID, iss, "oid-1"), meetingintel.ECONFLICT)
	wantCode(t, "LinkIdentity to an unknown user", s.LinkIdentity(ctx, ben.ID+1000, iss, "oid-2"), meetingintel.ENOTFOUND)
	wantCode(t, "LinkIdentity without a subject", s.LinkIdentity(ctx, ben.ID, iss, " "), meetingintel.EINVALID)

	got, err := s.FindUserByIdentity(ctx, iss, "oid-1")
	mustNil(t, "FindUserByIdentity", err)
	if got.ID != ann.ID || got.Email != "ann@example.com" {
		t.Errorf("FindUserByIdentity = %+v, want ann", got)
	}
	// The same subject at another issuer is another person.
	_, err = s.FindUserByIdentity(ctx, "https://accounts.example.com", "oid-1")
	wantCode(t, "FindUserByIdentity at another issuer", err, meetingintel.ENOTFOUND)
	// Subjects are compared exactly: case matters to providers.
	_, err = s.FindUserByIdentity(ctx, iss, "OID-1")
	wantCode(t, "FindUserByIdentity in another letter case", err, meetingintel.ENOTFOUND)

	mustNil(t, "SetUserActive", s.SetUserActive(ctx, ann.ID, false))
	got, err = s.FindUserByIdentity(ctx, iss, "oid-1")
	mustNil(t, "FindUserByIdentity of a deactivated user", err)
	if got.Active {
		t.Error("FindUserByIdentity reports a deactivated user as active")
	}
}
