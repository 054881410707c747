package web

import (
	"net/http"
	"strconv"
)

func (s *Server) handleApps(w http.ResponseWriter, r *http.Request) {
	c := callFrom(r)
	gs, err := s.cfg.OAuth.FindOAuthGrants(ctx(r), c.user.ID)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	now := s.now()
	type appsData struct {
		Live, Ended []any
	}
	type grantView struct {
		ID         int64
		ClientName string
		Scopes     []string
		Created    string
		LastUsed   string
	}
	var d appsData
	for _, g := range gs {
		name := g.ClientName
		if name == "" {
			name = "An unnamed app"
		}
		v := grantView{ID: g.ID, ClientName: name, Scopes: g.Scopes, Created: g.CreatedAt.UTC().Format("2 Jan 2006"), LastUsed: s.timeAgo(g.LastUsedAt)}
		if g.Live(now) {
			d.Live = append(d.Live, v)
		} else {
			d.Ended = append(d.Ended, v)
		}
	}
	s.render(w, r, http.StatusOK, "apps", view{Title: "Connected apps", Nav: "apps", Data: &d})
}

func (s *Server) handleAppDisconnect(w http.ResponseWriter, r *http.Request) {
	c := callFrom(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.errorPage(w, r, notFound)
		return
	}
	g, err := s.cfg.OAuth.FindOAuthGrant(ctx(r), id)
	if err != nil || g.UserID != c.user.ID {
		s.errorPage(w, r, notFound)
		return
	}
	if err := s.cfg.OAuth.RevokeOAuthGrant(ctx(r), id, s.now().UTC()); err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.log.Info("web: app disconnected", "user", c.user.Email, "client_id", g.ClientID)
	http.Redirect(w, r, "/apps", http.StatusSeeOther)
}
