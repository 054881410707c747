package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/meetinginput"
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
		at, err := meetinginput.Attendee(s)
		if err != nil {
			return fieldInvalid("attendees", err)
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

func attendees(in []attendeeIn) []meetingintel.Attendee {
	out := make([]meetingintel.Attendee, 0, len(in))
	for _, a := range in {
		out = append(out, meetingintel.Attendee(a))
	}
	return out
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
		if from, err = meetinginput.DateTime("from", s); err != nil {
			return from, to, fieldInvalid("from", err)
		}
	}
	if s := q.str("to"); s != "" {
		if to, err = meetinginput.UpTo("to", s); err != nil {
			return from, to, fieldInvalid("to", err)
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
