package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

// opt is a PATCH field: Set when the key was present, Null when its value
// was null, so "absent" (leave alone) and null (clear) differ.
type opt[T any] struct {
	Set, Null bool
	V         T
}

// UnmarshalJSON records presence; encoding/json calls it for null too.
func (o *opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(bytes.TrimSpace(b)) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.V)
}

// attendeeIn is an attendee as sent: an object {"name","email"} like the
// meetings we return, or a string "Name <email>", "email" or "Name" like
// the MCP tools take.
type attendeeIn meetingintel.Attendee

// UnmarshalJSON accepts both forms, strictly.
func (a *attendeeIn) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		at, err := parseAttendee(s)
		if err != nil {
			return err
		}
		*a = attendeeIn(at)
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var v struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	if err := dec.Decode(&v); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return invalid("attendees", "Unknown attendee field %s; an attendee has name and email.", name)
		}
		return invalid("attendees", "Each attendee is an object {\"name\", \"email\"} or a string like \"Sam Lee <sam@example.com>\".")
	}
	*a = attendeeIn{Name: v.Name, Email: v.Email}
	return nil
}

// parseAttendee reads "Name <email>", "email" or "Name".
func parseAttendee(s string) (meetingintel.Attendee, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.Contains(s, "<"):
		a, err := mail.ParseAddress(s)
		if err != nil {
			return meetingintel.Attendee{}, invalid("attendees", "Attendee %q is not like \"Sam Lee <sam@example.com>\".", s)
		}
		return meetingintel.Attendee{Name: a.Name, Email: a.Address}, nil
	case strings.Contains(s, "@") && !strings.Contains(s, " "):
		return meetingintel.Attendee{Email: s}, nil
	}
	return meetingintel.Attendee{Name: s}, nil
}

func attendees(in []attendeeIn) []meetingintel.Attendee {
	out := make([]meetingintel.Attendee, 0, len(in))
	for _, a := range in {
		out = append(out, meetingintel.Attendee(a))
	}
	return out
}

// parseDateTime accepts RFC 3339, a local-less date-time (UTC) or a
// calendar day (midnight UTC), like the MCP tools.
func parseDateTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", meetingintel.DateLayout} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, invalid(field, "%s %q is not a date like 2026-03-31 or 2026-03-31T14:00:00Z.", field, s)
}

// parseUpTo parses an exclusive upper date bound; a bare day includes that
// whole day, as in the MCP search tool.
func parseUpTo(field, s string) (time.Time, error) {
	t, err := parseDateTime(field, s)
	if err == nil && len(strings.TrimSpace(s)) == len(meetingintel.DateLayout) {
		t = t.AddDate(0, 0, 1)
	}
	return t, err
}

// query reads query parameters, collecting the first problem.
type query struct {
	r *http.Request
}

func (q query) str(name string) string { return strings.TrimSpace(q.r.URL.Query().Get(name)) }

// limit reads a page size in 1..max; absent is def.
func (q query) limit(def, max int) (int, error) {
	s := q.str("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, invalid("limit", "limit must be a whole number from 1 to %d.", max)
	}
	return n, nil
}

// id reads a positive id parameter; absent is nil.
func (q query) id(name string) (*int64, error) {
	s := q.str(name)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return nil, invalid(name, "%s must be a positive whole number.", name)
	}
	return &n, nil
}

// ms reads a non-negative millisecond offset; absent is nil.
func (q query) ms(name string) (*int64, error) {
	s := q.str(name)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return nil, invalid(name, "%s must be milliseconds from the start: a whole number, 0 or more.", name)
	}
	return &n, nil
}

// dateRange reads from (inclusive) and to (exclusive; a bare day included).
func (q query) dateRange() (from, to time.Time, err error) {
	if s := q.str("from"); s != "" {
		if from, err = parseDateTime("from", s); err != nil {
			return
		}
	}
	if s := q.str("to"); s != "" {
		if to, err = parseUpTo("to", s); err != nil {
			return
		}
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		err = invalid("to", "to must be after from.")
	}
	return
}

// pathID reads the {id} path value; anything but a positive integer names
// no resource, so it is 404 like an id that does not exist.
func pathID(r *http.Request, what string) (int64, error) {
	s := r.PathValue("id")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, meetingintel.Errorf(meetingintel.ENOTFOUND, "%s %q not found: ids are positive whole numbers.", what, s)
	}
	return n, nil
}

// page is a paged listing; NextCursor is absent on the last page. Send it
// back as cursor, with the same filters, for the next page.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
