package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plugmig/plugmig/engine/drift"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/dbdriver"
	"github.com/plugmig/plugmig/internal/fleet"
)

// DriftCmd compares a database with what its history says it holds.
type DriftCmd struct {
	Target
	Fleet
	JSON bool `name:"json" help:"Print the result as JSON."`
}

// driftJSON is drift --json.
type driftJSON struct {
	Database string `json:"database"`
	Drift    bool   `json:"drift"`
	*drift.Report
}

// Run replays each branch's applied files on a scratch database, compares,
// prints per branch and exits 1 on drift.
func (c *DriftCmd) Run(a *App) error {
	if err := checkFleetFlags(c.Fleet, c.Target); err != nil {
		return err
	}
	if c.Targets != "" {
		return runFleet(a, c.Fleet, "checking drift of", c.JSON, c.driftTarget(a))
	}
	ctx := context.Background()
	chk, target, closeDB, url, err := c.openDrift(ctx, a)
	if err != nil {
		return err
	}
	defer closeDB()
	report, err := chk.Check(ctx, target)
	if err != nil {
		return err
	}
	if c.JSON {
		if err := printJSON(a.Stdout, driftJSON{Database: url, Drift: report.Drift(), Report: report}); err != nil {
			return err
		}
	} else {
		printDrift(a.Stdout, url, report)
	}
	if report.Drift() {
		return &exitError{code: 1, err: errSilent}
	}
	return nil
}

// driftTarget checks one fleet target for drift.
func (c *DriftCmd) driftTarget(a *App) func(context.Context, fleet.Target) (fleetOutcome, error) {
	return func(ctx context.Context, t fleet.Target) (fleetOutcome, error) {
		out := fleetOutcome{result: resultNoDrift}
		parsed, err := dbdriver.ParseURL(t.URL)
		if err != nil {
			return out, err
		}
		out.dialect = parsed.Dialect
		m, db, err := c.openURL(ctx, a, t.URL, refuseMissing, io.Discard)
		if err != nil {
			return out, err
		}
		defer db.Close()
		comp, err := a.Composer()
		if err != nil {
			return out, err
		}
		sources := app.Sources()
		if c.FromRoot {
			root, err := a.ModuleRoot()
			if err != nil {
				return out, err
			}
			sources = app.DiskSources(root)
		}
		chk, err := drift.New(comp, sources, drift.WithDeviations(app.Deviations()...))
		if err != nil {
			return out, err
		}
		report, err := chk.Check(ctx, drift.Target{DB: db, Dialect: parsed.Dialect, Migrator: m, ScratchURL: t.URL})
		if err != nil {
			return out, err
		}
		if report.Drift() {
			out.result = resultDrift
		}
		for _, b := range report.Branches {
			bc := branchChange{Branch: b.Branch, From: b.Version, To: b.Version}
			switch b.State {
			case drift.StateDrift:
				bc.Note = fmt.Sprintf("DRIFT: %d difference(s)", len(b.Differences))
			case drift.StateNotAdopted:
				bc.Note = "not adopted"
			case drift.StateRefused:
				bc.Note = "refused"
			}
			out.branches = append(out.branches, bc)
		}
		return out, nil
	}
}

func printDrift(w io.Writer, url string, r *drift.Report) {
	fmt.Fprintf(w, "%s, compared with each branch's applied migrations:\n", url)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	n := 0
	for _, b := range r.Branches {
		extra := ""
		if len(b.Accepted) > 0 {
			extra += fmt.Sprintf(", %d accepted", len(b.Accepted))
		}
		if len(b.Notes) > 0 {
			extra += fmt.Sprintf(", %d note(s)", len(b.Notes))
		}
		switch b.State {
		case drift.StateOK:
			fmt.Fprintf(tw, "%s\tno drift\tat %s%s\n", b.Branch, b.Version, extra)
		case drift.StateDrift:
			fmt.Fprintf(tw, "%s\tDRIFT\tat %s: %d difference(s)%s\n", b.Branch, b.Version, len(b.Differences), extra)
		case drift.StateNotAdopted:
			fmt.Fprintf(tw, "%s\tnot adopted\tits tables exist without history: go run ./cmd adopt\n", b.Branch)
		case drift.StateNotApplied:
			fmt.Fprintf(tw, "%s\tnot applied\tno tables, no history\n", b.Branch)
		}
		n += len(b.Differences)
	}
	tw.Flush()
	for _, b := range r.Branches {
		if b.State == drift.StateDrift {
			printDifferences(w, b.Branch+": differences (made outside the migrations: undo them, or put them in a migration)", b.Differences)
		}
		printDifferences(w, b.Branch+": accepted differences (recorded by adopt --accept)", b.Accepted)
	}
	printNotes(w, r, false)
	printDatabaseExtras(w, r)
	if r.Drift() {
		fmt.Fprintf(w, "drift: %d difference(s)\n", n)
	} else {
		fmt.Fprintln(w, "no drift")
	}
}

