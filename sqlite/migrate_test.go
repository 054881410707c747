package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel/sqlite"
)

// dump returns every row of table as text, in key order, so that a
// migration's before and after can be compared whole.
func dump(t *testing.T, db *sql.DB, table, order string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM ` + table + ` ORDER BY ` + order)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// The 008 rebuild of oauth_clients drops a table that oauth_codes and
// oauth_grants reference ON DELETE CASCADE: with foreign keys on, it would
// delete every code and grant. Every row must survive it.
func TestRebuildMigrationKeepsReferencingRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sqlite.OpenAtVersionForTest(ctx, path, 7)
	if err != nil {
		t.Fatal(err)
	}
	raw := old.RawForTest()
	for _, q := range []string{
		`INSERT INTO users (id, email, created_at) VALUES (1, 'a@example.com', 1), (2, 'b@example.com', 2)`,
		`INSERT INTO oauth_clients (id, secret_hash, name, redirect_uris, grant_types, response_types, auth_method, created_at, last_used_at) VALUES
			('c1', '', 'Public', '["https://a.example/cb"]', 'authorization_code refresh_token', 'code', 'none', 10, 20),
			('c2', 'ab12', 'Secret', '["https://b.example/cb"]', 'authorization_code', 'code', 'client_secret_basic', 11, NULL),
			('https://app.example/client.json', '', 'Document', '["https://app.example/cb"]', 'authorization_code', 'code', 'none', 12, NULL)`,
		`INSERT INTO oauth_grants (id, user_id, client_id, scope, resource, created_at, expires_at, last_used_at, revoked_at) VALUES
			(1, 1, 'c1', 'meetings:read', 'https://mi.example/mcp', 30, 40, 35, NULL),
			(2, 2, 'c2', 'meetings:read meetings:write', 'https://mi.example/mcp', 31, 41, NULL, 39)`,
		`INSERT INTO oauth_codes (hash, client_id, user_id, redirect_uri, scope, resource, code_challenge, created_at, expires_at, used_at, grant_id) VALUES
			('h1', 'c1', 1, 'https://a.example/cb', 'meetings:read', 'https://mi.example/mcp', 'ch1', 50, 60, 55, 1),
			('h2', 'https://app.example/client.json', 2, '', 'meetings:read', 'https://mi.example/mcp', 'ch2', 51, 61, NULL, NULL)`,
		`INSERT INTO oauth_refresh_tokens (hash, grant_id, created_at, expires_at) VALUES ('r1', 1, 70, 80), ('r2', 2, 71, 81)`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	tables := [][2]string{{"oauth_clients", "id"}, {"oauth_grants", "id"}, {"oauth_codes", "hash"}, {"oauth_refresh_tokens", "hash"}, {"users", "id"}}
	before := map[string][]string{}
	for _, tb := range tables {
		before[tb[0]] = dump(t, raw, tb[0], tb[1])
	}
	old.Close()

	// Up to the rebuild only: later migrations add columns.
	db, err := sqlite.OpenAtVersionForTest(ctx, path, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw = db.RawForTest()
	for _, tb := range tables {
		if got := dump(t, raw, tb[0], tb[1]); !slices.Equal(got, before[tb[0]]) {
			t.Errorf("%s after the migrations:\n%s\nwant:\n%s", tb[0], strings.Join(got, "\n"), strings.Join(before[tb[0]], "\n"))
		}
	}
	var on int
	if err := raw.QueryRow(`PRAGMA foreign_keys`).Scan(&on); err != nil || on != 1 {
		t.Fatalf("foreign_keys = %d (%v) after the migrations, want 1", on, err)
	}
	if _, err := raw.Exec(`INSERT INTO oauth_clients (id, redirect_uris, grant_types, response_types, auth_method, created_at) VALUES ('c3', '[]', 'authorization_code', 'code', 'private_key_jwt', 13)`); err != nil {
		t.Errorf("private_key_jwt client refused: %v", err)
	}
	if _, err := raw.Exec(`INSERT INTO oauth_clients (id, redirect_uris, grant_types, response_types, auth_method, created_at) VALUES ('c4', '[]', 'authorization_code', 'code', 'magic', 13)`); err == nil {
		t.Error("the CHECK on auth_method is gone: 'magic' was stored")
	}
	// The references follow the rebuilt table: deleting a client still
	// cascades to its grants and codes.
	if _, err := raw.Exec(`DELETE FROM oauth_clients WHERE id = 'c1'`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := raw.QueryRow(`SELECT (SELECT count(*) FROM oauth_grants WHERE client_id = 'c1') + (SELECT count(*) FROM oauth_codes WHERE client_id = 'c1') + (SELECT count(*) FROM oauth_refresh_tokens WHERE grant_id = 1)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("deleting a client left %d of its grants, codes and refresh tokens (%v)", n, err)
	}
	if _, err := raw.Exec(`INSERT INTO oauth_codes (hash, client_id, user_id, redirect_uri, scope, resource, code_challenge, created_at, expires_at) VALUES ('h9', 'nobody', 1, '', '', '', '', 1, 2)`); err == nil {
		t.Error("a code for an unknown client was stored: foreign keys are not enforced")
	}
}
