package drift

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/plugmig/plugmig/engine/plugin"
)

// AdoptOptions are adopt's choices.
type AdoptOptions struct {
	// Accept adopts a branch whose tables match none of its versions at the
	// closest one, recording the differences as accepted (shown by status
	// and drift from then on) instead of refusing.
	Accept bool
	// DryRun reports what would be recorded and records nothing.
	DryRun bool
	// Branch limits adopt to one branch; Version (with Branch) is the
	// version its tables must match (baseline --version, adopt --version):
	// they are compared with that version only.
	Branch, Version string
}

// Adopt finds, for every registered branch that has tables in the database
// and no history, the newest version whose schema its tables match, and
// records it as the branch's baseline (apply then runs only later files).
// Core's version is the one the atlas CLI recorded, when its revisions
// table is there. If a branch matches no version, Adopt reports the
// differences against the closest one and records nothing (wrapping
// ErrDifferences), unless opts.Accept. It never changes a table.
func (c *Checker) Adopt(ctx context.Context, t Target, opts AdoptOptions) (*Report, error) {
	s, err := c.open(ctx, t)
	if err != nil {
		return nil, err
	}
	defer s.dev.Close()
	r := &Report{}
	foreign, err := ForeignHistories(ctx, t.DB, t.Dialect)
	if err != nil {
		return nil, err
	}
	branches, err := c.branches()
	if err != nil {
		return nil, err
	}
	if opts.Version != "" && opts.Branch == "" {
		return nil, errors.New("a version to adopt needs its branch: pass --branch too")
	}
	if opts.Branch != "" && !slices.Contains(branches, opts.Branch) {
		return nil, fmt.Errorf("unknown branch %q: neither core nor a registered plugin (%s)", opts.Branch, strings.Join(branches, ", "))
	}
	var refused []string
	for _, b := range branches {
		if opts.Branch != "" && b != opts.Branch {
			if !slices.Contains(s.needs(opts.Branch), b) {
				continue
			}
			if len(s.revs[b]) == 0 {
				return nil, fmt.Errorf("branch %q is replayed on %q, which has no history in this database: adopt it first (go run ./cmd adopt, or go run ./cmd adopt --branch %s --version <version>); nothing was recorded", opts.Branch, b, b)
			}
		}
		br, err := s.adoptBranch(ctx, b, foreign, opts, r)
		if err != nil {
			return nil, err
		}
		if br.State == StateRefused {
			what := "closest version"
			if br.Source == "--version" {
				what = "does not match version"
			}
			refused = append(refused, fmt.Sprintf("branch %q: %s %s, %d difference(s)", b, what, br.Version, len(br.Differences)))
		}
		if br.State != StateNoTables { // (that case warns already)
			for _, d := range s.strayDifferences(b) {
				r.Warnings = append(r.Warnings, fmt.Sprintf("branch %q: %s", b, d))
			}
		}
		r.Branches = append(r.Branches, br)
	}
	if err := s.finish(ctx, r); err != nil {
		return nil, err
	}
	if len(refused) > 0 {
		accept := "go run ./cmd adopt --accept"
		if opts.Version != "" {
			accept = fmt.Sprintf("go run ./cmd adopt --branch %s --version %s --accept", opts.Branch, opts.Version)
		}
		return r, fmt.Errorf("%w (%s); nothing was recorded: make the tables match (the differences are listed above), or record them as accepted with %s", ErrDifferences, strings.Join(refused, "; "), accept)
	}
	for i, br := range r.Branches {
		if br.State != StateWouldAdopt || opts.DryRun {
			continue
		}
		if err := t.Migrator.Baseline(ctx, br.Branch, br.Version); err != nil {
			return r, fmt.Errorf("branch %q: record baseline %s: %w", br.Branch, br.Version, err)
		}
		rec := Record{Branch: br.Branch, Version: br.Version, Accepted: br.Accepted, CheckedAt: now()}
		if err := (recorder{db: t.DB, dialect: t.Dialect}).write(ctx, rec); err != nil {
			return r, err
		}
		r.Branches[i].State = StateAdopted
	}
	return r, nil
}

// adoptBranch replays the branch and, if it needs adopting, chooses its
// version.
func (s *session) adoptBranch(ctx context.Context, b string, foreign []ForeignHistory, opts AdoptOptions, r *Report) (BranchReport, error) {
	br := BranchReport{Branch: b}
	if len(s.revs[b]) > 0 {
		v, desc := s.applied(b)
		if _, _, err := s.replay(ctx, b, v, false); err != nil {
			return br, err
		}
		br.State, br.Version, br.Description = StateHasHistory, v, desc
		return br, nil
	}
	versions, _, err := s.replay(ctx, b, allVersions, true)
	if err != nil {
		return br, err
	}
	if len(s.liveTables(s.owned(b))) == 0 || len(versions) == 0 {
		br.State = StateNoTables
		for _, d := range s.strayDifferences(b) {
			r.Warnings = append(r.Warnings, fmt.Sprintf("branch %q: %s", b, d))
		}
		return br, nil
	}
	pin, source := "", "match"
	if opts.Version != "" && b == opts.Branch {
		if pin, source = opts.Version, "--version"; !slices.ContainsFunc(versions, func(v version) bool { return v.file.Version() == pin }) {
			return br, fmt.Errorf("branch %q has no migration with version %q: use one of %s", b, pin, strings.Join(versionNames(versions), ", "))
		}
	}
	if b == plugin.Core && pin == "" {
		for _, f := range foreign {
			if f.System != "atlas" || f.Latest == "" {
				continue
			}
			for _, v := range versions {
				if v.file.Version() == f.Latest {
					pin, source = f.Latest, f.Table
				}
			}
			if pin == "" {
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s: its latest version %s is not one of core's versions: core is matched by its tables instead", f.Table, f.Latest))
			}
		}
	}
	var (
		best        = -1
		notes, rest []Difference
	)
	for i, v := range versions {
		if pin != "" && v.file.Version() != pin {
			continue
		}
		ds, err := s.compareAt(b, v.schema)
		if err != nil {
			return br, err
		}
		n, x := split(ds)
		if best < 0 || len(x) <= len(rest) { // the newest of the closest
			best, notes, rest = i, n, x
		}
	}
	f := versions[best].file
	br.Version, br.Description, br.Notes, br.Source = f.Version(), f.Desc(), notes, source
	switch {
	case len(rest) == 0:
		br.State = StateWouldAdopt
	case opts.Accept:
		br.State, br.Accepted = StateWouldAdopt, rest
		if pin == "" {
			br.Source = "closest"
		}
	default:
		br.State, br.Differences = StateRefused, rest
	}
	return br, nil
}

// versionNames returns the versions' names, for messages.
func versionNames(vs []version) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.file.Version()
	}
	return out
}

// needs returns the branches a branch is replayed on: core and the plugins
// it depends on (the scratch database must hold them first).
func (s *session) needs(branch string) []string {
	b, err := s.comp.Branch(branch)
	if err != nil {
		return nil
	}
	return b.Owners
}
