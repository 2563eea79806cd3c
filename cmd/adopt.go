package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/plugmig/plugmig/engine/drift"
)

// AdoptCmd records, for every branch whose tables exist without history,
// the newest version its tables match.
type AdoptCmd struct {
	Target
	Accept  bool   `help:"Adopt a branch whose tables match no version at the closest one (or, with --version, at that one), recording the differences as accepted (status and drift show them)."`
	Branch  string `short:"b" help:"Adopt only this branch (core or a plugin)."`
	Version string `short:"v" help:"With --branch: the version the branch's tables are at; they are checked against it (not against every version) and it is recorded if they match."`
	DryRun  bool   `help:"Show what would be recorded, and record nothing."`
	JSON    bool   `name:"json" help:"Print the result as JSON."`
}

// Run compares, records and prints per branch.
func (c *AdoptCmd) Run(app *App) error {
	ctx := context.Background()
	chk, target, closeDB, url, err := c.openDrift(ctx, app)
	if err != nil {
		return err
	}
	defer closeDB()
	fmt.Fprintf(app.Stderr, "adopting %s: replaying every version of each branch on a scratch database\n", url)
	report, err := chk.Adopt(ctx, target, drift.AdoptOptions{Accept: c.Accept, DryRun: c.DryRun, Branch: c.Branch, Version: c.Version})
	if report == nil {
		return err
	}
	if c.JSON {
		if jerr := printJSON(app.Stdout, report); jerr != nil {
			return jerr
		}
		if err != nil {
			return &exitError{code: 1, err: err}
		}
		return nil
	}
	printAdopt(app.Stdout, report)
	switch {
	case err != nil:
		return err
	case c.DryRun:
		fmt.Fprintln(app.Stdout, "dry run: nothing was recorded; run again without --dry-run to record it")
	case adopted(report):
		fmt.Fprintln(app.Stdout, "next: go run ./cmd apply (runs only the files after each adopted version, and inserts missing seed rows)")
	default:
		fmt.Fprintln(app.Stdout, "nothing to adopt")
	}
	return nil
}

func adopted(r *drift.Report) bool {
	for _, b := range r.Branches {
		if b.State == drift.StateAdopted {
			return true
		}
	}
	return false
}

func printAdopt(w io.Writer, r *drift.Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, b := range r.Branches {
		switch b.State {
		case drift.StateAdopted, drift.StateWouldAdopt:
			how := "the tables match it"
			switch {
			case b.Source == "--version" && len(b.Accepted) > 0:
				how = fmt.Sprintf("the version given; %d difference(s) accepted", len(b.Accepted))
			case b.Source == "--version":
				how = "the version given; the tables match it"
			case b.Source == "closest":
				how = fmt.Sprintf("the closest version; %d difference(s) accepted", len(b.Accepted))
			case b.Source != "match":
				how = "the version " + b.Source + " recorded"
				if len(b.Accepted) > 0 {
					how += fmt.Sprintf("; %d difference(s) accepted", len(b.Accepted))
				}
			}
			if len(b.Notes) > 0 {
				how += fmt.Sprintf(" (%d note(s))", len(b.Notes))
			}
			fmt.Fprintf(tw, "%s\t%s\tat %s %s: %s\n", b.Branch, b.State, b.Version, b.Description, how)
		case drift.StateRefused:
			if b.Source == "--version" {
				fmt.Fprintf(tw, "%s\trefused\tdoes not match version %s %s: %d difference(s):\n", b.Branch, b.Version, b.Description, len(b.Differences))
				break
			}
			fmt.Fprintf(tw, "%s\trefused\tmatches no version; closest %s %s, %d difference(s):\n", b.Branch, b.Version, b.Description, len(b.Differences))
		case drift.StateHasHistory:
			fmt.Fprintf(tw, "%s\thas history\tat %s: nothing to adopt\n", b.Branch, orDash(b.Version))
		case drift.StateNoTables:
			fmt.Fprintf(tw, "%s\tno tables\tapply creates them\n", b.Branch)
		}
	}
	tw.Flush()
	for _, b := range r.Branches {
		printDifferences(w, b.Branch+": differences", b.Differences)
		printDifferences(w, b.Branch+": accepted differences", b.Accepted)
	}
	printNotes(w, r, true)
	printDatabaseExtras(w, r)
}

// printDifferences lists differences, one per line.
func printDifferences(w io.Writer, title string, ds []drift.Difference) {
	if len(ds) == 0 {
		return
	}
	fmt.Fprintf(w, "%s:\n", title)
	for _, d := range ds {
		fmt.Fprintf(w, "  %s\n", d)
	}
}

// printNotes lists the behaviour-neutral differences, grouped by reason;
// unless full, only how many there are of each.
func printNotes(w io.Writer, r *drift.Report, full bool) {
	var reasons []string
	byReason := map[string][]string{}
	for _, b := range r.Branches {
		for _, d := range b.Notes {
			if _, ok := byReason[d.Note]; !ok {
				reasons = append(reasons, d.Note)
			}
			byReason[d.Note] = append(byReason[d.Note], d.String())
		}
	}
	if len(reasons) == 0 {
		return
	}
	fmt.Fprintln(w, "notes: differences that do not change the application's behaviour")
	for _, reason := range reasons {
		if !full {
			fmt.Fprintf(w, "  %d x %s\n", len(byReason[reason]), reason)
			continue
		}
		fmt.Fprintf(w, "  %s:\n", reason)
		for _, d := range byReason[reason] {
			fmt.Fprintf(w, "    %s\n", d)
		}
	}
}

// printDatabaseExtras lists unowned tables, other tools' histories and
// warnings.
func printDatabaseExtras(w io.Writer, r *drift.Report) {
	if len(r.Unowned) > 0 {
		fmt.Fprintf(w, "not owned by any registered branch (left untouched): %s\n", strings.Join(r.Unowned, ", "))
	}
	for _, f := range r.Foreign {
		fmt.Fprintf(w, "other migration history (left untouched): %s\n", f)
	}
	for _, x := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", x)
	}
}
