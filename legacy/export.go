package legacy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

// ManifestName is the file the replaced system's offboarding export
// (export_client_data.py, DESIGN §12) writes beside meeting.json,
// action.json and decision.json: it names the workspace and says how many
// rows of each kind it wrote. A folder holding one is one workspace's
// export; a folder of such folders is a multi-workspace export.
const ManifestName = "export-manifest.json"

// Manifest is what an export-manifest.json says.
type Manifest struct {
	Ref  string // the file, as given
	Dir  string // the workspace export's folder
	Slug string // the workspace's slug: given, else made from its name or folder
	Name string // its display name; the slug when the manifest names none
	// ExportedAt is the export time as written; At is it parsed, zero when
	// it is missing or not a time.
	ExportedAt string
	At         time.Time
	// Counts are the rows the export says it wrote, by kind ("meeting",
	// "action", "decision"); a kind it does not state is absent.
	Counts map[string]int
}

// parseManifest reads an export-manifest.json. It is lenient about names
// (snake_case or camelCase, "workspace" as a slug or an object, counts
// nested or flat) and strict about what it relies on: a workspace that can
// be named and counts that are whole numbers.
func parseManifest(ref, dir string, data []byte) (*Manifest, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%s: not valid JSON: %s", ref, jsonMsg(data, err))
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: the manifest is not a JSON object", ref)
	}
	top := normObject(obj)
	m := &Manifest{Ref: ref, Dir: dir, Counts: map[string]int{}}
	ws := map[string]any{}
	switch w := top["workspace"].(type) {
	case map[string]any:
		ws = normObject(w)
	case string:
		ws["slug"] = w
	}
	// str is the first of vals that is a non-empty string or number.
	str := func(vals ...any) string {
		for _, x := range vals {
			switch x.(type) {
			case string, json.Number:
				if s := strings.TrimSpace(jsonText(x)); s != "" {
					return s
				}
			}
		}
		return ""
	}
	m.Slug = str(ws["slug"], top["workspaceslug"], top["slug"])
	m.Name = str(ws["name"], ws["displayname"], top["workspacename"], top["name"])
	m.ExportedAt = str(top["exportedat"], top["exporttime"], top["exported"], top["createdat"], top["generatedat"], top["timestamp"])
	if m.ExportedAt != "" {
		if t, err := parseTime(m.ExportedAt); err == nil {
			m.At = t
		}
	}
	given := m.Slug != ""
	switch {
	case given:
	case m.Name != "":
		m.Slug = meetingintel.Slugify(m.Name)
	default:
		m.Slug = meetingintel.Slugify(baseName(dir))
	}
	// The replaced system's slug rule is ours (DESIGN §12).
	if err := meetingintel.ValidateSlug(m.Slug); err != nil {
		if given {
			return nil, fmt.Errorf("%s: %s", ref, meetingintel.ErrorMessage(err))
		}
		return nil, fmt.Errorf("%s: the workspace it names makes no usable slug (%s); set workspace.slug", ref, meetingintel.ErrorMessage(err))
	}
	if m.Name == "" {
		m.Name = m.Slug
	}
	if err := m.readCounts(top); err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	return m, nil
}

// readCounts finds the row counts: {"counts": {"meetings": 3}},
// {"meeting_count": 3}, {"tables": [{"table": "meeting", "rows": 3}]} or
// {"files": {"meeting.json": 3}}.
func (m *Manifest) readCounts(top map[string]any) error {
	set := func(label string, key string, v any) error {
		kind := kindOf(key)
		if kind == "" {
			return nil
		}
		if o, ok := v.(map[string]any); ok {
			n := normObject(o)
			v = firstOf(n, "count", "rows", "rowcount", "records", "total")
			if v == nil {
				return nil
			}
		}
		num, ok := v.(json.Number)
		if !ok {
			return fmt.Errorf("%s %s: %s is not a number", label, key, jsonText(v))
		}
		c, err := strconv.Atoi(num.String())
		if err != nil || c < 0 {
			return fmt.Errorf("%s %s: %s is not a row count", label, key, num)
		}
		m.Counts[kind] = c
		return nil
	}
	for _, key := range []string{"counts", "rowcounts", "totals", "files", "tables", "entities"} {
		switch t := top[key].(type) {
		case map[string]any:
			for k, v := range t {
				if err := set(key, k, v); err != nil {
					return err
				}
			}
		case []any:
			for i, x := range t {
				o, ok := x.(map[string]any)
				if !ok {
					continue
				}
				n := normObject(o)
				name := jsonText(firstOf(n, "table", "entity", "file", "name", "type"))
				if err := set(fmt.Sprintf("%s[%d]", key, i), name, n); err != nil {
					return err
				}
			}
		}
	}
	for k, v := range top {
		for _, suffix := range []string{"count", "rows"} {
			if strings.HasSuffix(k, suffix) && k != suffix {
				if err := set("", strings.TrimSuffix(k, suffix), v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// kindOf reads "meetings", "Meeting", "meeting.json", "action_items" as a
// row kind, "" when it is none.
func kindOf(key string) string {
	k := normKey(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(key)), ".json"))
	k = strings.TrimPrefix(k, "num")
	switch k {
	case "meeting", "meetings":
		return "meeting"
	case "action", "actions", "actionitem", "actionitems":
		return "action"
	case "decision", "decisions":
		return "decision"
	}
	return ""
}

func normObject(o map[string]any) map[string]any {
	out := make(map[string]any, len(o))
	for k, v := range o {
		out[normKey(k)] = v
	}
	return out
}

func firstOf(o map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := o[k]; ok && v != nil {
			return v
		}
	}
	return nil
}

func baseName(dir string) string {
	dir = strings.TrimRight(dir, `/\`)
	if i := strings.LastIndexAny(dir, `/\`); i >= 0 {
		return dir[i+1:]
	}
	return dir
}

// CountMismatches compares the rows read from a workspace export with the
// counts its manifest states: one line per kind that differs. A shorter
// file than its manifest says is an export cut off mid-way; importing it
// would store half a workspace.
func (b *Batch) CountMismatches() []string {
	if b.Workspace == nil {
		return nil
	}
	got := map[string]int{"meeting": b.rows["meeting"], "action": b.rows["action"], "decision": b.rows["decision"]}
	var out []string
	for _, kind := range []string{"meeting", "action", "decision"} {
		want, ok := b.Workspace.Counts[kind]
		if !ok || want == got[kind] {
			continue
		}
		out = append(out, fmt.Sprintf("%s says %d %ss, the export's files hold %d", b.Workspace.Ref, want, kind, got[kind]))
	}
	return out
}

// CheckCounts is CountMismatches as one error naming every batch's
// mismatches, nil when every stated count holds.
func CheckCounts(batches []*Batch) error {
	var lines []string
	for _, b := range batches {
		lines = append(lines, b.CountMismatches()...)
	}
	if len(lines) == 0 {
		return nil
	}
	return errors.New("the export does not hold what its manifest says (nothing was imported):\n  " + strings.Join(lines, "\n  "))
}

// sortWorkspaces orders workspace batches by folder, plain data first.
func sortWorkspaces(bs []*Batch) {
	sort.SliceStable(bs, func(i, j int) bool {
		a, b := bs[i].Workspace, bs[j].Workspace
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		}
		return a.Dir < b.Dir
	})
}
