package drift

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/plugin"
)

// What a branch owns, one notion for remove, status, adopt and drift:
//
//   - a branch owns the tables its ent schema declares and the tables its
//     history creates (every file replayed, so a table a later file drops or
//     renames still counts);
//   - a table that has a registered plugin's prefix but that the plugin
//     neither declares nor creates is a stray of that plugin: drift and
//     adopt report it under the plugin's branch as an extra table, status
//     names it, and plugin remove leaves it (naming it);
//   - any other table nobody owns is listed as unowned and never touched.
//
// Core's tables carry a prefix too (core__), but a database adopted from
// the original application may hold core tables this one never declared:
// those stay unowned rather than core's drift.

// stray returns the live tables with the plugin's prefix that the branch
// does not own, sorted (none for core).
func (s *session) stray(branch string) []string {
	if branch == plugin.Core {
		return nil
	}
	owned := s.owned(branch)
	var out []string
	for _, t := range s.live.Tables {
		if strings.HasPrefix(t.Name, plugin.Prefix(branch)) && !slices.Contains(owned, t.Name) {
			out = append(out, t.Name)
		}
	}
	slices.Sort(out)
	return out
}

// claimed returns the tables compared under the branch: those it owns and
// its strays.
func (s *session) claimed(branch string) []string {
	return append(s.owned(branch), s.stray(branch)...)
}

// strayNote is how a stray table is described in a Difference.
func strayNote(branch string) string {
	return fmt.Sprintf("it has plugin %s's prefix but %s's history does not create it: made by hand? drop or rename it, or put it in a migration of %s; plugin remove leaves it", branch, branch, branch)
}

// strayDifferences describes the branch's stray tables.
func (s *session) strayDifferences(branch string) []Difference {
	var out []Difference
	for _, t := range s.stray(branch) {
		out = append(out, Difference{Table: t, Kind: KindTable, What: WhatExtra, Live: strayNote(branch)})
	}
	return out
}

// Removal is what plugin remove would drop from one database, and what it
// would leave.
type Removal struct {
	Plugin string `json:"plugin"`
	// Drop are the plugin's tables in the database: those its schema
	// declares or its history creates.
	Drop []string `json:"drop"`
	// Leave are tables with the plugin's prefix that it does not own
	// (made by hand, or by something else): never dropped.
	Leave []string `json:"leave,omitempty"`
	// Unregistered is set when the plugin is not in this build: its
	// history's files are not here to say what they created, so Drop is
	// every table with its prefix.
	Unregistered bool `json:"unregistered,omitempty"`
	// Seeds are the plugin's seed rows in tables it does not own that the
	// database holds: deleted with it, or kept and why (the caller fills
	// it from apply.Migrator.SeedRemoval).
	Seeds []apply.SeedRow `json:"seeds,omitempty"`
}

// Removal replays the plugin's history (after core's and its
// dependencies') on a scratch database and returns which of the live
// tables it owns, and which tables with its prefix it does not. A plugin
// this build does not register has no files to replay: every table with
// its prefix is then the plugin's (Unregistered says so).
func (c *Checker) Removal(ctx context.Context, t Target, name string) (*Removal, error) {
	if err := plugin.ValidateName(name); err != nil {
		return nil, err
	}
	r := &Removal{Plugin: name}
	if _, err := c.comp.Plugins().Get(name); err != nil {
		r.Unregistered = true
		return r, c.prefixed(ctx, t, r)
	}
	s, err := c.open(ctx, t)
	if err != nil {
		return nil, err
	}
	defer s.dev.Close()
	b, err := c.comp.Branch(name)
	if err != nil {
		return nil, err
	}
	for _, owner := range b.Owners {
		if _, _, err := s.replay(ctx, owner, allVersions, owner == name); err != nil {
			return nil, err
		}
	}
	r.Drop = s.liveTables(s.owned(name))
	r.Leave = s.stray(name)
	return r, nil
}

// prefixed fills r.Drop with every live table with the plugin's prefix.
func (c *Checker) prefixed(ctx context.Context, t Target, r *Removal) error {
	names, err := tableNames(ctx, t.DB, t.Dialect)
	if err != nil {
		return err
	}
	for _, n := range names {
		if strings.HasPrefix(n, plugin.Prefix(r.Plugin)) {
			r.Drop = append(r.Drop, n)
		}
	}
	slices.Sort(r.Drop)
	return nil
}
