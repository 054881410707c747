package legacy

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/meetingintel/meetingintel"
)

// Counts says what happened to the rows of one kind.
type Counts struct {
	Imported  int // new here
	Updated   int // existed from an earlier run, changed to match the data
	Unchanged int // existed from an earlier run, already the same
	Skipped   int // not imported; see Report.Skips
}

// Skip is one row that was not imported, and why.
type Skip struct {
	Kind   string // "meeting", "action", "decision"
	Ref    string // where it was read
	ID     string // its old id, "" when it had none
	Reason string
}

// Report is what an import did.
type Report struct {
	// Workspace is the manifest of the workspace export imported, nil
	// for other data.
	Workspace                    *Manifest
	Meetings, Actions, Decisions Counts
	Skips                        []Skip
	// Notes are rows imported with a change worth knowing (a transcript
	// kept as plain text, an unknown status read as Open, ...).
	Notes []string
	// Authors counts rows by the user they were stored as: the row's
	// CreatedBy when that is a user here, else the acting user.
	Authors map[string]int
	// UnknownAuthors lists CreatedBy values that are not users here (their
	// rows were stored as the acting user).
	UnknownAuthors []string
	// NonMembers lists CreatedBy users who may not add to the workspace
	// imported into (their rows were stored as the acting user).
	NonMembers []string
}

// Import stores a batch as actor (the `--email` user), acting as a row's
// CreatedBy where that names an active user of this instance (so
// created_by stays true to the old data), and returns what it did.
//
// It is idempotent:
//   - meetings go through ImportMeeting keyed by their own Source and
//     SourceMeetingId when both are present, else by Source "Legacy" and
//     "legacy-<MeetingId>": a re-run updates them in place;
//   - actions carry their old id as the last line of their notes
//     ("[legacy-action:17]"), found again on a re-run even if their text
//     was edited here; without an old id, the same text on the same
//     meeting is the same action;
//   - decisions cannot be edited here, so the same text on the same
//     meeting is the same decision.
//
// The old ids of a workspace export (b.Workspace set) are that workspace's
// own database's, so two workspaces both have a meeting 1: they are kept
// as "<slug>/<id>" ("legacy-acme/1", "[legacy-action:acme/17]").
//
// A row that cannot be imported is skipped and reported; a database
// failure stops the import and is returned with the report so far (run it
// again: what is stored stays stored once).
func Import(ctx context.Context, s meetingintel.Store, actor *meetingintel.User, b *Batch) (*Report, error) {
	if actor == nil {
		return nil, meetingintel.Errorf(meetingintel.EINVALID, "An acting user is required.")
	}
	im := &importer{s: s, actor: actor, rep: &Report{Authors: map[string]int{}},
		users: map[string]*meetingintel.User{}, meetingIDs: map[string]int64{}, skippedMeetings: map[string]string{}}
	im.ctx = meetingintel.NewContextWithUser(ctx, actor)
	im.rep.Workspace = b.Workspace
	if b.Workspace != nil {
		b = namespaced(b, b.Workspace.Slug+"/")
	}
	if err := im.meetings(mergeMeetings(b.Meetings)); err != nil {
		return im.rep, err
	}
	if err := im.actions(mergeActions(b.Actions)); err != nil {
		return im.rep, err
	}
	if err := im.decisions(mergeDecisions(b.Decisions)); err != nil {
		return im.rep, err
	}
	return im.rep, nil
}

// namespaced returns a copy of b with every old id (and link to one)
// prefixed, so it cannot meet another workspace's same id.
func namespaced(b *Batch, prefix string) *Batch {
	ns := func(id string) string {
		if id == "" {
			return ""
		}
		return prefix + id
	}
	out := &Batch{Workspace: b.Workspace,
		Meetings:  make([]Meeting, len(b.Meetings)),
		Actions:   make([]Action, len(b.Actions)),
		Decisions: make([]Decision, len(b.Decisions))}
	for i, m := range b.Meetings {
		m.ID = ns(m.ID)
		out.Meetings[i] = m
	}
	for i, a := range b.Actions {
		a.ID, a.MeetingID = ns(a.ID), ns(a.MeetingID)
		out.Actions[i] = a
	}
	for i, d := range b.Decisions {
		d.ID, d.MeetingID = ns(d.ID), ns(d.MeetingID)
		out.Decisions[i] = d
	}
	return out
}

