package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/meetingintel/meetingintel"
)

// workspaceFlag adds --workspace to a data command.
func workspaceFlag(fs *flag.FlagSet) *string {
	return fs.String("workspace", "", `the workspace (id, slug or name; "all" to search every one of yours); default: the user's default`)
}

// inWorkspace puts a --workspace choice into ctx.
func inWorkspace(ctx context.Context, ref string) context.Context {
	if ref == "" {
		return ctx
	}
	return meetingintel.NewContextWithWorkspace(ctx, ref)
}

// operator is who the administration commands act as: whoever runs them
// holds the database, so they act as an org admin (who manages workspaces
// and members but, not being a member, sees no workspace's data).
var operator = &meetingintel.User{Email: "operator@localhost", Name: "meetingintel CLI", Admin: true, Active: true}

func asOperator(ctx context.Context) context.Context {
	return meetingintel.NewContextWithUser(ctx, operator)
}

func cmdWorkspacesCreate(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("workspaces create", e)
	name := fs.String("name", "", "the workspace's name (required)")
	slug := fs.String("slug", "", "its slug, for URLs and tools (default: made from the name)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return usagef("workspaces create needs --name")
	}
	s, _, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	w := &meetingintel.Workspace{Name: *name, Slug: *slug}
	if err := s.CreateWorkspace(asOperator(ctx), w); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Created workspace %s (%s). Add members with: meetingintel members add --workspace %s --email E --role chair\n", w.Name, w.Slug, w.Slug)
	fmt.Fprintln(e.stdout, w.ID)
	return nil
}

func cmdWorkspacesList(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("workspaces list", e)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	s, _, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	ws, err := s.FindWorkspaces(asOperator(ctx))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSLUG\tNAME\tDEFAULT\tSTATUS\tCREATED")
	for _, w := range ws {
		status := "active"
		if w.Archived() {
			status = "archived"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%t\t%s\t%s\n", w.ID, w.Slug, w.Name, w.Default, status, w.CreatedAt.Format(time.DateOnly))
	}
	return tw.Flush()
}

func cmdWorkspacesArchive(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("workspaces archive", e)
	restore := fs.Bool("restore", false, "make an archived workspace writable again")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("workspaces archive needs one WORKSPACE (id, slug or name)")
	}
	s, _, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	octx := asOperator(ctx)
	w, err := s.FindWorkspace(octx, pos[0])
	if err != nil {
		return err
	}
	if err := s.SetWorkspaceArchived(octx, w.ID, !*restore); err != nil {
		return err
	}
	if *restore {
		fmt.Fprintf(e.stderr, "Restored workspace %s: writable again.\n", w.Slug)
	} else {
		fmt.Fprintf(e.stderr, "Archived workspace %s: read-only.\n", w.Slug)
	}
	return nil
}

// memberFlags are the flags of the members commands.
func memberFlags(name string, e env, withEmail, withRole bool) (*flag.FlagSet, *dbFlags, *string, *string, *string) {
	fs, db := newDBFlagSet(name, e)
	ws := fs.String("workspace", "", "the workspace (id, slug or name; required)")
	var email, role *string
	if withEmail {
		email = fs.String("email", "", "the user's email (required)")
	}
	if withRole {
		role = fs.String("role", "member", "viewer, member or chair")
	}
	return fs, db, ws, email, role
}

// openWorkspace opens the store and resolves --workspace as the operator.
func openWorkspace(ctx context.Context, e env, db *dbFlags, ref string) (meetingintel.Store, *meetingintel.Workspace, error) {
	if ref == "" {
		return nil, nil, usagef("--workspace is required")
	}
	s, _, err := db.open(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	w, err := s.FindWorkspace(asOperator(ctx), ref)
	if err != nil {
		closeStore(s, e)
		return nil, nil, err
	}
	return s, w, nil
}

func cmdMembersSet(name string) func(context.Context, []string, env) error {
	return func(ctx context.Context, args []string, e env) error {
		fs, db, ws, email, role := memberFlags("members "+name, e, true, true)
		if err := parseNoArgs(fs, args); err != nil {
			return err
		}
		if *email == "" {
			return usagef("members %s needs --email", name)
		}
		r, err := meetingintel.ParseRole(*role)
		if err != nil {
			return &usageError{meetingintel.ErrorMessage(err)}
		}
		s, w, err := openWorkspace(ctx, e, db, *ws)
		if err != nil {
			return err
		}
		defer closeStore(s, e)
		m, err := s.SetMember(asOperator(ctx), w.ID, *email, r)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "%s is a %s of %s.\n", m.Email, m.Role, w.Slug)
		return nil
	}
}

func cmdMembersList(ctx context.Context, args []string, e env) error {
	fs, db, ws, _, _ := memberFlags("members list", e, false, false)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	s, w, err := openWorkspace(ctx, e, db, *ws)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	ms, err := s.FindMembers(asOperator(ctx), w.ID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tEMAIL\tNAME\tROLE\tSINCE")
	for _, m := range ms {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", m.UserID, m.Email, m.Name, m.Role, m.CreatedAt.Format(time.DateOnly))
	}
	return tw.Flush()
}

func cmdMembersRemove(ctx context.Context, args []string, e env) error {
	fs, db, ws, email, _ := memberFlags("members remove", e, true, false)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return usagef("members remove needs --email")
	}
	s, w, err := openWorkspace(ctx, e, db, *ws)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	u, err := findUser(ctx, s, *email)
	if err != nil {
		return err
	}
	if err := s.RemoveMember(asOperator(ctx), w.ID, u.ID); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Removed %s from %s.\n", u.Email, w.Slug)
	return nil
}
