package app_test

import (
	"bufio"
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"ariga.io/atlas/sql/schema"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

// refTable is one table of the MediaGoblin reference (testdata/mediagoblin-core-schema.md).
type refTable struct {
	name    string
	cols    []refColumn
	pk      []string
	uniques [][]string
	indexes map[string][]string // name -> columns
}

type refColumn struct {
	name     string
	sqliteT  string // the SQLite DDL type
	pgT      string // the PostgreSQL DDL type (SERIAL for an integer key)
	nullable bool
	fk       string // "table.column" or ""
}

var (
	headRE   = regexp.MustCompile("^#### `([a-z_]+)`")
	pkRE     = regexp.MustCompile(`^\* Primary key: \(([^)]*)\)`)
	uniqueRE = regexp.MustCompile(`^\* UNIQUE \(([^)]*)\)`)
	indexRE  = regexp.MustCompile("^\\* INDEX `([a-z_]+)` \\(([^)]*)\\)")
)

func readReference(t *testing.T) []*refTable {
	t.Helper()
	return readReferenceFile(t, "testdata/mediagoblin-core-schema.md")
}

// readFullReference reads the reference of MediaGoblin v0.15 with every
// media type and plugin (testdata/mediagoblin-v0.15-schema.md, section 2),
// plus section 5's persona__user_emails, whose table there has no per-
// dialect types: here as the persona plugin's Alembic revision c7d4840a5592
// created it.
func readFullReference(t *testing.T) []*refTable {
	t.Helper()
	return append(readReferenceFile(t, "testdata/mediagoblin-v0.15-schema.md"), &refTable{
		name: "persona__user_emails",
		cols: []refColumn{
			{name: "id", sqliteT: "INTEGER", pgT: "SERIAL"},
			{name: "persona_email", sqliteT: "VARCHAR", pgT: "VARCHAR"},
			{name: "user_id", sqliteT: "INTEGER", pgT: "INTEGER", fk: "core__users.id"},
		},
		pk:      []string{"id"},
		indexes: map[string][]string{},
	})
}

func readReferenceFile(t *testing.T, path string) []*refTable {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		tables []*refTable
		cur    *refTable
	)
	split := func(s string) []string {
		parts := strings.Split(s, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := headRE.FindStringSubmatch(line); m != nil {
			cur = &refTable{name: m[1], indexes: map[string][]string{}}
			tables = append(tables, cur)
			continue
		}
		if cur == nil {
			continue
		}
		switch {
		case strings.HasPrefix(line, "| `"):
			cells := strings.Split(line, "|")
			cur.cols = append(cur.cols, refColumn{
				name:     strings.Trim(strings.TrimSpace(cells[1]), "`"),
				sqliteT:  strings.TrimSpace(cells[3]),
				pgT:      strings.TrimSpace(cells[4]),
				nullable: strings.TrimSpace(cells[5]) == "yes",
				fk:       strings.TrimSpace(cells[10]),
			})
		case pkRE.MatchString(line):
			cur.pk = split(pkRE.FindStringSubmatch(line)[1])
		case uniqueRE.MatchString(line):
			cur.uniques = append(cur.uniques, split(uniqueRE.FindStringSubmatch(line)[1]))
		case indexRE.MatchString(line):
			m := indexRE.FindStringSubmatch(line)
			cur.indexes[m[1]] = split(m[2])
		}
	}
	return tables
}

// deviations are the documented differences from the reference (docs/ent-deviations.md).
var deviations = map[string]string{
	"core__nonce_timestamps.pk": "primary key is (nonce): ent allows composite keys only on edge schemas",
	"core__clients.id.nullable": "a primary key is NOT NULL (PostgreSQL forces it too)",
}

// TestReferenceSchema creates core and every plugin in real databases and
// checks every table, column, nullability, primary key, unique constraint,
// named index and foreign key of the MediaGoblin reference against what the
// database reports: core's reference, and for the tables the plugins own,
// the full v0.15 reference (every media type and plugin), whose column
// types are checked too on SQLite and PostgreSQL.
func TestReferenceSchema(t *testing.T) {
	t.Parallel()
	ref := readReference(t)
	if n := len(ref); n != 32 {
		t.Fatalf("reference has %d tables, want 30 core + 2 plugin tables", n)
	}
	comp, err := app.Composer()
	if err != nil {
		t.Fatal(err)
	}
	if got := comp.Tables("core"); len(got) != 30 {
		t.Fatalf("core has %d tables, want 30: %v", len(got), got)
	}
	plugins := pluginReference(t, comp)
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.Open(t, d)
			b, err := comp.Union(comp.Plugins().Names()...)
			if err != nil {
				t.Fatal(err)
			}
			want, err := comp.Schema(ctx, b, d)
			if err != nil {
				t.Fatal(err)
			}
			stmts, err := compose.DDL(ctx, d, want)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range stmts {
				if _, err := db.DB.ExecContext(ctx, st); err != nil {
					t.Fatalf("%s refused %s: %v", d, st, err)
				}
			}
			drv, err := compose.Open(d, db.DB)
			if err != nil {
				t.Fatal(err)
			}
			changes, err := compose.Drift(ctx, drv, want)
			if err != nil {
				t.Fatal(err)
			}
			if len(changes) > 0 {
				t.Errorf("database differs from the composed schema by %d changes, first: %T %+v", len(changes), changes[0], changes[0])
			}
			got, err := drv.InspectSchema(ctx, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, rt := range ref {
				checkTable(t, got, rt)
			}
			for _, rt := range plugins {
				checkTable(t, got, rt)
				checkTypes(t, d, got, rt)
			}
		})
	}
}