type importer struct {
	ctx   context.Context // acts as the actor
	s     meetingintel.Store
	actor *meetingintel.User
	rep   *Report

	users           map[string]*meetingintel.User // CreatedBy -> user, nil when unknown
	meetingIDs      map[string]int64              // old MeetingId -> id here
	skippedMeetings map[string]string             // old MeetingId -> why it was skipped
	existing        map[string]int64              // "legacy-<id>" -> id here, from earlier runs
	actionsByMarker map[string]*meetingintel.Action
	actionsByText   map[string]*meetingintel.Action
	decisionTexts   map[int64]map[string]bool
}

// fatal reports whether err must stop the import: anything that is not
// about the row itself (database down, disk full).
func fatal(err error) bool {
	switch meetingintel.ErrorCode(err) {
	case meetingintel.EINVALID, meetingintel.ECONFLICT, meetingintel.ENOTFOUND, meetingintel.EFORBIDDEN:
		return false
	}
	return err != nil
}

// as returns a context acting as the row's author when that is an active
// user here, else as the actor.
func (im *importer) as(createdBy string) context.Context {
	email, err := meetingintel.NormalizeEmail(createdBy)
	if createdBy == "" || err != nil {
		im.rep.Authors[im.actor.Email]++
		if createdBy != "" {
			im.unknownAuthor(createdBy)
		}
		return im.ctx
	}
	u, seen := im.users[email]
	if !seen {
		u, err = im.s.FindUserByEmail(im.ctx, email)
		if err != nil || !u.Active {
			u = nil
		}
		if u != nil && !im.mayWrite(u) {
			// A user here, but not one who may add to this workspace: their
			// rows would be refused, so the actor stores them.
			im.rep.NonMembers = appendOnce(im.rep.NonMembers, u.Email)
			u = nil
		} else if u == nil {
			im.unknownAuthor(email)
		}
		im.users[email] = u
	}
	if u == nil {
		im.rep.Authors[im.actor.Email]++
		return im.ctx
	}
	im.rep.Authors[u.Email]++
	return meetingintel.NewContextWithUser(im.ctx, u)
}

// mayWrite reports whether u may add to the workspace the import goes
// into (the context's; with none chosen, the store's own choice applies to
// everyone alike).
func (im *importer) mayWrite(u *meetingintel.User) bool {
	if u.ID == im.actor.ID {
		return true
	}
	ref := meetingintel.WorkspaceFromContext(im.ctx)
	if ref == "" {
		return true
	}
	w, err := im.s.FindWorkspace(meetingintel.NewContextWithUser(im.ctx, u), ref)
	return err == nil && !w.Archived() && w.Role.CanWrite()
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func (im *importer) unknownAuthor(a string) {
	for _, x := range im.rep.UnknownAuthors {
		if x == a {
			return
		}
	}
	im.rep.UnknownAuthors = append(im.rep.UnknownAuthors, a)
}

func (im *importer) skip(kind, ref, id, format string, args ...any) {
	im.rep.Skips = append(im.rep.Skips, Skip{Kind: kind, Ref: ref, ID: id, Reason: fmt.Sprintf(format, args...)})
	switch kind {
	case "meeting":
		im.rep.Meetings.Skipped++
		if id != "" {
			im.skippedMeetings[id] = fmt.Sprintf(format, args...)
		}
	case "action":
		im.rep.Actions.Skipped++
	case "decision":
		im.rep.Decisions.Skipped++
	}
}

func (im *importer) note(ref, format string, args ...any) {
	im.rep.Notes = append(im.rep.Notes, ref+": "+fmt.Sprintf(format, args...))
}

func (im *importer) meetings(ms []Meeting) error {
	for _, lm := range ms {
		m, segs, err := im.toMeeting(lm)
		if err != nil {
			im.skip("meeting", lm.Ref, lm.ID, "%s", err)
			continue
		}
		created, err := im.s.ImportMeeting(im.as(lm.CreatedBy), m, segs)
		if fatal(err) {
			return fmt.Errorf("%s: %w", lm.Ref, err)
		} else if err != nil {
			im.skip("meeting", lm.Ref, lm.ID, "%s", meetingintel.ErrorMessage(err))
			continue
		}
		if created {
			im.rep.Meetings.Imported++
		} else {
			im.rep.Meetings.Updated++
		}
		if lm.ID != "" {
			im.meetingIDs[lm.ID] = m.ID
		}
	}
	return nil
}

func (im *importer) toMeeting(lm Meeting) (*meetingintel.Meeting, []meetingintel.Segment, error) {
	date, err := parseTime(lm.Date)
	if err != nil {
		return nil, nil, fmt.Errorf("bad MeetingDate: %v", err)
	}
	m := &meetingintel.Meeting{
		Title:   lm.Title,
		Date:    date,
		Summary: strings.TrimSpace(lm.Summary),
		Source:  lm.Source,
	}
	switch {
	case lm.Source != "" && lm.SourceMeetingID != "":
		m.SourceMeetingID = lm.SourceMeetingID
	case lm.ID != "":
		m.Source, m.SourceMeetingID = SourceLegacy, SourceIDPrefix+lm.ID
	default:
		return nil, nil, fmt.Errorf("no MeetingId (nor Source and SourceMeetingId), so a re-run could not find it again")
	}
	if m.Title == "" {
		m.Title = "Meeting of " + date.Format("2006-01-02 15:04") + " UTC"
		im.note(lm.Ref, "no Title; titled %q", m.Title)
	}
	var dropped []string
	m.Tags, dropped = splitTags(lm.Tags)
	if len(dropped) > 0 {
		im.note(lm.Ref, "tags longer than %d characters dropped: %s", meetingintel.MaxTagLen, strings.Join(dropped, ", "))
	}
	t, note := parseTranscript(lm.Transcript)
	if note != "" {
		im.note(lm.Ref, "%s", note)
	}
	m.DurationMS = t.DurationMS
	m.Attendees = parseAttendees(lm.Attendees)
	if len(m.Attendees) == 0 {
		m.Attendees = t.Attendees
	}
	m.Normalize()
	if err := m.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s", meetingintel.ErrorMessage(err))
	}
	return m, t.Segments, nil
}

