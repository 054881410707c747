package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/meetingintel/meetingintel"

	"github.com/meetingintel/meetingintel/legacy"
)

// cmdImportLegacy imports the data of the system we replace (DESIGN §3,
// §12): JSON from its REST API, CSV exports of its tables, or its
// offboarding export (a folder with export-manifest.json, or a folder of
// such folders, one per workspace), files or folders. Every file is read,
// and every manifest's counts checked, before anything is stored, so an
// unreadable file or a cut-off export stores nothing; rows that cannot be
// imported are skipped and listed. The summary goes to stdout (it is the
// command's result).
func cmdImportLegacy(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("import-legacy", e)
	email := fs.String("email", "", "import as this user where the data names no author who is a user here (required)")
	ignoreCounts := fs.Bool("ignore-counts", false, "import a workspace export even when its files hold other row counts than its manifest says")
	wsRef := fs.String("workspace", "", "import into this workspace (id, slug or name; an org admin's import creates it when missing); "+
		"default: a workspace export's own workspace (by its manifest), other data the default workspace")
	paths, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usagef("import-legacy needs at least one PATH (a JSON or CSV file, a folder of them, or a workspace export)")
	}
	if *email == "" {
		return usagef("--email is required")
	}
	batches, err := legacy.ReadAll(paths...)
	if err != nil {
		return err
	}
	if err := legacy.CheckCounts(batches); err != nil {
		if !*ignoreCounts {
			return fmt.Errorf("%w\n(--ignore-counts imports what the files hold)", err)
		}
		fmt.Fprintf(e.stderr, "Warning: %v\n", strings.Replace(err.Error(), " (nothing was imported)", "", 1))
	}
	for _, b := range batches {
		for _, f := range b.Ignored {
			fmt.Fprintf(e.stderr, "Ignored %s: neither .json nor .csv.\n", f)
		}
	}
	s, _, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	actx, u, err := actor(ctx, s, *email)
	if err != nil {
		return err
	}
	if *wsRef != "" && len(batches) > 1 {
		return usagef("--workspace names one workspace, but the paths hold %d workspace exports: leave it out to import each into its own", len(batches))
	}
	// Every target is resolved (and its creation checked) before anything
	// is stored, so a workspace the user may not write stops the command
	// before the first row.
	targets := make([]*wsTarget, len(batches))
	for i, b := range batches {
		if targets[i], err = planWorkspace(actx, s, u, *wsRef, b.Workspace); err != nil {
			return err
		}
	}
	for i, b := range batches {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		ws, err := targets[i].ensure(actx, s, u)
		if err != nil {
			return err
		}
		note := ""
		if targets[i].create {
			note = ", created, you its chair"
		}
		fmt.Fprintf(e.stdout, "Into workspace %s (%s%s)\n", ws.Slug, ws.Name, note)
		rep, err := legacy.Import(meetingintel.NewContextWithWorkspace(actx, strconv.FormatInt(ws.ID, 10)), s, u, b)
		if rep != nil {
			rep.WriteTo(e.stdout)
		}
		if err != nil {
			return fmt.Errorf("import stopped (run it again to continue; nothing is duplicated): %w", err)
		}
	}
	return nil
}

// wsTarget is the workspace one batch goes into: found, or to be created.
type wsTarget struct {
	found *meetingintel.Workspace
	// create: the workspace to make, with the importer as its chair.
	create     bool
	slug, name string
}

// planWorkspace finds where a batch goes: ref (--workspace), else the
// manifest's workspace, else the default workspace. A missing one is
// created only by an org admin; one the user may not write in, or an
// archived one, is refused.
func planWorkspace(ctx context.Context, s meetingintel.Store, u *meetingintel.User, ref string, m *legacy.Manifest) (*wsTarget, error) {
	name := ""
	if ref == "" && m != nil {
		ref, name = m.Slug, m.Name
	}
	if ref == "" {
		ws, err := s.FindWorkspaces(ctx)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			if w.Default {
				return checkWritable(w, u)
			}
		}
		return nil, fmt.Errorf("%s is not a member of the default workspace: name one with --workspace", u.Email)
	}
	w, err := s.FindWorkspace(ctx, ref)
	if err == nil {
		return checkWritable(w, u)
	}
	if meetingintel.ErrorCode(err) != meetingintel.ENOTFOUND {
		return nil, err
	}
	if !u.Admin {
		// A non-admin lists only their own workspaces: this one is missing
		// or not theirs, and either way they may not add to it.
		return nil, fmt.Errorf("%s is not a member of a workspace %q, and only an org admin may create one: import as one, or have a chair add you as a member", u.Email, ref)
	}
	t := &wsTarget{create: true, slug: strings.ToLower(ref), name: name}
	if meetingintel.ValidateSlug(t.slug) != nil {
		// --workspace "Acme Corp": a name, its slug derived from it.
		t.slug, t.name = meetingintel.Slugify(ref), ref
	}
	if t.name == "" {
		t.name = ref
	}
	w = &meetingintel.Workspace{Slug: t.slug, Name: t.name}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}

func checkWritable(w *meetingintel.Workspace, u *meetingintel.User) (*wsTarget, error) {
	switch {
	case w.Archived():
		return nil, fmt.Errorf("workspace %s is archived (read-only): restore it first", w.Slug)
	case !w.Role.CanWrite():
		role := string(w.Role)
		if role == "" {
			role = "not a member"
		}
		return nil, fmt.Errorf("%s may not add to workspace %s (%s): a member or chair may", u.Email, w.Slug, role)
	}
	return &wsTarget{found: w}, nil
}

// ensure returns the workspace, creating it (and making u its chair) when
// it was planned so.
func (t *wsTarget) ensure(ctx context.Context, s meetingintel.Store, u *meetingintel.User) (*meetingintel.Workspace, error) {
	if !t.create {
		return t.found, nil
	}
	w := &meetingintel.Workspace{Slug: t.slug, Name: t.name}
	if err := s.CreateWorkspace(ctx, w); err != nil {
		if meetingintel.ErrorCode(err) == meetingintel.ECONFLICT {
			return nil, fmt.Errorf("workspace %s (%s): %w (another workspace has that slug or name)", t.slug, t.name, errors.New(meetingintel.ErrorMessage(err)))
		}
		return nil, err
	}
	if _, err := s.SetMember(ctx, w.ID, u.Email, meetingintel.RoleChair); err != nil {
		return nil, err
	}
	return w, nil
}
