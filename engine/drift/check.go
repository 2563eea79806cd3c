package drift

import (
	"context"
	"fmt"
	"slices"
)

// Check compares every branch with history with what its applied files
// create, replayed on a scratch database: objects added, missing or
// changed, accepted differences and notes. A registered branch whose tables
// exist without history is reported as not adopted. It records each
// branch's result in Table (so status can tell when a database was last
// checked); a failure to record is a warning, not an error.
func (c *Checker) Check(ctx context.Context, t Target) (*Report, error) {
	s, err := c.open(ctx, t)
	if err != nil {
		return nil, err
	}
	defer s.dev.Close()
	rec := recorder{db: t.DB, dialect: t.Dialect}
	records, err := rec.read(ctx)
	if err != nil {
		return nil, err
	}
	branches, err := c.branches()
	if err != nil {
		return nil, err
	}
	r := &Report{}
	for _, b := range branches {
		br, err := s.checkBranch(ctx, b, records[b].Accepted)
		if err != nil {
			return nil, err
		}
		r.Branches = append(r.Branches, br)
	}
	for b := range s.revs {
		if !slices.Contains(branches, b) {
			r.Warnings = append(r.Warnings, fmt.Sprintf("branch %q is in the history but not in this build: its tables are listed as not owned (restore the plugin, or go run ./cmd plugin remove %s --yes)", b, b))
		}
	}
	slices.Sort(r.Warnings)
	if err := s.finish(ctx, r); err != nil {
		return nil, err
	}
	at := now()
	for _, br := range r.Branches {
		if br.State == StateNotApplied {
			continue
		}
		err := rec.write(ctx, Record{Branch: br.Branch, Version: br.Version, Accepted: records[br.Branch].Accepted, CheckedAt: at,
			Differences: len(br.Differences), Summary: summary(br.Differences)})
		if err != nil {
			r.Warnings = append(r.Warnings, fmt.Sprintf("the result was not recorded, so status will not show it: %v", err))
			break
		}
	}
	return r, nil
}

func (s *session) checkBranch(ctx context.Context, b string, accepted []Difference) (BranchReport, error) {
	br := BranchReport{Branch: b}
	if len(s.revs[b]) == 0 {
		br.State = StateNotApplied
		if live := s.liveTables(s.comp.Tables(b)); len(live) > 0 {
			br.State = StateNotAdopted
			for _, t := range live {
				br.Differences = append(br.Differences, Difference{Table: t, Kind: KindTable, What: WhatExtra, Live: "no history: go run ./cmd adopt"})
			}
		}
		if stray := s.strayDifferences(b); len(stray) > 0 {
			br.Differences = append(br.Differences, stray...)
			if br.State == StateNotApplied {
				br.State = StateDrift
			}
		}
		return br, nil
	}
	v, desc := s.applied(b)
	br.Version, br.Description = v, desc
	_, sch, err := s.replay(ctx, b, v, false)
	if err != nil {
		return br, err
	}
	ds, err := s.compareAt(b, sch)
	if err != nil {
		return br, err
	}
	objs, err := s.compareObjects(ctx, b)
	if err != nil {
		return br, err
	}
	ds = append(ds, objs...)
	notes, rest := split(ds)
	br.Notes = notes
	for _, d := range rest {
		if slices.ContainsFunc(accepted, d.same) {
			br.Accepted = append(br.Accepted, d)
		} else {
			br.Differences = append(br.Differences, d)
		}
	}
	br.State = StateOK
	if len(br.Differences) > 0 {
		br.State = StateDrift
	}
	return br, nil
}
