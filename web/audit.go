package web

import (
	"net/http"
	"net/url"

	"github.com/meetingintel/meetingintel"
)

// auditData is the audit page: the filter as typed, one page of rows and
// the links to the next and first pages.
type auditData struct {
	User, Client, Action, Since, Until string
	Rows                               []*meetingintel.AuditEntry
	Next, First                        string
}

// AuditPerPage is how many audit rows a page shows.
const AuditPerPage = 100

// handleAudit shows the audit trail, filtered by user, client, action and
// date. The store decides who may read it (org admins; anyone else gets
// 403), so the page needs no rule of its own.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := auditData{User: q.Get("user"), Client: q.Get("client"), Action: q.Get("action"), Since: q.Get("since"), Until: q.Get("until")}
	f := meetingintel.AuditFilter{User: d.User, Client: d.Client, Action: d.Action, Limit: AuditPerPage, Cursor: q.Get("cursor")}
	now := s.now()
	var err error
	if f.Since, err = meetingintel.ParseAuditTime(d.Since, now); err == nil {
		f.Until, err = meetingintel.ParseAuditTime(d.Until, now)
	}
	if err == nil {
		d.Rows, d.Next, err = s.cfg.Store.FindAudit(ctx(r), f)
	}
	if meetingintel.ErrorCode(err) == meetingintel.EINVALID {
		s.render(w, r, http.StatusBadRequest, "audit", view{Title: "Audit trail", Nav: "admin", Error: meetingintel.ErrorMessage(err), Data: &d})
		return
	} else if err != nil {
		s.errorPage(w, r, err)
		return
	}
	keep := url.Values{}
	for k, v := range map[string]string{"user": d.User, "client": d.Client, "action": d.Action, "since": d.Since, "until": d.Until} {
		if v != "" {
			keep.Set(k, v)
		}
	}
	if d.Next != "" {
		next := url.Values{"cursor": {d.Next}}
		for k, v := range keep {
			next[k] = v
		}
		d.Next = "/admin/audit?" + next.Encode()
	}
	if f.Cursor != "" {
		d.First = "/admin/audit"
		if len(keep) > 0 {
			d.First += "?" + keep.Encode()
		}
	}
	s.render(w, r, http.StatusOK, "audit", view{Title: "Audit trail", Nav: "admin", Data: &d})
}
