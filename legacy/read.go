// Package legacy reads the data of the system Meeting Intelligence replaces
// (a Python service on Azure SQL) and imports it into a meetingintel.Store:
// JSON as its REST API returned it (/api/meetings, /api/meetings/{id},
// /api/actions, /api/decisions) or CSV exports of its Meeting, Action and
// Decision tables.
//
// Reading is lenient about the shape of the data (PascalCase or snake_case
// names, numbers or strings for ids, a BOM, CRLF, SQL Server's NULL) and
// strict about its content: a row that cannot be imported faithfully (no
// date, no text, a link to a meeting that does not exist) is skipped and
// reported, never guessed. Importing is idempotent, so a partial run can
// simply be run again.
package legacy

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxFileSize bounds one file read; a full export of the old database is
// far smaller (its transcripts were capped well below this).
const MaxFileSize = 256 << 20

// Meeting is one meeting as the old system stored it, every field as text.
type Meeting struct {
	Ref             string // where it was read: "meetings.csv row 3", "meeting-7.json"
	ID              string // MeetingId
	Title           string
	Date            string // MeetingDate
	Transcript      string // RawTranscript
	Summary         string
	Attendees       string // comma or semicolon separated emails or names
	Source          string
	SourceMeetingID string
	Tags            string // comma separated
	CreatedBy       string
	CreatedAt       string
}

// Action is one action item as the old system stored it.
type Action struct {
	Ref       string
	ID        string // ActionId
	MeetingID string // "" when not linked to a meeting
	Text      string // ActionText
	Owner     string
	DueDate   string
	Status    string
	Notes     string
	CreatedBy string
}

// Decision is one decision as the old system stored it.
type Decision struct {
	Ref       string
	ID        string // DecisionId
	MeetingID string
	Text      string // DecisionText
	Context   string
	CreatedBy string
}

// Batch is everything read from a set of files.
type Batch struct {
	Meetings  []Meeting
	Actions   []Action
	Decisions []Decision
	// Ignored lists files in a folder that are neither JSON nor CSV.
	Ignored []string
	// Workspace is the manifest of the workspace export this batch was
	// read from (a folder with an export-manifest.json), nil for other
	// data. Its old ids are that workspace's own, so Import keeps them
	// apart from another workspace's same numbers.
	Workspace *Manifest

	rows map[string]int // rows read by kind, for the manifest's counts
}

// Read reads files and folders (every .json and .csv file in a folder and
// its subfolders, in name order) into one batch. A file that is not the
// old system's data is an error naming it: nothing is imported from a
// batch that cannot be read whole. Paths holding more than one workspace
// export are refused (their ids would collide): use ReadAll.
func Read(paths ...string) (*Batch, error) {
	bs, err := ReadAll(paths...)
	if err != nil {
		return nil, err
	}
	if len(bs) == 1 {
		return bs[0], nil
	}
	var dirs []string
	for _, b := range bs {
		if b.Workspace != nil {
			dirs = append(dirs, b.Workspace.Dir)
		} else {
			dirs = append(dirs, "data outside any workspace export")
		}
	}
	return nil, fmt.Errorf("the paths hold %d workspace exports (%s): read them with ReadAll, one batch each", len(bs), strings.Join(dirs, ", "))
}

// ReadAll reads files and folders as Read does, but keeps each workspace
// export apart: a folder with an export-manifest.json (and everything
// under it but nested workspace exports) is one batch with its Workspace
// set, so a multi-workspace export (a folder of such folders) gives one
// batch per workspace; data outside any export comes first, in one batch.
// Every file of every batch is read before ReadAll returns, so an
// unreadable file anywhere stops the whole import before it starts.
func ReadAll(paths ...string) ([]*Batch, error) {
	plain := &Batch{}
	byDir := map[string]*Batch{}
	var order []*Batch
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, unwrapPathError(err))
		}
		if !st.IsDir() {
			if strings.EqualFold(filepath.Base(p), ManifestName) {
				return nil, fmt.Errorf("%s: give the export's folder, not its manifest", p)
			}
			if err := plain.readFile(p, filepath.Base(p)); err != nil {
				return nil, err
			}
			continue
		}
		p = filepath.Clean(p)
		var files, manifests []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.EqualFold(d.Name(), ManifestName) {
				manifests = append(manifests, path)
				return nil
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".json", ".csv":
				files = append(files, path)
			default:
				if !strings.HasPrefix(d.Name(), ".") {
					plain.Ignored = append(plain.Ignored, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, unwrapPathError(err))
		}
		sort.Strings(manifests)
		for _, mp := range manifests {
			dir := filepath.Dir(mp)
			if byDir[dir] != nil {
				continue // the same folder given twice
			}
			data, err := readLimited(mp)
			if err != nil {
				return nil, err
			}
			m, err := parseManifest(mp, dir, data)
			if err != nil {
				return nil, err
			}
			for _, b := range order {
				if b.Workspace.Slug == m.Slug {
					return nil, fmt.Errorf("%s and %s are both workspace %q: import them one at a time, or rename one", b.Workspace.Ref, mp, m.Slug)
				}
			}
			b := &Batch{Workspace: m}
			byDir[dir] = b
			order = append(order, b)
		}
		sort.Strings(files)
		for _, f := range files {
			b, ref := plain, filepath.Base(f)
			// The nearest folder above f with a manifest owns it.
			for dir := filepath.Dir(f); ; dir = filepath.Dir(dir) {
				if wb := byDir[dir]; wb != nil {
					b, ref = wb, filepath.Join(baseName(dir), filepath.Base(f))
					break
				}
				if dir == p || dir == filepath.Dir(dir) || !strings.HasPrefix(dir, p) {
					break
				}
			}
			if err := b.readFile(f, ref); err != nil {
				return nil, err
			}
		}
	}
	order = dropIndexes(order)
	sortWorkspaces(order)
	var out []*Batch
	if len(plain.Meetings)+len(plain.Actions)+len(plain.Decisions) > 0 || len(order) == 0 {
		out = append(out, plain)
	} else if len(plain.Ignored) > 0 {
		order[0].Ignored = append(order[0].Ignored, plain.Ignored...)
	}
	return append(out, order...), nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// dropIndexes removes the manifest of a multi-workspace export's top
