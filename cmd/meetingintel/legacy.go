package main

import (
	"context"
	"fmt"
	"strings"

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
	for i, b := range batches {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		rep, err := legacy.Import(actx, s, u, b)
		if rep != nil {
			rep.WriteTo(e.stdout)
		}
		if err != nil {
			return fmt.Errorf("import stopped (run it again to continue; nothing is duplicated): %w", err)
		}
	}
	return nil
}
