package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/meetingintel/meetingintel"
)

type adminData struct {
	Users    []*meetingintel.User
	NewUser  *meetingintel.User // just added; its first token is shown once
	NewToken string
	Form     struct {
		Email, Name string
		Admin       bool
	}
}

func (s *Server) handleAdmin(w http.ResponseWriter, r *http.Request) {
	s.showAdmin(w, r, http.StatusOK, &adminData{}, "")
}

func (s *Server) showAdmin(w http.ResponseWriter, r *http.Request, status int, d *adminData, msg string) {
	us, err := s.cfg.Store.FindUsers(ctx(r))
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	d.Users = us
	s.render(w, r, status, "admin", view{Title: "Users", Nav: "admin", Error: msg, Data: d})
}

// handleUserCreate adds a user and shows their first token once.
func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	d := &adminData{}
	d.Form.Email, d.Form.Name, d.Form.Admin = r.PostFormValue("email"), r.PostFormValue("name"), r.PostFormValue("admin") == "on"
	u := &meetingintel.User{Email: d.Form.Email, Name: d.Form.Name, Admin: d.Form.Admin}
	err := s.cfg.Store.CreateUser(ctx(r), u)
	if c := meetingintel.ErrorCode(err); c == meetingintel.EINVALID || c == meetingintel.ECONFLICT {
		s.showAdmin(w, r, http.StatusBadRequest, d, meetingintel.ErrorMessage(err))
		return
	} else if err != nil {
		s.errorPage(w, r, err)
		return
	}
	tok, _, err := s.cfg.Store.CreateToken(ctx(r), u.ID, "first token")
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.log.Info("web: user added", "by", callFrom(r).user.Email, "user", u.Email, "admin", u.Admin)
	s.showAdmin(w, r, http.StatusOK, &adminData{NewUser: u, NewToken: tok}, "")
}

// handleUserActive deactivates or reactivates a user. Deactivation ends
// their web sessions at once; their tokens stop working through the store.
func (s *Server) handleUserActive(w http.ResponseWriter, r *http.Request) {
	c := callFrom(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.errorPage(w, r, notFound)
		return
	}
	active := r.PostFormValue("active") == "true"
	if id == c.user.ID && !active {
		s.showAdmin(w, r, http.StatusBadRequest, &adminData{}, "You cannot deactivate yourself; ask another admin.")
		return
	}
	if err := s.cfg.Store.SetUserActive(ctx(r), id, active); err != nil {
		s.errorPage(w, r, err)
		return
	}
	if !active {
		if _, err := s.cfg.Sessions.DeleteUserSessions(r.Context(), id); err != nil {
			s.errorPage(w, r, err)
			return
		}
	}
	s.log.Info("web: user active changed", "by", c.user.Email, "user_id", id, "active", active)
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

type adminTokensData struct {
	Owner  *meetingintel.User
	Tokens []*meetingintel.Token
	Now    time.Time
}

// handleAdminTokens shows one user's tokens to an admin, revoked and
// expired ones included, so a leak can be traced and stopped.
func (s *Server) handleAdminTokens(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.errorPage(w, r, notFound)
		return
	}
	u, err := s.cfg.Store.FindUserByID(ctx(r), id)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	toks, err := s.cfg.Store.FindTokens(ctx(r), id)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_tokens", view{Title: "Tokens of " + u.Email, Nav: "admin",
		Data: &adminTokensData{Owner: u, Tokens: toks, Now: s.now()}})
}

// handleAdminTokenRevoke revokes anyone's token (admins only).
func (s *Server) handleAdminTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.errorPage(w, r, notFound)
		return
	}
	t, err := s.cfg.Store.FindTokenByID(ctx(r), id)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	if err := s.cfg.Store.RevokeToken(ctx(r), id); err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.log.Info("web: token revoked by an admin", "by", callFrom(r).user.Email, "token_id", id, "user_id", t.UserID)
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(t.UserID, 10)+"/tokens", http.StatusSeeOther)
}
