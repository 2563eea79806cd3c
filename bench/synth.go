package main

import (
	"context"
	"fmt"
	"math/big"
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
	// The foreign key's column has the referenced key's type (MySQL
	// refuses a bigint referencing an int).
	pk := me.PrimaryKey[0]
	entry := &entschema.Column{Name: "media_entry", Type: pk.Type, SchemaType: pk.SchemaType}
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

// toolSteps is how many of p00's migrations the tool itself generates
// (diff, whose replays grow with the history); later ones are written by
// hand, each creating one more table with an index.
const toolSteps = 20

// templated generates core's first migration and plugin p00's m
// migrations, the first toolSteps with the tool and the rest by hand; with
// data, every p00 file also carries data statements (dataBlock). It then
// clones p00's history for the other plugins under their own prefix: the
// same statements, far quicker than diffing each plugin.
func (s *synth) templated(ctx context.Context, devs []*devdb.DB, plugins, m int, data bool) error {
	if err := s.history(ctx, devs, 1, min(m, toolSteps)); err != nil {
		return err
	}
	var dialects []string
	for _, dev := range devs {
		dialects = append(dialects, dev.Dialect)
	}
	if err := s.handWritten(dialects, "p00", m, data); err != nil {
		return err
	}
	for i := 1; i < plugins; i++ {
		name := fmt.Sprintf("p%02d", i)
		if err := s.addPlugin(name, dialects); err != nil {
			return err
		}
		for range min(m, toolSteps) - 1 {
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

// handWritten extends a plugin's tool-generated history to m files with
// hand-written ones (ddlBlock, or dataBlock with data), and with data
// appends dataBlock to each tool-generated file; then rehashes.
func (s *synth) handWritten(dialects []string, name string, m int, data bool) error {
	p, err := s.project()
	if err != nil {
		return err
	}
	// The first hand-written version follows the head; the others are
	// numbered from it (as NextVersion does when the clock is behind).
	first, err := p.NextVersion(name, dialects, time.Now().Add(time.Second))
	if err != nil {
		return err
	}
	base, _ := new(big.Int).SetString(first, 10)
	for _, d := range dialects {
		folder := filepath.Join(s.root, "plugins", name, "migrations", d)
		files, err := filepath.Glob(filepath.Join(folder, "*.sql"))
		if err != nil {
			return err
		}
		for k, f := range files {
			if !data {
				break
			}
			if err := appendFile(f, dataBlock(plugin.Prefix(name), k)); err != nil {
				return err
			}
		}
	}
	for k := min(m, toolSteps); k < m; k++ {
		v := new(big.Int).Add(base, big.NewInt(int64(k-min(m, toolSteps)))).String()
		block := ddlBlock(plugin.Prefix(name), k)
		if data {
			block = dataBlock(plugin.Prefix(name), k)
		}
		for _, d := range dialects {
			f := filepath.Join(s.root, "plugins", name, "migrations", d, fmt.Sprintf("%s_step%04d.sql", v, k))
			if err := os.WriteFile(f, []byte(block), 0o644); err != nil {
				return err
			}
		}
	}
	for _, d := range dialects {
		dir, err := migrate.NewLocalDir(filepath.Join(s.root, "plugins", name, "migrations", d))
		if err != nil {
			return err
		}
		if err := migdir.Rehash(dir); err != nil {
			return err
		}
	}
	return nil
}

// ddlBlock is a hand-written file of plain DDL: a table and an index.
func ddlBlock(prefix string, k int) string {
	t := fmt.Sprintf("%sd%04d", prefix, k)
	return fmt.Sprintf("-- Create %[1]s and its index.\n"+
		"CREATE TABLE %[1]s (id integer NOT NULL, n integer NOT NULL, s varchar(100) NOT NULL, PRIMARY KEY (id));\n"+
		"CREATE INDEX %[1]s_n ON %[1]s (n, s);\n", t)
}

// dataBlock is what a data-carrying migration does, in SQL all three
// dialects take: a table created and filled with 50 rows, a backfill
// (UPDATE), a copy (INSERT ... SELECT) and an index built on the filled
// table. Each file's work is the same size, whatever the history's length.
func dataBlock(prefix string, k int) string {
	t := fmt.Sprintf("%sd%04d", prefix, k)
	var rows strings.Builder
	for i := 1; i <= 50; i++ {
		if i > 1 {
			rows.WriteString(", ")
		}
		fmt.Fprintf(&rows, "(%d, %d, 'row %d')", i, i, i)
	}
	return fmt.Sprintf("\n-- Create %[1]s, fill it, backfill, copy, and index it.\n"+
		"CREATE TABLE %[1]s (id integer NOT NULL, n integer NOT NULL, s varchar(100) NOT NULL, PRIMARY KEY (id));\n"+
		"INSERT INTO %[1]s (id, n, s) VALUES %[2]s;\n"+
		"UPDATE %[1]s SET n = n * 2 + 1 WHERE id %% 2 = 0;\n"+
		"INSERT INTO %[1]s (id, n, s) SELECT id + 1000, n, s FROM %[1]s;\n"+
		"CREATE INDEX %[1]s_n ON %[1]s (n, s);\n", t, rows.String())
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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
