package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"

	entschema "entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/schema/field"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plan"
	"github.com/plugmig/plugmig/engine/plugin"
	entmigrate "github.com/plugmig/plugmig/ent/migrate"
)

// synth is a synthetic application: MediaGoblin's 30 core tables and P
// plugins, each owning one table that references core__media_entries and
// grows by one column (and every third step an index) per migration.
type synth struct {
	root    string
	reg     *plugin.Registry
	core    []*entschema.Table
	owners  map[string]string
	plugins map[string]*entschema.Table
	steps   map[string]int
}

func newSynth(root string) *synth {
	s := &synth{root: root, reg: &plugin.Registry{}, owners: map[string]string{}, plugins: map[string]*entschema.Table{}, steps: map[string]int{}}
	for _, t := range entmigrate.Tables {
		if entmigrate.Owners[t.Name] == plugin.Core {
			s.core = append(s.core, t)
			s.owners[t.Name] = plugin.Core
		}
	}
	return s
}

func (s *synth) mediaEntries() *entschema.Table {
	for _, t := range s.core {
		if t.Name == "core__media_entries" {
			return t
		}
	}
	panic("no core__media_entries")
}

// addPlugin registers a plugin with empty folders and its first table.
func (s *synth) addPlugin(name string, dialects []string) error {
	if err := s.reg.Add(plugin.Plugin{Name: name, Dir: "plugins/" + name}); err != nil {
		return err
	}
	for _, d := range dialects {
		if err := os.MkdirAll(filepath.Join(s.root, "plugins", name, "migrations", d), 0o755); err != nil {
			return err
		}
	}
	me := s.mediaEntries()
	id := &entschema.Column{Name: "id", Type: field.TypeInt, Increment: true}
	entry := &entschema.Column{Name: "media_entry", Type: field.TypeInt}
	t := &entschema.Table{
		Name:       plugin.Prefix(name) + "items",
		Columns:    []*entschema.Column{id, {Name: "name", Type: field.TypeString, Size: 100}, entry},
		PrimaryKey: []*entschema.Column{id},
		ForeignKeys: []*entschema.ForeignKey{{
			Columns: []*entschema.Column{entry}, RefTable: me, RefColumns: []*entschema.Column{me.PrimaryKey[0]},
		}},
	}
	s.plugins[name] = t
	s.owners[t.Name] = name
	return nil
}

func (s *synth) project() (*plan.Project, error) {
	tables := append([]*entschema.Table{}, s.core...)
	for _, t := range s.plugins {
		tables = append(tables, t)
	}
	comp, err := compose.New(tables, s.owners, s.reg)
	if err != nil {
		return nil, err
	}
	return &plan.Project{Root: s.root, Composer: comp}, nil
}

// diff writes the branch's pending migration for each dev database's
// dialect, with one version, as go run ./cmd diff does.
func (s *synth) diff(ctx context.Context, devs []*devdb.DB, branch, name string) error {
	p, err := s.project()
	if err != nil {
		return err
	}
	var (
		pds      []*plan.Pending
		dialects []string
	)
	for _, dev := range devs {
		pd, err := p.Pending(ctx, dev, branch)
		if err != nil {
			return err
		}
		if pd.InSync() {
			return fmt.Errorf("branch %s: nothing to diff", branch)
		}
		pds = append(pds, pd)
		dialects = append(dialects, dev.Dialect)
	}
	v, err := p.NextVersion(branch, dialects, time.Now())
	if err != nil {
		return err
	}
	_, err = p.Write(pds, v, name)
	return err
}

// grow adds the next change to a plugin's table: a column each step, an
// index every third step and a unique index every fifth.
func (s *synth) grow(name string) {
	t := s.plugins[name]
	s.steps[name]++
	n := s.steps[name]
	c := &entschema.Column{Name: fmt.Sprintf("c%02d", n), Type: field.TypeString, Size: 100, Nullable: true}
	t.Columns = append(t.Columns, c)
	switch {
	case n%5 == 0:
		t.Indexes = append(t.Indexes, &entschema.Index{Name: fmt.Sprintf("%s_c%02d_key", t.Name, n), Unique: true, Columns: []*entschema.Column{c}})
	case n%3 == 0:
		t.Indexes = append(t.Indexes, &entschema.Index{Name: fmt.Sprintf("%s_c%02d", t.Name, n), Columns: []*entschema.Column{c}})
	}
}

// history generates core's first migration and each plugin's m migrations
// for every dev database's dialect.
func (s *synth) history(ctx context.Context, devs []*devdb.DB, plugins, m int) error {
	for _, dev := range devs {
		if err := os.MkdirAll(filepath.Join(s.root, "migrations", dev.Dialect), 0o755); err != nil {
			return err
		}
	}
	if err := s.diff(ctx, devs, plugin.Core, "initial"); err != nil {
		return err
	}
	var dialects []string
	for _, dev := range devs {
		dialects = append(dialects, dev.Dialect)
	}
	for i := 0; i < plugins; i++ {
		if err := s.addWithHistory(ctx, devs, fmt.Sprintf("p%02d", i), dialects, m); err != nil {
			return err
		}
	}
	return nil
}

func (s *synth) addWithHistory(ctx context.Context, devs []*devdb.DB, name string, dialects []string, m int) error {
	if err := s.addPlugin(name, dialects); err != nil {
		return err
	}
	for i := 0; i < m; i++ {
		if i > 0 {
			s.grow(name)
		}
		if err := s.diff(ctx, devs, name, fmt.Sprintf("step%02d", i)); err != nil {
			return err
		}
	}
	return nil
}

// templated generates core's first migration and plugin p00's m migrations
// with the tool, then clones p00's history for the other plugins under
// their own prefix: the same statements, far quicker than diffing each
// plugin (whose replays grow with the history).
func (s *synth) templated(ctx context.Context, devs []*devdb.DB, plugins, m int) error {
	if err := s.history(ctx, devs, 1, m); err != nil {
		return err
	}
	for i := 1; i < plugins; i++ {
		name := fmt.Sprintf("p%02d", i)
		var dialects []string
		for _, dev := range devs {
			dialects = append(dialects, dev.Dialect)
		}
		if err := s.addPlugin(name, dialects); err != nil {
			return err
		}
		for range m - 1 {
			s.grow(name)
		}
		for _, d := range dialects {
			if err := cloneFolder(filepath.Join(s.root, "plugins", "p00", "migrations", d), filepath.Join(s.root, "plugins", name, "migrations", d), "p00__", name+"__"); err != nil {
				return err
			}
		}
	}
	return nil
}

// cloneFolder copies a migration folder's .sql files with old replaced by
// new, and hashes the copy.
func cloneFolder(from, to, old, new string) error {
	files, err := filepath.Glob(filepath.Join(from, "*.sql"))
	if err != nil {
		return err
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, filepath.Base(f)), []byte(strings.ReplaceAll(string(b), old, new)), 0o644); err != nil {
			return err
		}
	}
	dir, err := migrate.NewLocalDir(to)
	if err != nil {
		return err
	}
	return migdir.Rehash(dir)
}