// pluginReference returns the tables of the full MediaGoblin reference that
// a registered plugin owns, and checks that every table the plugins own is
// either among them or not MediaGoblin's (no table of the reference has its
// prefix).
func pluginReference(t *testing.T, comp *compose.Composer) []*refTable {
	t.Helper()
	var out []*refTable
	known := map[string]bool{}
	for _, rt := range readFullReference(t) {
		known[rt.name] = true
		if o := comp.Owner(rt.name); o != "" && o != "core" {
			out = append(out, rt)
		}
	}
	for _, p := range comp.Plugins().Names() {
		for _, tb := range comp.Tables(p) {
			if known[tb] {
				continue
			}
			for k := range known {
				if strings.HasPrefix(k, p+"__") {
					t.Errorf("plugin %s owns %s, which the reference does not have, next to its table %s", p, tb, k)
				}
			}
		}
	}
	return out
}

// refTypes maps the reference's PostgreSQL DDL types to what PostgreSQL
// reports; SERIAL keys are identity columns here (docs/ent-deviations.md).
var refTypes = map[string]string{
	"INTEGER": "integer", "SERIAL": "integer", "SMALLINT": "smallint", "VARCHAR": "character varying",
	"TEXT": "text", "FLOAT": "double precision", "TIMESTAMP WITHOUT TIME ZONE": "timestamp without time zone",
}

// checkTypes compares a plugin table's column types with the reference's
// SQLite and PostgreSQL columns (MySQL has no reference: MediaGoblin does not
// support it).
func checkTypes(t *testing.T, dialect string, s *schema.Schema, rt *refTable) {
	t.Helper()
	tbl, ok := s.Table(rt.name)
	if !ok {
		return
	}
	for _, rc := range rt.cols {
		c, ok := tbl.Column(rc.name)
		if !ok {
			continue
		}
		got := strings.ToLower(c.Type.Raw)
		var want string
		switch dialect {
		case "sqlite":
			want = strings.ToLower(rc.sqliteT)
		case "postgres":
			want = refTypes[rc.pgT]
		default:
			continue
		}
		if got != want {
			t.Errorf("%s %s.%s type = %s, reference says %s", dialect, rt.name, rc.name, got, want)
		}
	}
}

func checkTable(t *testing.T, s *schema.Schema, rt *refTable) {
	t.Helper()
	tbl, ok := s.Table(rt.name)
	if !ok {
		t.Errorf("table %s missing", rt.name)
		return
	}
	for _, rc := range rt.cols {
		c, ok := tbl.Column(rc.name)
		if !ok {
			t.Errorf("%s.%s missing", rt.name, rc.name)
			continue
		}
		isPK := slices.Contains(rt.pk, rc.name)
		if c.Type.Null != rc.nullable && !isPK {
			t.Errorf("%s.%s nullable = %v, reference says %v", rt.name, rc.name, c.Type.Null, rc.nullable)
		}
		if rc.fk != "" && !hasFK(tbl, rc.name, rc.fk) {
			t.Errorf("%s.%s: no foreign key to %s", rt.name, rc.name, rc.fk)
		}
	}
	if pk := columns(tbl.PrimaryKey); !slices.Equal(pk, rt.pk) && deviations[rt.name+".pk"] == "" {
		t.Errorf("%s primary key = %v, reference says %v", rt.name, pk, rt.pk)
	}
	for _, u := range rt.uniques {
		if !hasIndex(tbl, u, true) {
			t.Errorf("%s: no unique constraint or index on %v", rt.name, u)
		}
	}
	for name, cols := range rt.indexes {
		idx, ok := tbl.Index(name)
		if !ok {
			t.Errorf("%s: index %s missing", rt.name, name)
			continue
		}
		if got := columns(idx); !slices.Equal(got, cols) {
			t.Errorf("%s: index %s on %v, reference says %v", rt.name, name, got, cols)
		}
	}
}

func columns(idx *schema.Index) []string {
	if idx == nil {
		return nil
	}
	var names []string
	for _, p := range idx.Parts {
		if p.C != nil {
			names = append(names, p.C.Name)
		}
	}
	return names
}

func hasIndex(tbl *schema.Table, cols []string, unique bool) bool {
	for _, idx := range tbl.Indexes {
		if idx.Unique == unique && slices.Equal(columns(idx), cols) {
			return true
		}
	}
	return false
}

func hasFK(tbl *schema.Table, col, target string) bool {
	refTable, refCol, _ := strings.Cut(target, ".")
	for _, fk := range tbl.ForeignKeys {
		if len(fk.Columns) == 1 && fk.Columns[0].Name == col && fk.RefTable.Name == refTable &&
			len(fk.RefColumns) == 1 && fk.RefColumns[0].Name == refCol {
			return true
		}
	}
	return false
}
