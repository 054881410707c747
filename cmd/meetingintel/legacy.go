package main

import (
	"context"
	"fmt"

	"github.com/meetingintel/meetingintel/legacy"
)

// cmdImportLegacy imports the data of the system we replace (DESIGN §3):
// JSON from its REST API or CSV exports of its tables, files or folders.
// Every file is read before anything is stored, so an unreadable file
// stores nothing; rows that cannot be imported are skipped and listed.
// The summary goes to stdout (it is the command's result).
func cmdImportLegacy(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("import-legacy", e)
	email := fs.String("email", "", "import as this user where the data names no author who is a user here (required)")
	ws := workspaceFlag(fs)
	paths, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usagef("import-legacy needs at least one PATH (a JSON or CSV file, or a folder of them)")
	}
	if *email == "" {
		return usagef("--email is required")
	}
	b, err := legacy.Read(paths...)
	if err != nil {
		return err
	}
	for _, f := range b.Ignored {
		fmt.Fprintf(e.stderr, "Ignored %s: neither .json nor .csv.\n", f)
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
	actx = inWorkspace(actx, *ws)
	rep, err := legacy.Import(actx, s, u, b)
	if rep != nil {
		rep.WriteTo(e.stdout)
	}
	if err != nil {
		return fmt.Errorf("import stopped (run it again to continue; nothing is duplicated): %w", err)
	}
	return nil
}
