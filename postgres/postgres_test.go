package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/postgres"
	"github.com/meetingintel/meetingintel/storetest"
)

// howToRun is the failure message when no PostgreSQL is given.
const howToRun = "MI_TEST_POSTGRES_URL is not set. Run the PostgreSQL tests with a throwaway server:\n" +
	"\tscripts/with-postgres.sh go test ./postgres/\n" +
	"or point MI_TEST_POSTGRES_URL at a database you may create schemas in, " +
	"or set MI_SKIP_POSTGRES=1 to skip them."

// TestMain fails the package once, with how to run it, when no PostgreSQL
// is given (rather than once per test).
func TestMain(m *testing.M) {
	if os.Getenv("MI_TEST_POSTGRES_URL") == "" && os.Getenv("MI_SKIP_POSTGRES") != "1" {
		fmt.Fprintln(os.Stderr, "FAIL: "+howToRun)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// serverURL returns the PostgreSQL the tests use. Without one the tests
// fail, never skip silently: a missing database must not look like a pass.
func serverURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("MI_TEST_POSTGRES_URL")
	if u == "" {
		if os.Getenv("MI_SKIP_POSTGRES") == "1" {
			t.Skip("MI_SKIP_POSTGRES=1: PostgreSQL tests skipped on request")
		}
		t.Fatal(howToRun)
	}
	return u
}

// freshSchema creates a uniquely named schema, drops it at cleanup, and
// returns a URL whose connections use it (search_path), so each test starts
// from an empty, unmigrated database.
func freshSchema(t testing.TB) string {
	t.Helper()
	base := serverURL(t)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "mi_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to MI_TEST_POSTGRES_URL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(t, base, schema)
}

// withSearchPath adds search_path to a URL or a key=value connection string.
func withSearchPath(t testing.TB, base, schema string) string {
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		return base + " search_path=" + schema
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("MI_TEST_POSTGRES_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// open returns a migrated store on a fresh schema, closed at cleanup.
func open(t testing.TB) *postgres.DB {
	t.Helper()
	return openURL(t, freshSchema(t))
}

func openURL(t testing.TB, u string) *postgres.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) meetingintel.Store { return open(t) })
}

func TestOAuthStore(t *testing.T) {
	storetest.RunOAuth(t, func(t *testing.T) meetingintel.Store { return open(t) })
}

func TestSessionStore(t *testing.T) {
	storetest.RunSessions(t, func(t *testing.T) meetingintel.Store { return open(t) })
}

