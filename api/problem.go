package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/httpserver"
	"github.com/meetingintel/meetingintel/transcript"
)

// problem is an RFC 9457 problem document, and an error a handler returns
// for failures that are the API's own (413, 415, 403 CSRF, field errors).
type problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Errors []fieldError `json:"errors,omitempty"`
}

// fieldError names the input at fault: a body field, query parameter or
// form part, and for transcripts the line.
type fieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
	Line   int    `json:"line,omitempty"`
}

func (p *problem) Error() string { return fmt.Sprintf("api problem %d: %s", p.Status, p.Detail) }

// invalid is a 400 about one field.
func invalid(field, format string, args ...any) *problem {
	msg := fmt.Sprintf(format, args...)
	return &problem{Status: http.StatusBadRequest, Detail: msg, Errors: []fieldError{{Field: field, Detail: msg}}}
}

// fieldInvalid turns a domain EINVALID error into a 400 naming field; any
// other error passes through.
func fieldInvalid(field string, err error) error {
	if meetingintel.ErrorCode(err) != meetingintel.EINVALID {
		return err
	}
	p := invalid(field, "%s", meetingintel.ErrorMessage(err))
	var pe *transcript.ParseError
	if errors.As(err, &pe) {
		p.Errors[0].Line = pe.Line
	}
	return p
}

func tooLarge(limit int64) *problem {
	return &problem{Status: http.StatusRequestEntityTooLarge,
		Detail: fmt.Sprintf("The request body is larger than the %s this endpoint accepts.", humanBytes(limit))}
}

func humanBytes(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// writeError answers err as problem JSON: the API's own problems as they
// are, domain errors by their code, anything else as a logged 500 whose
// details stay in the log.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var p *problem
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &p):
	case errors.As(err, &mbe):
		p = tooLarge(mbe.Limit)
	default:
		status := httpserver.StatusFor(err)
		p = &problem{Status: status, Detail: meetingintel.ErrorMessage(err)}
		if status == http.StatusInternalServerError {
			s.log.Error("api request failed", "id", httpserver.RequestID(r.Context()), "method", r.Method,
				"path", httpserver.RedactPath(r.URL.Path), "err", err)
			p.Detail = "Something went wrong on our side; the request id is " + httpserver.RequestID(r.Context()) + "."
		} else if status == http.StatusUnauthorized {
			p.Detail = msgBadToken
		}
	}
	s.writeProblem(w, r, p)
}

func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, p *problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	if p.Status == http.StatusUnauthorized {
		// Plain: resource_metadata belongs to MCP's challenge (DESIGN §4).
		w.Header().Set("WWW-Authenticate", "Bearer")
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p)
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// mediaType is the request's Content-Type without parameters, lower case.
func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return strings.ToLower(mt)
}

func isMultipart(r *http.Request) bool { return mediaType(r) == "multipart/form-data" }

func isJSON(r *http.Request) bool {
	mt := mediaType(r)
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

func unsupportedType(accepted string) *problem {
	return &problem{Status: http.StatusUnsupportedMediaType, Detail: "Send the body as " + accepted + "."}
}

// decodeJSON reads one JSON object into v, strictly: unknown fields,
// values of the wrong type, trailing data and bodies over limit are
// refused with a message naming what is wrong.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if !isJSON(r) {
		return unsupportedType("JSON (Content-Type: application/json)")
	}
	if r.ContentLength > limit {
		return tooLarge(limit)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err, limit)
	}
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(limit)
		}
		return &problem{Status: http.StatusBadRequest, Detail: "The body has data after its JSON object; send exactly one object."}
	}
	return nil
}

// jsonProblem explains a decoding error to the caller.
func jsonProblem(err error, limit int64) error {
	var (
		mbe  *http.MaxBytesError
		syn  *json.SyntaxError
		typ  *json.UnmarshalTypeError
		prob *problem
		app  *meetingintel.Error
	)
	switch {
	case errors.As(err, &mbe):
		return tooLarge(limit)
	case errors.As(err, &prob):
		return prob
	case errors.As(err, &syn):
		return &problem{Status: http.StatusBadRequest, Detail: fmt.Sprintf("The body is not valid JSON (at byte %d): %s.", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return &problem{Status: http.StatusBadRequest, Detail: "The body must be a JSON object."}
		}
		return invalid(field, "Field %q must be %s, not %s.", field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &app):
		return &problem{Status: http.StatusBadRequest, Detail: app.Message}
	case errors.Is(err, io.EOF):
		return &problem{Status: http.StatusBadRequest, Detail: "The body is empty; send a JSON object."}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &problem{Status: http.StatusBadRequest, Detail: "The body ends in the middle of its JSON."}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return invalid(name, "Unknown field %q.", name)
	}
	return &problem{Status: http.StatusBadRequest, Detail: "The body could not be read as JSON."}
}

// jsonKind names a Go kind the way a JSON user thinks of it.
func jsonKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case kind == "slice", kind == "array":
		return "an array"
	case kind == "struct", kind == "map":
		return "an object"
	}
	return "another type"
}
