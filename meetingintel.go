// Package meetingintel holds the domain of Meeting Intelligence: a team's
// meetings with their transcripts, action items and decisions, the users who
// read and write them, and the service interfaces that store them.
//
// It imports nothing of the project. Storage lives in sqlite/ (and later
// postgres/), transcript parsing in transcript/, and every edge (CLI, MCP,
// REST, web) translates the one Error type defined here into its own terms.
package meetingintel

import (
	"errors"
	"fmt"
)

// Application error codes. They say what kind of fault happened, so each edge
// can pick its own status (HTTP status, tool error, exit code).
const (
	EINVALID      = "invalid"      // the caller sent something malformed
	ENOTFOUND     = "not_found"    // missing, or not visible to the caller
	ECONFLICT     = "conflict"     // clashes with something that exists
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EFORBIDDEN    = "forbidden"    // authenticated, but not allowed
	EINTERNAL     = "internal"     // our fault; details are logged, not shown
)

// Error is the application error. Message is written for the user who caused
// it; internal details never go into it.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("meetingintel error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an application error, EINTERNAL for any other
// non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of an application error, or a
// generic message for any other error so internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