// openDrift opens the target with its Migrator and the drift Checker of
// this application. Call closeDB when done.
func (t *Target) openDrift(ctx context.Context, a *App) (*drift.Checker, drift.Target, func(), string, error) {
	m, db, redacted, err := t.open(ctx, a)
	if err != nil {
		return nil, drift.Target{}, nil, "", err
	}
	fail := func(err error) (*drift.Checker, drift.Target, func(), string, error) {
		db.Close()
		return nil, drift.Target{}, nil, "", err
	}
	raw, dialect, err := t.rawURL(a)
	if err != nil {
		return fail(err)
	}
	comp, err := a.Composer()
	if err != nil {
		return fail(err)
	}
	sources := app.Sources()
	if t.FromRoot {
		root, err := a.ModuleRoot()
		if err != nil {
			return fail(err)
		}
		sources = app.DiskSources(root)
	}
	chk, err := drift.New(comp, sources, drift.WithDeviations(app.Deviations()...))
	if err != nil {
		return fail(err)
	}
	target := drift.Target{DB: db, Dialect: dialect, Migrator: m, ScratchURL: raw}
	return chk, target, func() { db.Close() }, redacted, nil
}

// rawURL returns the target's URL (with its secrets: never print it) and
// its dialect.
func (t *Target) rawURL(a *App) (string, string, error) {
	raw := t.URL
	if raw == "" {
		root, err := a.ModuleRoot()
		if err != nil {
			return "", "", err
		}
		raw = "sqlite://" + filepath.Join(root, DefaultDatabase)
	}
	parsed, err := dbdriver.ParseURL(raw)
	if err != nil {
		return "", "", err
	}
	return raw, parsed.Dialect, nil
}

// command is how to run another command on this target's database: with
// its --url when one was given (a URL with a password says where it goes
// instead of printing it).
func (t *Target) command(name string) string {
	if t.URL == "" {
		return "go run ./cmd " + name
	}
	return "go run ./cmd " + name + " " + t.urlFlag()
}

// urlFlag is the --url flag of this target (set): its URL, or a
// placeholder when it holds a password.
func (t *Target) urlFlag() string {
	if dbdriver.Redact(t.URL) != t.URL {
		return "--url <this database's URL>"
	}
	return "--url '" + t.URL + "'"
}

// printDriftStatus adds to status what drift (or adopt) last found, and the
// tables no registered branch owns. It replays nothing.
func printDriftStatus(ctx context.Context, w io.Writer, a *App, t *Target, db *sql.DB, applied bool) error {
	_, dialect, err := t.rawURL(a)
	if err != nil {
		return err
	}
	recs, err := drift.Records(ctx, db, dialect)
	if err != nil {
		return err
	}
	switch {
	case len(recs) == 0 && applied:
		fmt.Fprintln(w, "drift: never checked: "+t.command("drift"))
	case len(recs) > 0:
		var last time.Time
		found := false
		for _, b := range slices.Sorted(maps.Keys(recs)) {
			r := recs[b]
			if r.CheckedAt.After(last) {
				last = r.CheckedAt
			}
			if r.Differences > 0 {
				found = true
				fmt.Fprintf(w, "%s: drift at the last check (%s UTC): %d difference(s): %s\n", b, r.CheckedAt.Format(time.DateTime), r.Differences, t.command("drift"))
			}
			if len(r.Accepted) > 0 {
				fmt.Fprintf(w, "%s: %d accepted difference(s), recorded by adopt --accept (%s lists them)\n", b, len(r.Accepted), t.command("drift"))
			}
		}
		if !found {
			fmt.Fprintf(w, "drift: none at the last check (%s UTC)\n", last.Format(time.DateTime))
		}
	}
	comp, err := a.Composer()
	if err != nil {
		return err
	}
	unowned, stray, err := drift.Unowned(ctx, db, dialect, comp)
	if err != nil {
		return err
	}
	for _, p := range slices.Sorted(maps.Keys(stray)) {
		fmt.Fprintf(w, "%s: %s: its prefix, but not in its schema (made by hand?): %s checks whether its history created it; plugin remove leaves what it did not create\n", p, strings.Join(stray[p], ", "), t.command("drift"))
	}
	if len(unowned) > 0 {
		fmt.Fprintf(w, "not owned by any registered branch (left untouched): %s\n", strings.Join(unowned, ", "))
	}
	return nil
}
