// Package logguard lets the whole test suite prove that no credential ever
// reaches a server log. Test harnesses tee every server's log through
// Tee; each complete log record (a line holding one slog JSON object) is
// copied to the test binary's standard output behind Marker, so that it
// lands in `go test -json`'s stream. internal/testreport, which reads that
// stream in `make test`, passes every marked line to Leaks and fails the
// run if one carries a token-shaped value.
//
// Only marked lines are scanned: a test that prints a token in an
// assertion message (t.Errorf output is indented and prefixed with
// file:line) or a command that prints a newly created PAT on its standard
// output, as `token create` must, is not a server log and is left alone.
package logguard

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"sync"
)

// Marker starts every server log line copied into the test output. It
// has no underscore, so it can never be mistaken for a token prefix.
const Marker = "mi-server-log: "

// stdoutMu keeps lines from concurrent servers whole on standard output.
var stdoutMu sync.Mutex

// out is where marked lines go; a variable so the package's own test can
// read them.
var out io.Writer = os.Stdout

// Tee returns a writer that writes everything to w and copies every log
// record among it to the guard. Each server gets its own Tee: a record
// split across writes (a child process's stderr arrives in pieces) is
// reassembled before it is copied.
func Tee(w io.Writer) io.Writer {
	return io.MultiWriter(w, &lineWriter{})
}

// Writer is Tee without a second destination, for a server whose log
// nobody reads.
func Writer() io.Writer { return &lineWriter{} }

type lineWriter struct {
	mu  sync.Mutex
	buf []byte
}

// maxLine bounds an unterminated line kept in memory; a record longer
// than this is copied in pieces, which the guard still scans.
const maxLine = 1 << 20

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			if len(l.buf) > maxLine {
				emit(l.buf)
				l.buf = l.buf[:0]
			}
			return len(p), nil
		}
		emit(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
}

// emit copies one log record behind Marker. Lines that are not slog JSON
// records (a banner, a command's own output) are not server logs.
func emit(line []byte) {
	line = bytes.TrimRight(line, "\r")
	if !bytes.HasPrefix(line, []byte(`{"time":`)) {
		return
	}
	rec := make([]byte, 0, len(Marker)+len(line)+1)
	rec = append(append(append(rec, Marker...), line...), '\n')
	stdoutMu.Lock()
	defer stdoutMu.Unlock()
	_, _ = out.Write(rec)
}

// leakRE matches a credential as the server issues it: a prefixed secret
// (PAT, client secret, authorization code, refresh token) with a body, or
// a signed JWT (three base64url parts, the first a JSON header). A bare
// prefix ("mi_pat_" in a message about the format) or "[redacted]" does
// not match. Case-insensitive, like meetingintel.Redact, because a value
// may have been case-folded on its way to the log.
var leakRE = regexp.MustCompile(`(?i)mi_(?:pat|cs|ac|rt)_[A-Za-z0-9_~.+/=-]{8,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`)

// Leaks returns the token-shaped values in one line of test output if
// the line is a server log line (it starts with Marker), and nothing for
// any other line.
func Leaks(line string) []string {
	if len(line) < len(Marker) || line[:len(Marker)] != Marker {
		return nil
	}
	return leakRE.FindAllString(line, -1)
}