// folder: it holds no rows itself and has workspace exports below it.
func dropIndexes(bs []*Batch) []*Batch {
	var out []*Batch
	for _, b := range bs {
		index := false
		if len(b.rows) == 0 {
			for _, o := range bs {
				if o != b && strings.HasPrefix(o.Workspace.Dir, b.Workspace.Dir+string(filepath.Separator)) {
					index = true
					break
				}
			}
		}
		if !index {
			out = append(out, b)
		}
	}
	return out
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: file is over the %d-byte limit", path, MaxFileSize)
	}
	return data, nil
}

// readFile reads one data file; name is how its rows are referred to.
func (b *Batch) readFile(path, name string) error {
	data, err := readLimited(path)
	if err != nil {
		return err
	}
	if err := b.Add(name, data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Add reads one file's content: JSON when it starts with { or [, else CSV.
// name is used in references and messages.
func (b *Batch) Add(name string, data []byte) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return errors.New("not UTF-8 text (export the data as UTF-8)")
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return errors.New("the file is empty")
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		return b.addJSON(name, trimmed)
	}
	return b.addCSV(name, data)
}

// record is one row or object with normalised field names.
type record map[string]string

// normKey folds MeetingId, meeting_id and "Meeting Id" to "meetingid".
func normKey(k string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(k)) {
		if r != '_' && r != '-' && r != ' ' {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// get returns the first non-empty field of the given names.
func (r record) get(keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(r[k]); v != "" {
			return v
		}
	}
	return ""
}

// raw is get without trimming, for text whose layout matters.
func (r record) raw(keys ...string) string {
	for _, k := range keys {
		if strings.TrimSpace(r[k]) != "" {
			return r[k]
		}
	}
	return ""
}

// kind tells what a record is from the fields it has.
func (r record) kind() string {
	has := func(k string) bool { _, ok := r[k]; return ok }
	switch {
	case has("actionid") || has("actiontext"):
		return "action"
	case has("decisionid") || has("decisiontext"):
		return "decision"
	case has("title") || has("meetingdate") || has("rawtranscript"):
		return "meeting"
	}
	return ""
}

func (b *Batch) addRecord(ref string, r record) error {
	if k := r.kind(); k != "" {
		if b.rows == nil {
			b.rows = map[string]int{}
		}
		b.rows[k]++
	}
	switch r.kind() {
	case "meeting":
		b.Meetings = append(b.Meetings, Meeting{
			Ref: ref, ID: r.get("meetingid", "id"), Title: r.get("title"),
			Date: r.get("meetingdate", "date"), Transcript: r.raw("rawtranscript", "transcript"),
			Summary: r.raw("summary"), Attendees: r.get("attendees"), Source: r.get("source"),
			SourceMeetingID: r.get("sourcemeetingid"), Tags: r.get("tags"),
			CreatedBy: r.get("createdby"), CreatedAt: r.get("createdat"),
		})
	case "action":
		b.Actions = append(b.Actions, Action{
			Ref: ref, ID: r.get("actionid", "id"), MeetingID: r.get("meetingid"),
			Text: r.get("actiontext", "text"), Owner: r.get("owner"), DueDate: r.get("duedate"),
			Status: r.get("status"), Notes: r.raw("notes"), CreatedBy: r.get("createdby"),
		})
	case "decision":
		b.Decisions = append(b.Decisions, Decision{
			Ref: ref, ID: r.get("decisionid", "id"), MeetingID: r.get("meetingid"),
			Text: r.get("decisiontext", "text"), Context: r.raw("context"), CreatedBy: r.get("createdby"),
		})
	default:
		return fmt.Errorf("%s is not a meeting, action or decision of the old system (no Title, ActionText or DecisionText field)", ref)
	}
	return nil
}

// addCSV reads a table export: a header row naming the columns, which
// also tells the table (Meeting, Action or Decision).
func (b *Batch) addCSV(name string, data []byte) error {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1 // exports pad or trim trailing empty columns
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("not CSV: %s", csvMsg(err))
	}
	cols := make([]string, len(header))
	for i, h := range header {
		cols[i] = normKey(h)
	}
	if record(setOf(cols)).kind() == "" {
		return fmt.Errorf("the CSV header (%s) is not that of the Meeting, Action or Decision table", strings.Join(header, ", "))
	}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("not valid CSV: %s", csvMsg(err))
		}
		line, _ := cr.FieldPos(0)
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue
		}
		r := record{}
		for i, c := range cols {
			if i < len(row) && row[i] != "NULL" { // SQL Server writes NULL for missing values
				r[c] = row[i]
			} else {
				r[c] = ""
			}
		}
		if err := b.addRecord(fmt.Sprintf("%s line %d", name, line), r); err != nil {
			return err
		}
	}
}

