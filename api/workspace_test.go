package api_test

import (
	"fmt"
	"testing"
)

func TestWorkspacesOverREST(t *testing.T) {
	e := newEnv(t)
	root := e.user("root@example.com", "Root")
	if err := e.db.SetUserAdmin(e.ctx, root.ID, true); err != nil {
		t.Fatal(err)
	}
	rootTok, _, err := e.db.CreateToken(e.ctx, root.ID, "t")
	if err != nil {
		t.Fatal(err)
	}
	dave := e.user("dave@example.com", "Dave")
	daveTok, _, err := e.db.CreateToken(e.ctx, dave.ID, "t")
	if err != nil {
		t.Fatal(err)
	}

	// Administration: org admins create and archive, chairs manage members.
	e.must(403, req{Method: "POST", Path: "/api/admin/workspaces", Token: e.aliceTok, Body: map[string]any{"name": "Acme Corp"}})
	e.must(400, req{Method: "POST", Path: "/api/admin/workspaces", Token: rootTok, Body: map[string]any{"name": "API", "slug": "api"}})
	w := e.must(201, req{Method: "POST", Path: "/api/admin/workspaces", Token: rootTok, Body: map[string]any{"name": "Acme Corp"}})
	if w.JSON["slug"] != "acme-corp" {
		t.Fatalf("created %v", w.JSON)
	}
	e.must(409, req{Method: "POST", Path: "/api/admin/workspaces", Token: rootTok, Body: map[string]any{"name": "acme corp", "slug": "acme2"}})
	members := fmt.Sprintf("/api/admin/workspaces/%d/members", id(w.JSON, "id"))
	e.must(200, req{Method: "PUT", Path: members, Token: rootTok, Body: map[string]any{"email": "alice@example.com", "role": "chair"}})
	e.must(200, req{Method: "PUT", Path: members, Token: e.aliceTok, Body: map[string]any{"email": "bob@example.com", "role": "viewer"}})
	e.must(403, req{Method: "PUT", Path: members, Token: e.bobTok, Body: map[string]any{"email": "dave@example.com", "role": "chair"}})
	e.must(404, req{Method: "GET", Path: members, Token: daveTok})
	e.must(409, req{Method: "PUT", Path: members, Token: e.aliceTok, Body: map[string]any{"email": "alice@example.com", "role": "member"}})
	e.must(409, req{Method: "DELETE", Path: fmt.Sprintf("%s/%d", members, e.alice.ID), Token: rootTok})
	if got := items(e.must(200, req{Method: "GET", Path: members, Token: e.aliceTok})); len(got) != 2 {
		t.Errorf("members = %v", got)
	}
	mine := items(e.must(200, req{Method: "GET", Path: "/api/workspaces", Token: e.bobTok}))
	if len(mine) != 2 {
		t.Errorf("bob's workspaces = %v", mine)
	}
	e.must(403, req{Method: "GET", Path: "/api/admin/workspaces", Token: e.bobTok})
	if all := items(e.must(200, req{Method: "GET", Path: "/api/admin/workspaces", Token: rootTok})); len(all) != 2 {
		t.Errorf("every workspace = %v", all)
	}

	// ?workspace= chooses where a meeting goes and what lists span.
	m := e.must(201, req{Method: "POST", Path: "/api/meetings?workspace=ACME-CORP", Token: e.aliceTok,
		Body: map[string]any{"title": "Acme kickoff", "meeting_date": "2026-03-03"}})
	mpath := fmt.Sprintf("/api/meetings/%d", id(m.JSON, "id"))
	e.must(403, req{Method: "POST", Path: "/api/meetings?workspace=acme-corp", Token: e.bobTok,
		Body: map[string]any{"title": "x", "meeting_date": "2026-03-03"}})
	e.must(403, req{Method: "PATCH", Path: mpath, Token: e.bobTok, Body: map[string]any{"title": "pwned"}})
	e.must(200, req{Method: "GET", Path: mpath, Token: e.bobTok})
	for _, tc := range []struct {
		path string
		n    int
	}{{"/api/meetings?workspace=Acme%20Corp", 1}, {"/api/meetings", 0}} {
		if got := items(e.must(200, req{Method: "GET", Path: tc.path, Token: e.bobTok})); len(got) != tc.n {
			t.Errorf("bob GET %s: %d meetings, want %d", tc.path, len(got), tc.n)
		}
	}
	// A non-member and an org admin who is not a member find nothing.
	for _, tok := range []string{daveTok, rootTok} {
		e.must(404, req{Method: "GET", Path: mpath, Token: tok})
		e.must(404, req{Method: "GET", Path: "/api/meetings?workspace=acme-corp", Token: tok})
		for _, it := range items(e.must(200, req{Method: "GET", Path: "/api/meetings?workspace=all", Token: tok})) {
			if id(it.(map[string]any), "id") == id(m.JSON, "id") {
				t.Errorf("a non-member lists the acme meeting")
			}
		}
	}

	// Archived: read-only.
	wpath := fmt.Sprintf("/api/admin/workspaces/%d", id(w.JSON, "id"))
	e.must(403, req{Method: "PATCH", Path: wpath, Token: e.aliceTok, Body: map[string]any{"archived": true}})
	if a := e.must(200, req{Method: "PATCH", Path: wpath, Token: rootTok, Body: map[string]any{"archived": true}}); a.JSON["archived"] != true {
		t.Errorf("archive answered %v", a.JSON)
	}
	e.must(403, req{Method: "PATCH", Path: mpath, Token: e.aliceTok, Body: map[string]any{"title": "late"}})
	e.must(200, req{Method: "GET", Path: mpath, Token: e.aliceTok})
}
