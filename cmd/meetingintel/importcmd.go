package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/meetinginput"
	"github.com/meetingintel/meetingintel/transcript"
)

// importJob is one parsed file, ready to store.
type importJob struct {
	file    string
	meeting *meetingintel.Meeting
	segs    []meetingintel.Segment
}

func cmdImport(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("import", e)
	email := fs.String("email", "", "import as this user (required)")
	ws := workspaceFlag(fs)
	title := fs.String("title", "", "meeting title (default: from the file, else its name)")
	date := fs.String("date", "", "meeting start, RFC 3339 (default: from the file, else its modification time)")
	attendees := fs.String("attendees", "", "comma-separated attendee emails")
	tags := fs.String("tags", "", "comma-separated tags")
	visibility := fs.String("visibility", "team", "team or private")
	format := fs.String("format", "auto", "auto, vtt, srt, otter, fireflies or text")
	files, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("import needs at least one FILE")
	}
	if *email == "" {
		return usagef("--email is required")
	}
	f, err := transcript.ParseFormat(*format)
	if err != nil {
		return err
	}
	vis := meetingintel.Visibility(strings.ToLower(*visibility))
	if vis != meetingintel.VisibilityTeam && vis != meetingintel.VisibilityPrivate {
		return usagef("--visibility must be team or private, not %q", *visibility)
	}
	var when time.Time
	if *date != "" {
		if when, err = time.Parse(time.RFC3339, *date); err != nil {
			return usagef("--date %q is not RFC 3339, e.g. 2026-03-31T14:00:00Z", *date)
		}
	}
	flagAttendees, err := parseAttendees(*attendees)
	if err != nil {
		return err
	}

	// Parse every file before storing any, so one bad file stores nothing.
	var jobs []importJob
	for _, file := range files {
		job, err := parseFile(file, f)
		if err != nil {
			return err
		}
		m := job.meeting
		if *title != "" {
			m.Title = *title
		}
		if !when.IsZero() {
			m.Date = when
		}
		m.Attendees = mergeAttendees(flagAttendees, m.Attendees)
		m.Tags = splitList(*tags)
		m.Visibility = vis
		m.Normalize()
		if err := m.Validate(); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		if err := meetingintel.ValidateSegments(job.segs); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		jobs = append(jobs, job)
	}

	s, _, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	actx, _, err := actor(ctx, s, *email)
	if err != nil {
		return err
	}
	actx = inWorkspace(actx, *ws)
	for _, j := range jobs {
		created, err := s.ImportMeeting(actx, j.meeting, j.segs)
		if err != nil {
			return fmt.Errorf("%s: %w", j.file, err)
		}
		verb := "Imported"
		if !created {
			verb = "Updated"
		}
		fmt.Fprintf(e.stderr, "%s %s as meeting %d (%q, %d segments).\n", verb, j.file, j.meeting.ID, j.meeting.Title, len(j.segs))
		fmt.Fprintln(e.stdout, j.meeting.ID)
	}
	return nil
}

// parseFile reads and parses one transcript file into a meeting draft.
func parseFile(file string, f transcript.Format) (importJob, error) {
	fh, err := os.Open(file)
	if err != nil {
		return importJob{}, fmt.Errorf("%s: %w", file, unwrapPathError(err))
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return importJob{}, fmt.Errorf("%s: %w", file, unwrapPathError(err))
	}
	if st.IsDir() {
		return importJob{}, fmt.Errorf("%s: is a folder, not a transcript file", file)
	}
	if st.Size() > transcript.MaxSize {
		return importJob{}, fmt.Errorf("%s: file is %d bytes, over the %d-byte limit", file, st.Size(), transcript.MaxSize)
	}
	data, err := io.ReadAll(io.LimitReader(fh, transcript.MaxSize+1))
	if err != nil {
		return importJob{}, fmt.Errorf("%s: %w", file, err)
	}
	t, err := transcript.Parse(data, f)
	if err != nil {
		return importJob{}, fmt.Errorf("%s: %w", file, err)
	}
	m := &meetingintel.Meeting{}
	meetinginput.FillFromTranscript(m, t)
	if m.Title == "" {
		m.Title = meetinginput.TitleFromFile(file)
	}
	if m.Date.IsZero() {
		m.Date = st.ModTime().UTC().Truncate(time.Second)
	}
	meetinginput.KeyByContent(m, data)
	return importJob{file: file, meeting: m, segs: t.Segments}, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parseAttendees reads "a@x,b@y" into attendees named after their address.
func parseAttendees(s string) ([]meetingintel.Attendee, error) {
	var out []meetingintel.Attendee
	for _, addr := range splitList(s) {
		norm, err := meetingintel.NormalizeEmail(addr)
		if err != nil {
			return nil, usagef("--attendees: %s", meetingintel.ErrorMessage(err))
		}
		out = append(out, meetingintel.Attendee{Name: nameFromEmail(norm), Email: norm})
	}
	return out, nil
}

// nameFromEmail guesses "Ana Ruiz" from "ana.ruiz@example.com".
func nameFromEmail(email string) string {
	local, _, _ := strings.Cut(email, "@")
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' })
	for i, p := range parts {
		r := []rune(p)
		r[0] = unicode.ToUpper(r[0])
		parts[i] = string(r)
	}
	return strings.Join(parts, " ")
}

// mergeAttendees puts the given attendees first and adds speakers from the
// transcript whose names are not among them already.
func mergeAttendees(given, speakers []meetingintel.Attendee) []meetingintel.Attendee {
	out := append([]meetingintel.Attendee(nil), given...)
	for _, sp := range speakers {
		dup := false
		for _, g := range given {
			if strings.EqualFold(g.Name, sp.Name) || (sp.Email != "" && strings.EqualFold(g.Email, sp.Email)) ||
				strings.EqualFold(strings.Fields(g.Name + " x")[0], sp.Name) {
				dup = true
				break
			}
		}
		if !dup && !strings.EqualFold(sp.Name, "Unknown") {
			out = append(out, sp)
		}
	}
	return out
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