// meetingFor maps an old MeetingId to the id here: imported in this run,
// or in an earlier one (keyed "legacy-<id>"). why says why not when 0.
func (im *importer) meetingFor(old string) (id int64, why string, err error) {
	if id, ok := im.meetingIDs[old]; ok {
		return id, "", nil
	}
	if why, ok := im.skippedMeetings[old]; ok {
		return 0, fmt.Sprintf("its meeting %s was skipped (%s)", old, why), nil
	}
	if im.existing == nil {
		im.existing = map[string]int64{}
		cursor := ""
		for {
			page, next, err := im.s.FindMeetings(im.ctx, meetingintel.MeetingFilter{Limit: meetingintel.MaxLimit, Cursor: cursor})
			if err != nil {
				return 0, "", err
			}
			for _, m := range page {
				if m.Source == SourceLegacy && strings.HasPrefix(m.SourceMeetingID, SourceIDPrefix) {
					im.existing[strings.TrimPrefix(m.SourceMeetingID, SourceIDPrefix)] = m.ID
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	if id, ok := im.existing[old]; ok {
		return id, "", nil
	}
	return 0, fmt.Sprintf("unknown meeting %s (not in this import nor imported before)", old), nil
}

// loadActions indexes every action here once, by old-id marker and by
// meeting and text.
func (im *importer) loadActions() error {
	im.actionsByMarker = map[string]*meetingintel.Action{}
	im.actionsByText = map[string]*meetingintel.Action{}
	cursor := ""
	for {
		page, next, err := im.s.FindActions(im.ctx, meetingintel.ActionFilter{Limit: meetingintel.MaxLimit, Cursor: cursor})
		if err != nil {
			return err
		}
		for _, a := range page {
			im.indexAction(a)
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
}

func (im *importer) indexAction(a *meetingintel.Action) {
	if id := markerID(a.Notes); id != "" {
		im.actionsByMarker[id] = a
	}
	im.actionsByText[textKey(a.MeetingID, a.Text)] = a
}

func textKey(meetingID *int64, text string) string {
	var id int64
	if meetingID != nil {
		id = *meetingID
	}
	return fmt.Sprintf("%d\x00%s", id, strings.ToLower(strings.Join(strings.Fields(text), " ")))
}

func (im *importer) actions(as []Action) error {
	if len(as) == 0 {
		return nil
	}
	if err := im.loadActions(); err != nil {
		return err
	}
	for _, la := range as {
		a := &meetingintel.Action{Text: strings.TrimSpace(la.Text), Owner: la.Owner, Notes: withMarker(la.Notes, la.ID)}
		if a.Text == "" {
			im.skip("action", la.Ref, la.ID, "no ActionText")
			continue
		}
		if la.MeetingID != "" {
			id, why, err := im.meetingFor(la.MeetingID)
			if err != nil {
				return err
			}
			if id == 0 {
				im.skip("action", la.Ref, la.ID, "%s", why)
				continue
			}
			a.MeetingID = &id
		}
		st, known := parseStatus(la.Status)
		if !known {
			im.note(la.Ref, "status %q is not Open, Complete or Parked; imported as Open", la.Status)
		}
		a.Status = st
		if la.DueDate != "" {
			if t, err := parseTime(la.DueDate); err != nil {
				im.note(la.Ref, "DueDate %q is not a date; imported without one", la.DueDate)
			} else {
				a.DueDate = t.Format(meetingintel.DateLayout)
			}
		}
		if err := a.Validate(); err != nil {
			im.skip("action", la.Ref, la.ID, "%s", meetingintel.ErrorMessage(err))
			continue
		}
		old := im.actionsByMarker[la.ID]
		if old == nil {
			// The same text on the same meeting is the same action, unless
			// it is marked as another old action (the old data repeated a
			// text under two ids: keep both, or re-runs would flip-flop).
			if t := im.actionsByText[textKey(a.MeetingID, a.Text)]; t != nil && (markerID(t.Notes) == "" || markerID(t.Notes) == la.ID) {
				old = t
			}
		}
		if old == nil {
			if err := im.s.CreateAction(im.as(la.CreatedBy), a); fatal(err) {
				return fmt.Errorf("%s: %w", la.Ref, err)
			} else if err != nil {
				im.skip("action", la.Ref, la.ID, "%s", meetingintel.ErrorMessage(err))
				continue
			}
			im.rep.Actions.Imported++
			im.indexAction(a)
			continue
		}
		if sameAction(old, a) {
			im.rep.Actions.Unchanged++
			continue
		}
		meetingID := int64(0) // 0 unlinks
		if a.MeetingID != nil {
			meetingID = *a.MeetingID
		}
		upd, err := im.s.UpdateAction(im.ctx, old.ID, meetingintel.ActionUpdate{
			Text: &a.Text, Owner: &a.Owner, DueDate: &a.DueDate, Status: &a.Status, Notes: &a.Notes, MeetingID: &meetingID,
		})
		if fatal(err) {
			return fmt.Errorf("%s: %w", la.Ref, err)
		} else if err != nil {
			im.skip("action", la.Ref, la.ID, "%s", meetingintel.ErrorMessage(err))
			continue
		}
		im.rep.Actions.Updated++
		im.indexAction(upd)
	}
	return nil
}

func sameAction(a, b *meetingintel.Action) bool {
	sameMeeting := (a.MeetingID == nil) == (b.MeetingID == nil) && (a.MeetingID == nil || *a.MeetingID == *b.MeetingID)
	return sameMeeting && a.Text == b.Text && a.Owner == b.Owner && a.DueDate == b.DueDate &&
		a.Status == b.Status && strings.TrimSpace(a.Notes) == strings.TrimSpace(b.Notes)
}

func (im *importer) decisions(ds []Decision) error {
	im.decisionTexts = map[int64]map[string]bool{}
	for _, ld := range ds {
		d := &meetingintel.Decision{Text: strings.TrimSpace(ld.Text), Context: ld.Context}
		switch {
		case d.Text == "":
			im.skip("decision", ld.Ref, ld.ID, "no DecisionText")
			continue
		case ld.MeetingID == "":
			im.skip("decision", ld.Ref, ld.ID, "no MeetingId (a decision belongs to a meeting)")
			continue
		}
		id, why, err := im.meetingFor(ld.MeetingID)
		if err != nil {
			return err
		}
		if id == 0 {
			im.skip("decision", ld.Ref, ld.ID, "%s", why)
			continue
		}
		d.MeetingID = id
		texts, err := im.decisionsOf(id)
		if err != nil {
			return err
		}
		key := textKey(nil, d.Text)
		if texts[key] {
			im.rep.Decisions.Unchanged++
			continue
		}
		if err := im.s.CreateDecision(im.as(ld.CreatedBy), d); fatal(err) {
			return fmt.Errorf("%s: %w", ld.Ref, err)
		} else if err != nil {
			im.skip("decision", ld.Ref, ld.ID, "%s", meetingintel.ErrorMessage(err))
			continue
		}
		texts[key] = true
		im.rep.Decisions.Imported++
	}
	return nil
}

// decisionsOf returns the texts of a meeting's decisions, read once.
func (im *importer) decisionsOf(meetingID int64) (map[string]bool, error) {
	if t, ok := im.decisionTexts[meetingID]; ok {
		return t, nil
	}
	t := map[string]bool{}
	cursor := ""
	for {
		page, next, err := im.s.FindDecisions(im.ctx, meetingintel.DecisionFilter{MeetingID: &meetingID, Limit: meetingintel.MaxLimit, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		for _, d := range page {
			t[textKey(nil, d.Text)] = true
		}
		if next == "" {
			break
		}
		cursor = next
	}
	im.decisionTexts[meetingID] = t
	return t, nil
}

// merge helpers: the same old row can come twice (the /api/meetings list
// and the /api/meetings/{id} detail, a meeting's nested actions and
// /api/actions). Rows with the same id are merged field by field, the
// fuller value winning; rows without an id are kept as they are.

func mergeMeetings(in []Meeting) []Meeting {
	return mergeBy(in, func(m Meeting) string { return m.ID }, func(a, b Meeting) Meeting {
		pick(&a.Title, b.Title)
		pick(&a.Date, b.Date)
		pick(&a.Transcript, b.Transcript)
		pick(&a.Summary, b.Summary)
		pick(&a.Attendees, b.Attendees)
		pick(&a.Source, b.Source)
		pick(&a.SourceMeetingID, b.SourceMeetingID)
		pick(&a.Tags, b.Tags)
		pick(&a.CreatedBy, b.CreatedBy)
		pick(&a.CreatedAt, b.CreatedAt)
		a.Ref += ", " + b.Ref
		return a
	})
}

func mergeActions(in []Action) []Action {
	return mergeBy(in, func(a Action) string { return a.ID }, func(a, b Action) Action {
		pick(&a.MeetingID, b.MeetingID)
		pick(&a.Text, b.Text)
		pick(&a.Owner, b.Owner)
		pick(&a.DueDate, b.DueDate)
		pick(&a.Status, b.Status)
		pick(&a.Notes, b.Notes)
		pick(&a.CreatedBy, b.CreatedBy)
		a.Ref += ", " + b.Ref
		return a
	})
}

func mergeDecisions(in []Decision) []Decision {
	return mergeBy(in, func(d Decision) string { return d.ID }, func(a, b Decision) Decision {
		pick(&a.MeetingID, b.MeetingID)
		pick(&a.Text, b.Text)
		pick(&a.Context, b.Context)
		pick(&a.CreatedBy, b.CreatedBy)
		a.Ref += ", " + b.Ref
		return a
	})
}

// pick keeps the fuller of two values: a list answer may abridge what the
// detail answer gives whole (attendee names, summaries), never the reverse.
func pick(dst *string, v string) {
	if len(strings.TrimSpace(v)) > len(strings.TrimSpace(*dst)) {
		*dst = v
	}
}

func mergeBy[T any](in []T, id func(T) string, merge func(a, b T) T) []T {
	out := make([]T, 0, len(in))
	at := map[string]int{}
	for _, x := range in {
		k := id(x)
		if k == "" {
			out = append(out, x)
			continue
		}
		if i, ok := at[k]; ok {
			out[i] = merge(out[i], x)
			continue
		}
		at[k] = len(out)
		out = append(out, x)
	}
	return out
}

// WriteTo prints the report for a person: counts per kind, then each
// skipped row with its reason, then the notes.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	if m := r.Workspace; m != nil {
		fmt.Fprintf(&b, "Workspace: %s (%s)", m.Slug, m.Name)
		if m.ExportedAt != "" {
			fmt.Fprintf(&b, ", exported %s", m.ExportedAt)
		}
		fmt.Fprintf(&b, ", from %s\n", m.Dir)
	}
	line := func(kind string, c Counts) {
		fmt.Fprintf(&b, "%-10s %d imported, %d updated, %d unchanged, %d skipped\n", kind+":", c.Imported, c.Updated, c.Unchanged, c.Skipped)
	}
	line("Meetings", r.Meetings)
	line("Actions", r.Actions)
	line("Decisions", r.Decisions)
	if len(r.Authors) > 0 {
		emails := make([]string, 0, len(r.Authors))
		for e := range r.Authors {
			emails = append(emails, e)
		}
		sort.Strings(emails)
		parts := make([]string, len(emails))
		for i, e := range emails {
			parts[i] = fmt.Sprintf("%s (%d)", e, r.Authors[e])
		}
		fmt.Fprintf(&b, "Stored as:  %s\n", strings.Join(parts, ", "))
	}
	if len(r.UnknownAuthors) > 0 {
		fmt.Fprintf(&b, "CreatedBy not a user here (stored as the acting user): %s\n", strings.Join(r.UnknownAuthors, ", "))
	}
	if len(r.NonMembers) > 0 {
		fmt.Fprintf(&b, "CreatedBy not a member who may add to this workspace (stored as the acting user): %s\n", strings.Join(r.NonMembers, ", "))
	}
	if len(r.Skips) > 0 {
		b.WriteString("Skipped:\n")
		for _, s := range r.Skips {
			id := ""
			if s.ID != "" {
				id = " " + s.ID
			}
			fmt.Fprintf(&b, "  %s%s (%s): %s\n", s.Kind, id, s.Ref, s.Reason)
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("Notes:\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
