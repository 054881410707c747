package api

import (
	"net/http"
	"time"

	"github.com/meetingintel/meetingintel"
)

// listAudit serves GET /api/audit: the audit trail, newest first, filtered
// by user, client, action (exact, or a family such as "meeting.") and time
// (since, until: RFC 3339, a day, or an age such as 24h or 7d), paged. The
// store decides who may read it (org admins; 403 for anyone else).
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	q := query{r}
	f := meetingintel.AuditFilter{User: q.str("user"), Client: q.str("client"), Action: q.str("action"), Cursor: q.str("cursor")}
	now := time.Now()
	var err error
	if f.Since, err = meetingintel.ParseAuditTime(q.str("since"), now); err != nil {
		return fieldInvalid("since", err)
	}
	if f.Until, err = meetingintel.ParseAuditTime(q.str("until"), now); err != nil {
		return fieldInvalid("until", err)
	}
	if f.Limit, err = q.limit(meetingintel.DefaultAuditLimit, meetingintel.MaxAuditLimit); err != nil {
		return err
	}
	rows, next, err := s.store.FindAudit(r.Context(), f)
	if err != nil {
		return filterError(nil, f.Cursor, err)
	}
	writeJSON(w, http.StatusOK, page[*meetingintel.AuditEntry]{Items: nonNil(rows), NextCursor: next})
	return nil
}