func setOf(keys []string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		m[k] = ""
	}
	return m
}

func csvMsg(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("line %d: %v", pe.Line, pe.Err)
	}
	return err.Error()
}

// addJSON reads what the old REST API answered: an array of objects, an
// object wrapping one ({"meetings": [...]}, {"items": [...]}), or one
// object (GET /api/meetings/{id}), whose nested actions and decisions are
// read too and linked to it.
func (b *Batch) addJSON(name string, data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("not valid JSON: %s", jsonMsg(data, err))
	}
	if dec.More() {
		return errors.New("not valid JSON: more than one value in the file")
	}
	switch t := v.(type) {
	case []any:
		return b.addList(name, t)
	case map[string]any:
		keys := map[string]string{}
		for k := range t {
			keys[normKey(k)] = ""
		}
		// {"meetings": [...]} wraps a list; a meeting's own "actions"
		// array does not make it a wrapper.
		if record(keys).kind() == "" {
			if list, ok := wrappedList(t); ok {
				return b.addList(name, list)
			}
		}
		return b.addObject(name, t)
	}
	return errors.New("the JSON is neither an object nor an array")
}

// wrappedList finds the array in {"meetings": [...], "total": 3}.
func wrappedList(obj map[string]any) ([]any, bool) {
	for k, v := range obj {
		switch normKey(k) {
		case "meetings", "actions", "decisions", "items", "data", "results", "value":
			if list, ok := v.([]any); ok {
				return list, true
			}
		}
	}
	return nil, false
}

func (b *Batch) addList(name string, list []any) error {
	for i, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			return fmt.Errorf("%s[%d] is not an object", name, i)
		}
		if err := b.addObject(fmt.Sprintf("%s[%d]", name, i), obj); err != nil {
			return err
		}
	}
	return nil
}

// addObject reads one object; a meeting's nested "actions"/"decisions"
// arrays become records linked to it.
func (b *Batch) addObject(ref string, obj map[string]any) error {
	r := record{}
	var nested []struct {
		key  string
		list []any
	}
	for k, v := range obj {
		nk := normKey(k)
		switch nk {
		case "actions", "actionitems", "decisions":
			if list, ok := v.([]any); ok {
				nested = append(nested, struct {
					key  string
					list []any
				}{nk, list})
				continue
			}
		}
		r[nk] = jsonText(v)
	}
	if err := b.addRecord(ref, r); err != nil {
		return err
	}
	if r.kind() != "meeting" {
		return nil
	}
	sort.Slice(nested, func(i, j int) bool { return nested[i].key < nested[j].key })
	meetingID := r.get("meetingid", "id")
	for _, n := range nested {
		for i, item := range n.list {
			obj, ok := item.(map[string]any)
			if !ok {
				return fmt.Errorf("%s.%s[%d] is not an object", ref, n.key, i)
			}
			child := record{}
			for k, v := range obj {
				child[normKey(k)] = jsonText(v)
			}
			if child.get("meetingid") == "" {
				child["meetingid"] = meetingID
			}
			// The array says what its items are even when they carry only
			// "text" and "id".
			if child.kind() == "" || child.kind() == "meeting" {
				if n.key == "decisions" {
					child["decisiontext"] = child.get("text")
				} else {
					child["actiontext"] = child.get("text")
				}
			}
			if err := b.addRecord(fmt.Sprintf("%s.%s[%d]", ref, n.key, i), child); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonText renders a JSON value as the text a CSV cell would hold: numbers
// as written, null as "", arrays of strings joined with commas, attendee
// objects as "Name <email>".
func jsonText(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case []any:
		parts := make([]string, 0, len(t))
		for _, x := range t {
			if obj, ok := x.(map[string]any); ok {
				r := record{}
				for k, v := range obj {
					r[normKey(k)] = jsonText(v)
				}
				name, email := r.get("name", "displayname"), r.get("email", "address")
				switch {
				case name != "" && email != "":
					parts = append(parts, name+" <"+email+">")
				case email != "":
					parts = append(parts, email)
				case name != "":
					parts = append(parts, name)
				}
				continue
			}
			if s := jsonText(x); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonMsg(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return fmt.Sprintf("line %d: %v", line, se)
	}
	return err.Error()
}
