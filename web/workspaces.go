package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

// Workspaces in the web UI: a switcher in the header (its choice kept in a
// cookie of this browser, as the MCP switch is kept per credential), the
// members page of a workspace (its chairs and org admins; the store decides
// who may), and the org admin's workspace list.

const workspaceCookie = "mi_workspace"

// chosenWorkspace reads the user's workspaces and the browser's choice
// into c. A choice the user no longer reaches is dropped, so a removed
// member is not stuck on an error page.
func (s *Server) chosenWorkspace(r *http.Request, c *call) {
	ws, err := s.cfg.Store.FindWorkspaces(meetingintel.NewContextWithUser(r.Context(), c.user))
	if err != nil {
		return
	}
	c.workspaces = ws[:0:0]
	for _, w := range ws {
		if w.Role != "" { // an org admin lists every workspace, but works in theirs
			c.workspaces = append(c.workspaces, w)
		}
	}
	ck, err := r.Cookie(workspaceCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 20 {
		return
	}
	for _, w := range c.workspaces {
		if strconv.FormatInt(w.ID, 10) == ck.Value {
			c.workspace = ck.Value
		}
	}
}

// switcher returns the user's workspaces and the current one, for the
// header.
func (s *Server) switcher(r *http.Request) ([]*meetingintel.Workspace, *meetingintel.Workspace) {
	c := callFrom(r)
	if c == nil {
		return nil, nil
	}
	cur, err := s.cfg.Store.CurrentWorkspace(ctx(r))
	if err != nil {
		cur = nil
	}
	return c.workspaces, cur
}

// handleWorkspaceSwitch sets the browser's workspace and goes back to the
// meetings, now of that workspace.
func (s *Server) handleWorkspaceSwitch(w http.ResponseWriter, r *http.Request) {
	ref := strings.TrimSpace(r.PostFormValue("workspace"))
	cur, err := s.cfg.Store.CurrentWorkspace(meetingintel.NewContextWithWorkspace(ctx(r), ref))
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: workspaceCookie, Value: strconv.FormatInt(cur.ID, 10), Path: "/",
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: int((365 * 24 * time.Hour).Seconds())})
	http.Redirect(w, r, "/meetings", http.StatusSeeOther)
}

// membersData is the members page.
type membersData struct {
	Workspace *meetingintel.Workspace
	Members   []*meetingintel.Member
	Roles     []meetingintel.Role
	Form      struct{ Email, Role string }
}

func (s *Server) workspaceOf(r *http.Request) (*meetingintel.Workspace, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, notFound
	}
	return s.cfg.Store.FindWorkspace(ctx(r), strconv.FormatInt(id, 10))
}

func (s *Server) handleMembers(w http.ResponseWriter, r *http.Request) {
	s.showMembers(w, r, http.StatusOK, &membersData{}, "")
}

func (s *Server) showMembers(w http.ResponseWriter, r *http.Request, status int, d *membersData, msg string) {
	ws, err := s.workspaceOf(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	ms, err := s.cfg.Store.FindMembers(ctx(r), ws.ID)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	d.Workspace, d.Members, d.Roles = ws, ms, meetingintel.Roles
	s.render(w, r, status, "members", view{Title: "Members of " + ws.Name, Nav: "admin", Error: msg, Data: d})
}

// handleMemberSet adds a member or changes a role.
func (s *Server) handleMemberSet(w http.ResponseWriter, r *http.Request) {
	ws, err := s.workspaceOf(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	d := &membersData{}
	d.Form.Email, d.Form.Role = r.PostFormValue("email"), r.PostFormValue("role")
	_, err = s.cfg.Store.SetMember(ctx(r), ws.ID, d.Form.Email, meetingintel.Role(d.Form.Role))
	if c := meetingintel.ErrorCode(err); c == meetingintel.EINVALID || c == meetingintel.ECONFLICT || (c == meetingintel.ENOTFOUND && d.Form.Email != "") {
		s.showMembers(w, r, http.StatusBadRequest, d, meetingintel.ErrorMessage(err))
		return
	} else if err != nil {
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/workspaces/"+strconv.FormatInt(ws.ID, 10)+"/members", http.StatusSeeOther)
}

func (s *Server) handleMemberRemove(w http.ResponseWriter, r *http.Request) {
	ws, err := s.workspaceOf(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	uid, err := strconv.ParseInt(r.PathValue("user"), 10, 64)
	if err != nil {
		s.errorPage(w, r, notFound)
		return
	}
	if err := s.cfg.Store.RemoveMember(ctx(r), ws.ID, uid); meetingintel.ErrorCode(err) == meetingintel.ECONFLICT {
		s.showMembers(w, r, http.StatusConflict, &membersData{}, meetingintel.ErrorMessage(err))
		return
	} else if err != nil {
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/workspaces/"+strconv.FormatInt(ws.ID, 10)+"/members", http.StatusSeeOther)
}

// adminWorkspacesData is the org admin's workspace list.
type adminWorkspacesData struct {
	Workspaces []*meetingintel.Workspace
	Form       struct{ Name, Slug string }
}

func (s *Server) handleAdminWorkspaces(w http.ResponseWriter, r *http.Request) {
	s.showAdminWorkspaces(w, r, http.StatusOK, &adminWorkspacesData{}, "")
}

func (s *Server) showAdminWorkspaces(w http.ResponseWriter, r *http.Request, status int, d *adminWorkspacesData, msg string) {
	ws, err := s.cfg.Store.FindWorkspaces(ctx(r))
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	d.Workspaces = ws
	s.render(w, r, status, "admin_workspaces", view{Title: "Workspaces", Nav: "admin", Error: msg, Data: d})
}

func (s *Server) handleWorkspaceCreate(w http.ResponseWriter, r *http.Request) {
	d := &adminWorkspacesData{}
	d.Form.Name, d.Form.Slug = r.PostFormValue("name"), r.PostFormValue("slug")
	err := s.cfg.Store.CreateWorkspace(ctx(r), &meetingintel.Workspace{Name: d.Form.Name, Slug: d.Form.Slug})
	if c := meetingintel.ErrorCode(err); c == meetingintel.EINVALID || c == meetingintel.ECONFLICT {
		s.showAdminWorkspaces(w, r, http.StatusBadRequest, d, meetingintel.ErrorMessage(err))
		return
	} else if err != nil {
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/workspaces", http.StatusSeeOther)
}

func (s *Server) handleWorkspaceArchive(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.errorPage(w, r, notFound)
		return
	}
	if err := s.cfg.Store.SetWorkspaceArchived(ctx(r), id, r.PostFormValue("archived") == "true"); err != nil {
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/workspaces", http.StatusSeeOther)
}