func TestReplicasStartingTogetherApplyEachMigrationOnce(t *testing.T) {
	u := freshSchema(t)
	const replicas = 4
	errs := make(chan error, replicas)
	var wg sync.WaitGroup
	for range replicas {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			db, err := postgres.Open(ctx, u)
			if err == nil {
				err = db.Ping(ctx)
				db.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a replica failed to open: %v", err)
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows, versions int
	if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	if rows == 0 || rows != versions {
		t.Errorf("schema_migrations holds %d rows for %d versions; want each version once", rows, versions)
	}
	// Opening again applies nothing and fails nothing.
	db := openURL(t, u)
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestOpenDoesNotLeakThePassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, u := range []string{
		"postgres://user:s3cret-pw@127.0.0.1:1/db?sslmode=disable&connect_timeout=2",
		"postgres://user:s3cret-pw@127.0.0.1:1/db?sslmode=bogus",
	} {
		db, err := postgres.Open(ctx, u)
		if err == nil {
			db.Close()
			t.Fatalf("Open(%q) succeeded", u)
		}
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("Open's error shows the password: %v", err)
		}
	}
}

// oauthFixture stores a user, a client, and a redeemed code with its first
// refresh token; it returns the grant.
func oauthFixture(t *testing.T, db *postgres.DB, code, refresh string) *meetingintel.OAuthGrant {
	t.Helper()
	ctx := context.Background()
	u, err := db.FindUserByEmail(ctx, "racer@example.com")
	if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
		u = &meetingintel.User{Email: "racer@example.com"}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateOAuthClient(ctx, &meetingintel.OAuthClient{ID: "c1", RedirectURIs: []string{"http://127.0.0.1/cb"},
			GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}, AuthMethod: "none", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := db.CreateOAuthCode(ctx, &meetingintel.OAuthCode{Hash: meetingintel.HashToken(code), ClientID: "c1", UserID: u.ID,
		Scopes: []string{meetingintel.ScopeRead}, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	g := &meetingintel.OAuthGrant{UserID: u.ID, ClientID: "c1", Scopes: []string{meetingintel.ScopeRead}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.RedeemOAuthCode(ctx, meetingintel.HashToken(code), now, g,
		&meetingintel.OAuthRefreshToken{Hash: meetingintel.HashToken(refresh), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return g
}

// liveTokens counts a grant's refresh tokens that are neither rotated nor revoked.
func liveTokens(t *testing.T, u string, grantID int64) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM oauth_refresh_tokens
		WHERE grant_id = $1 AND rotated_at IS NULL AND revoked_at IS NULL`, grantID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestConcurrentRefreshesFromTwoReplicasLeaveOneLiveChain(t *testing.T) {
	u := freshSchema(t)
	replicas := []*postgres.DB{openURL(t, u), openURL(t, u)}
	const racers = 8
	for _, tc := range []struct {
		name  string
		grace time.Duration
		// want: how many racers get each result; the first is always one Rotated.
		want map[meetingintel.RotateResult]int
	}{
		{"inside the grace window the losers rotate again as retries", time.Minute,
			map[meetingintel.RotateResult]int{meetingintel.Rotated: 1, meetingintel.RotatedRetry: racers - 1}},
		{"without a grace window the first loser is a replay that revokes the grant, and the rest are refused", -time.Second,
			map[meetingintel.RotateResult]int{meetingintel.Rotated: 1, meetingintel.ReuseDetected: 1, meetingintel.Refused: racers - 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tag := hex.EncodeToString([]byte(tc.name[:8]))
			g := oauthFixture(t, replicas[0], "code-"+tag, "rt-"+tag)
			results := make([]meetingintel.RotateResult, racers)
			errs := make([]error, racers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range racers {
				wg.Go(func() {
					<-start
					at := time.Now()
					next := &meetingintel.OAuthRefreshToken{Hash: meetingintel.HashToken(fmt.Sprintf("next-%s-%d", tag, i)),
						CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					results[i], errs[i] = replicas[i%2].RotateOAuthRefreshToken(ctx, meetingintel.HashToken("rt-"+tag), next, at, tc.grace)
				})
			}
			close(start)
			wg.Wait()
			count := map[meetingintel.RotateResult]int{}
			for i := range racers {
				if errs[i] != nil {
					t.Errorf("racer %d: %v", i, errs[i])
				}
				count[results[i]]++
			}
			if !maps.Equal(count, tc.want) {
				t.Errorf("results %v; want %v", count, tc.want)
			}
			live := liveTokens(t, u, g.ID)
			got, err := replicas[1].FindOAuthGrant(context.Background(), g.ID)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.grace > 0:
				if live != 1 || got.RevokedAt != nil {
					t.Errorf("%d live refresh tokens, grant revoked %v; want exactly one live chain", live, got.RevokedAt)
				}
			default:
				if live != 0 || got.RevokedAt == nil {
					t.Errorf("%d live refresh tokens, grant revoked %v; want the grant and its tokens revoked", live, got.RevokedAt)
				}
			}
		})
	}
}

func TestACodeRacedOnTwoReplicasIsRedeemedOnce(t *testing.T) {
	u := freshSchema(t)
	replicas := []*postgres.DB{openURL(t, u), openURL(t, u)}
	ctx := context.Background()
	owner := &meetingintel.User{Email: "owner@example.com"}
	if err := replicas[0].CreateUser(ctx, owner); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := replicas[0].CreateOAuthClient(ctx, &meetingintel.OAuthClient{ID: "c1", RedirectURIs: []string{"http://127.0.0.1/cb"},
		AuthMethod: "none", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := replicas[1].CreateOAuthCode(ctx, &meetingintel.OAuthCode{Hash: "h", ClientID: "c1", UserID: owner.ID,
		CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	const racers = 8
	errs := make([]error, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			<-start
			g := &meetingintel.OAuthGrant{UserID: owner.ID, ClientID: "c1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
			rt := &meetingintel.OAuthRefreshToken{Hash: fmt.Sprintf("rt-%d", i), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
			errs[i] = replicas[i%2].RedeemOAuthCode(ctx, "h", now, g, rt)
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch meetingintel.ErrorCode(err) {
		case "":
			won++
		case meetingintel.ECONFLICT:
		default:
			t.Errorf("racer %d: %v; want success or ECONFLICT", i, err)
		}
	}
	gs, err := replicas[0].FindOAuthGrants(ctx, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if won != 1 || len(gs) != 1 {
		t.Errorf("%d redemptions succeeded and %d grants exist; want 1 and 1", won, len(gs))
	}
}

func TestImportsOfOneSourceMeetingRacedOnTwoReplicasMakeOneMeeting(t *testing.T) {
	u := freshSchema(t)
	replicas := []*postgres.DB{openURL(t, u), openURL(t, u)}
	ctx := storetest.Actor(t, replicas[0], "imp@example.com")
	const racers = 6
	created := make([]bool, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			m := &meetingintel.Meeting{Title: fmt.Sprintf("Standup %d", i), Date: time.Now(), Source: "Zoom", SourceMeetingID: "z-1"}
			created[i], errs[i] = replicas[i%2].ImportMeeting(ctx, m, []meetingintel.Segment{{Speaker: "A", StartMS: 0, EndMS: 1, Text: "hello"}})
		})
	}
	wg.Wait()
	n := 0
	for i := range racers {
		if errs[i] != nil {
			t.Errorf("import %d: %v", i, errs[i])
		}
		if created[i] {
			n++
		}
	}
	ms, _, err := replicas[0].FindMeetings(ctx, meetingintel.MeetingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || len(ms) != 1 {
		t.Errorf("%d imports created a meeting and %d meetings exist; want 1 and 1", n, len(ms))
	}
}

func TestSharedDatabase(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (meetingintel.Store, meetingintel.Store) {
		u := freshSchema(t)
		return openURL(t, u), openURL(t, u)
	})
}

// Two chairs demoting each other at once on two replicas: the workspace
// keeps a chair, so exactly one demotion succeeds and the other is a
// conflict (the row locks make the second see the first's demotion).
func TestTwoChairsDemotingEachOtherOnTwoReplicasLeaveOneChair(t *testing.T) {
	u := freshSchema(t)
	replicas := []*postgres.DB{openURL(t, u), openURL(t, u)}
	ann, bea := storetest.Actor(t, replicas[0], "ann@example.com"), storetest.Actor(t, replicas[0], "bea@example.com")
	root := storetest.Actor(t, replicas[0], "root@example.com")
	rootUser := meetingintel.UserFromContext(root)
	if err := replicas[0].SetUserAdmin(context.Background(), rootUser.ID, true); err != nil {
		t.Fatal(err)
	}
	rootUser.Admin = true
	w := &meetingintel.Workspace{Name: "Race"}
	if err := replicas[0].CreateWorkspace(root, w); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"ann@example.com", "bea@example.com"} {
		if _, err := replicas[0].SetMember(root, w.ID, email, meetingintel.RoleChair); err != nil {
			t.Fatal(err)
		}
	}
	for round := range 30 {
		errs := make([]error, 2)
		var wg sync.WaitGroup
		wg.Go(func() { _, errs[0] = replicas[0].SetMember(ann, w.ID, "bea@example.com", meetingintel.RoleMember) })
		wg.Go(func() { _, errs[1] = replicas[1].SetMember(bea, w.ID, "ann@example.com", meetingintel.RoleMember) })
		wg.Wait()
		ok, conflicts := 0, 0
		for _, err := range errs {
			switch meetingintel.ErrorCode(err) {
			case "":
				ok++
			case meetingintel.ECONFLICT, meetingintel.EFORBIDDEN:
				// The last chair's conflict, or: demoted first, no
				// longer a chair to demote the other.
				conflicts++
			default:
				t.Errorf("round %d: %v", round, err)
			}
		}
		ms, err := replicas[0].FindMembers(root, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		chairs := 0
		for _, m := range ms {
			if m.Role == meetingintel.RoleChair {
				chairs++
			}
		}
		if chairs != 1 || ok != 1 || conflicts != 1 {
			t.Fatalf("round %d: %d chairs left (ok %d, conflicts %d, errors %v)", round, chairs, ok, conflicts, errs)
		}
		for _, email := range []string{"ann@example.com", "bea@example.com"} {
			if _, err := replicas[0].SetMember(root, w.ID, email, meetingintel.RoleChair); err != nil {
				t.Fatal(err)
			}
		}
	}
}
