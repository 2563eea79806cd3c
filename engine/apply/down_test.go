package apply_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/schema"
	entschema "entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/schema/field"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/drift"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/internal/testdb"
)

// Versions of the test application's branches: core's one, the plugin
// "notes" in three versions, and "tags", which depends on notes' third.
const (
	coreV   = "20260101000000"
	notesV1 = "20260101000001"
	notesV2 = "20260101000002"
	notesV3 = "20260101000003"
	tagsV1  = "20260101000010"
)

var downFiles = map[string]map[string]string{
	plugin.Core: {coreV + "_users.sql": "CREATE TABLE core__users (id integer NOT NULL, name varchar(50) NOT NULL, PRIMARY KEY (id));\n"},
	"notes": {
		notesV1 + "_notes.sql": "CREATE TABLE notes__notes (id integer NOT NULL, body varchar(100) NOT NULL, PRIMARY KEY (id));\n",
		notesV2 + "_title.sql": "ALTER TABLE notes__notes ADD COLUMN title varchar(50) NULL;\nCREATE INDEX notes__notes_title ON notes__notes (title);\n",
		notesV3 + "_labels.sql": "ALTER TABLE notes__notes ADD COLUMN mood varchar(20) NULL;\n" +
			"CREATE TABLE notes__labels (id integer NOT NULL, note_id integer NOT NULL, PRIMARY KEY (id), CONSTRAINT notes__labels_note FOREIGN KEY (note_id) REFERENCES notes__notes (id));\n",
	},
	"tags": {tagsV1 + "_tags.sql": "CREATE TABLE tags__tags (id integer NOT NULL, label_id integer NOT NULL, PRIMARY KEY (id), CONSTRAINT tags__tags_label FOREIGN KEY (label_id) REFERENCES notes__labels (id));\n"},
}

// downApp is the test application on one database: its branches'
// folders (in memory, for the dialect) and its composer.
type downApp struct {
	t       *testing.T
	db      *testdb.DB
	folders map[string]fstest.MapFS
	comp    *compose.Composer
}

func newDownApp(t *testing.T, dialect string, upTo string) *downApp {
	return newDownAppOf(t, dialect, upTo, downFiles)
}

// newDownAppOf is newDownApp with other branch files (core's always whole).
func newDownAppOf(t *testing.T, dialect string, upTo string, branchFiles map[string]map[string]string) *downApp {
	return newDownAppSeeds(t, dialect, upTo, branchFiles, nil)
}

// newDownAppSeeds is newDownAppOf with seed rows for the plugins.
func newDownAppSeeds(t *testing.T, dialect string, upTo string, branchFiles map[string]map[string]string, seeds map[string][]plugin.Seed) *downApp {
	a := &downApp{t: t, db: testdb.Open(t, dialect), folders: map[string]fstest.MapFS{}}
	for branch, files := range branchFiles {
		a.folders[branch] = fstest.MapFS{}
		for name, body := range files {
			if name[:len(upTo)] <= upTo || branch == plugin.Core {
				a.folders[branch][dialect+"/"+name] = &fstest.MapFile{Data: []byte(body)}
			}
		}
		a.rehash(branch)
	}
	col := func(name string) *entschema.Column { return &entschema.Column{Name: name, Type: field.TypeString} }
	id := &entschema.Column{Name: "id", Type: field.TypeInt}
	var reg plugin.Registry
	require.NoError(t, reg.Add(plugin.Plugin{Name: "notes", Dir: "plugins/notes", Migrations: a.folders["notes"], Seeds: seeds["notes"]}))
	require.NoError(t, reg.Add(plugin.Plugin{Name: "tags", Dir: "plugins/tags", Migrations: a.folders["tags"], DependsOn: []string{"notes"}, Seeds: seeds["tags"]}))
	comp, err := compose.New([]*entschema.Table{
		entschema.NewTable("core__users").AddPrimary(id).AddColumn(col("name")),
		entschema.NewTable("notes__notes").AddPrimary(id).AddColumn(col("body")),
		entschema.NewTable("tags__tags").AddPrimary(id),
	}, map[string]string{"core__users": plugin.Core, "notes__notes": "notes", "tags__tags": "tags"}, &reg)
	require.NoError(t, err)
	a.comp = comp
	return a
}

// rehash writes a branch folder's atlas.sum.
func (a *downApp) rehash(branch string) {
	d := a.db.Dialect
	var files []migrate.File
	names, _ := fs.Glob(a.folders[branch], d+"/*.sql")
	for _, n := range names {
		files = append(files, migrate.NewLocalFile(strings.TrimPrefix(n, d+"/"), a.folders[branch][n].Data))
	}
	sum, err := migrate.NewHashFile(files)
	require.NoError(a.t, err)
	b, err := sum.MarshalText()
	require.NoError(a.t, err)
	a.folders[branch][d+"/atlas.sum"] = &fstest.MapFile{Data: b}
}

func (a *downApp) migrator(enabled []string, opts ...apply.Option) *apply.Migrator {
	a.t.Helper()
	sources := apply.Sources{}
	for b, f := range a.folders {
		sources[b] = f
	}
	opts = append([]apply.Option{apply.WithSQLiteFile(a.db.Name), apply.WithScratchURL(testdb.DevURL(a.t, a.db.Dialect)), apply.WithEnabled(enabled...)}, opts...)
	m, err := apply.New(a.db.DB, a.db.Dialect, a.comp, sources, opts...)
	require.NoError(a.t, err)
	return m
}

// exec runs statements on the test database.
func (a *downApp) exec(stmts ...string) {
	a.t.Helper()
	for _, s := range stmts {
		_, err := a.db.DB.Exec(s)
		require.NoError(a.t, err, s)
	}
}

// tables inspects the database's tables of a prefix with Atlas.
func (a *downApp) tables(prefix string) *schema.Schema {
	a.t.Helper()
	drv, err := compose.Open(a.db.Dialect, a.db.DB)
	require.NoError(a.t, err)
	s, err := drv.InspectSchema(context.Background(), "", nil)
	require.NoError(a.t, err)
	var keep []*schema.Table
	for _, t := range s.Tables {
		if strings.HasPrefix(t.Name, prefix) {
			keep = append(keep, t)
		}
	}
	s.Tables = keep
	return s
}

// sameTables asserts that two databases hold the same tables of a prefix.
func sameTables(t *testing.T, a, b *downApp, prefix string) {
	t.Helper()
	drv, err := compose.Open(a.db.Dialect, a.db.DB)
	require.NoError(t, err)
	x, y := a.tables(prefix), b.tables(prefix)
	y.Name, y.Attrs, y.Realm = x.Name, x.Attrs, x.Realm
	for _, tb := range y.Tables {
		tb.Schema = x
	}
	changes, err := drv.SchemaDiff(x, y)
	require.NoError(t, err)
	require.Empty(t, changes, "tables %s* differ", prefix)
	require.Len(t, y.Tables, len(x.Tables))
}

// snapshot is every row of the history and of the notes tables.
func (a *downApp) snapshot() string {
	a.t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT branch, version, type, applied, total FROM plugmig_history ORDER BY branch, version",
	} {
		rows, err := testdb.Rows(a.db.DB, q)
		require.NoError(a.t, err)
		fmt.Fprintln(&b, rows)
	}
	b.WriteString(a.notes())
	b.WriteString(fmt.Sprint(len(a.tables("notes__").Tables)))
	return b.String()
}

// notes returns the rows of notes__notes: id, body and title.
func (a *downApp) notes() string {
	a.t.Helper()
	rows, err := a.db.DB.Query("SELECT id, body, title FROM notes__notes ORDER BY id")
	require.NoError(a.t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int
		var body string
		var title sql.NullString
		require.NoError(a.t, rows.Scan(&id, &body, &title))
		if !title.Valid {
			title.String = "-"
		}
		out = append(out, fmt.Sprintf("%d %s %s", id, body, title.String))
	}
	require.NoError(a.t, rows.Err())
	return strings.Join(out, "|")
}

// driftClean asserts that drift finds every branch as its history says.
func (a *downApp) driftClean(m *apply.Migrator) {
	a.t.Helper()
	sources := apply.Sources{}
	for b, f := range a.folders {
		sources[b] = f
	}
	c, err := drift.New(a.comp, sources)
	require.NoError(a.t, err)
	r, err := c.Check(context.Background(), drift.Target{DB: a.db.DB, Dialect: a.db.Dialect, Migrator: m, ScratchURL: testdb.DevURL(a.t, a.db.Dialect)})
	require.NoError(a.t, err)
	require.False(a.t, r.Drift(), "drift: %+v", r.Branches)
}

// TestDown is issue 24's acceptance test, on each dialect: a plugin branch
// with three versions and rows in its tables goes down one step only
// after its enabled dependent is gone and, holding data, only with
// --allow-data-loss; its tables are then exactly those of a database
// migrated only that far, with every row of the tables that stay; history
// and status say so; apply brings it back with drift clean at each step;
// and an explicit down part that would touch core, or change the schema,
// is refused.
func TestDown(t *testing.T) {
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			a := newDownApp(t, d, tagsV1)
			both := []string{"notes", "tags"}
			_, err := a.migrator(both).Apply(ctx)
			require.NoError(t, err)
			a.exec("INSERT INTO core__users (id, name) VALUES (1, 'ann')",
				"INSERT INTO notes__notes (id, body, title, mood) VALUES (1, 'one', 't1', 'glad'), (2, 'two', 't2', NULL), (3, 'three', NULL, 'sad')",
				"INSERT INTO notes__labels (id, note_id) VALUES (1, 1), (2, 3)",
				"INSERT INTO tags__tags (id, label_id) VALUES (1, 2)")

			// An enabled plugin whose history needs notes__labels: refused,
			// naming it; nothing changed.
			before := a.snapshot()
			_, err = a.migrator(both).Down(ctx, apply.DownRequest{Branch: "notes", Steps: 1})
			require.ErrorIs(t, err, apply.ErrDown)
			require.ErrorContains(t, err, `plugin "tags"`)
			require.Equal(t, before, a.snapshot())
			// Disabled, its tables stay: refused all the same.
			notes := []string{"notes"}
			_, err = a.migrator(notes).Down(ctx, apply.DownRequest{Branch: "notes", Steps: 1})
			require.ErrorContains(t, err, `plugin "tags" (disabled, its tables kept`)
			require.Equal(t, before, a.snapshot())
			_, err = a.migrator(notes).Remove(ctx, "tags", []string{"tags__tags"}) // what its history created
			require.NoError(t, err)

			a.driftClean(a.migrator(notes))
			// Data in a column and a table that would go: refused, naming
			// each with its rows; the dry run shows the plan; nothing changed.
			before = a.snapshot()
			_, err = a.migrator(notes).Down(ctx, apply.DownRequest{Branch: "notes", Steps: 1})
			require.ErrorIs(t, err, apply.ErrDataLoss)
			require.ErrorContains(t, err, "column notes__notes.mood, which holds a value in 2 row(s)")
			require.ErrorContains(t, err, "table notes__labels, which holds 2 row(s)")
			require.ErrorContains(t, err, "--allow-data-loss")
			require.Equal(t, before, a.snapshot())
			p, err := a.migrator(notes).Down(ctx, apply.DownRequest{Branch: "notes", Steps: 1, DryRun: true})
			require.NoError(t, err)
			require.Equal(t, []string{notesV3}, p.Reverted)
			require.Contains(t, strings.ToLower(p.SQL()), "notes__labels")
			require.Equal(t, before, a.snapshot())

			// An explicit down part that touches core, or the schema: refused.
			for body, want := range map[string]string{
				"UPDATE core__users SET name = 'x';\n":             "core__users",
				"ALTER TABLE notes__notes ADD COLUMN x integer;\n": "not an INSERT, UPDATE or DELETE",
			} {
				a.folders["notes"][d+"/down/"+notesV3+".sql"] = &fstest.MapFile{Data: []byte(body)}
				_, err = a.migrator(notes, apply.WithAllowDataLoss(true)).Down(ctx, apply.DownRequest{Branch: "notes", Steps: 1})
				require.ErrorContains(t, err, want)
				require.Equal(t, before, a.snapshot())
			}
			delete(a.folders["notes"], d+"/down/"+notesV3+".sql")

			// A table no branch owns references notes__labels: the database
			// refuses the plan; SQLite and PostgreSQL roll all of it back, on
			// MariaDB what ran is recorded and the same down finishes it.
			a.exec("CREATE TABLE keepers (id integer NOT NULL, label_id integer NOT NULL, PRIMARY KEY (id), CONSTRAINT keepers_label FOREIGN KEY (label_id) REFERENCES notes__labels (id))",
				"INSERT INTO keepers (id, label_id) VALUES (1, 1)")
			_, err = a.migrator(notes, apply.WithAllowDataLoss(true)).Down(ctx, apply.DownRequest{Branch: "notes", Steps: 1})
			require.ErrorContains(t, err, "run the same down again")
			if d != compose.MySQL {
				require.ErrorContains(t, err, "the down was rolled back")
				require.Equal(t, before, a.snapshot())
			}
			a.exec("DROP TABLE keepers")

			p, err = a.migrator(notes, apply.WithAllowDataLoss(true)).Down(ctx, apply.DownRequest{Branch: "notes", Steps: 1})
			require.NoError(t, err)
			require.Equal(t, notesV3, p.From)
			require.Equal(t, notesV2, p.To)

			// Exactly the tables of a database migrated only to version 2,
			// with every row of the table that stays.
			two := newDownApp(t, d, notesV2)
			_, err = two.migrator(notes).Apply(ctx)
			require.NoError(t, err)
			sameTables(t, a, two, "notes__")
			require.Equal(t, "1 one t1|2 two t2|3 three -", a.notes())
			a.driftClean(a.migrator(notes))

			// History and status say what went down, when, to which version.
			m := a.migrator(notes)
			hist, err := m.History(ctx, "notes")
			require.NoError(t, err)
			last := hist[len(hist)-1]
			require.Equal(t, apply.TypeDown, last.TypeName())
			from, to, ok := apply.ParseDownKey(last.Version)
			require.True(t, ok)
			require.Equal(t, []string{notesV3, notesV2}, []string{from, to})
			st, err := m.Status(ctx)
			require.NoError(t, err)
			require.Equal(t, "notes", st[1].Branch)
			require.Equal(t, notesV2, st[1].Applied)
			require.Equal(t, 1, st[1].Pending)
			require.Contains(t, st[1].Down, "went down from "+notesV3+" to "+notesV2)

			// apply brings it forward again with the unchanged file.
			_, err = a.migrator(notes).Apply(ctx)
			require.NoError(t, err)
			a.driftClean(a.migrator(notes))
			three := newDownApp(t, d, notesV3)
			_, err = three.migrator(notes).Apply(ctx)
			require.NoError(t, err)
			sameTables(t, a, three, "notes__")
			st, err = a.migrator(notes).Status(ctx)
			require.NoError(t, err)
			require.Equal(t, notesV3, st[1].Applied)
			require.Empty(t, st[1].Down)

			// An explicit down part carries the data the computed change
			// drops, between its additions and its drops: no
			// --allow-data-loss needed, its reason shown.
			a.exec("UPDATE notes__notes SET mood = 'glad' WHERE id = 1", "UPDATE notes__notes SET mood = 'sad' WHERE id = 3")
			a.folders["notes"][d+"/down/"+notesV3+".sql"] = &fstest.MapFile{Data: []byte(
				"-- plugmig:allow data-loss: a note's mood goes back into its title\nUPDATE notes__notes SET title = mood WHERE mood IS NOT NULL;\n")}
			p, err = a.migrator(notes).Down(ctx, apply.DownRequest{Branch: "notes", To: notesV2})
			require.NoError(t, err)
			require.Equal(t, []string{notesV3}, p.Explicit)
			require.Equal(t, 1, strings.Count(p.SQL(), "UPDATE notes__notes SET title = mood"), "the down part runs once:\n%s", p.SQL())
			require.Contains(t, p.Losses[0].String(), "allowed by the down part: a note's mood goes back into its title")
			require.Equal(t, "1 one glad|2 two t2|3 three sad", a.notes())
			sameTables(t, a, two, "notes__")
			a.driftClean(a.migrator(notes))
		})
	}
}

// TestDownCore: core goes down only where no plugin's applied
// history needs what would go (the refusal names the plugin), and then
// runs as the migrator; a column narrowed by a down is refused while a
// value would not fit, naming it and its rows.
func TestDownCore(t *testing.T) {
	widen := map[string]string{
		"sqlite":   "CREATE TABLE core__groups (id integer NOT NULL, PRIMARY KEY (id));\n",
		"postgres": "CREATE TABLE core__groups (id integer NOT NULL, PRIMARY KEY (id));\nALTER TABLE core__users ALTER COLUMN name TYPE varchar(200);\n",
		"mysql":    "CREATE TABLE core__groups (id integer NOT NULL, PRIMARY KEY (id));\nALTER TABLE core__users MODIFY COLUMN name varchar(200) NOT NULL;\n",
	}
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			files := map[string]map[string]string{
				plugin.Core: {
					coreV + "_users.sql":        downFiles[plugin.Core][coreV+"_users.sql"],
					"20260101000005_groups.sql": widen[d],
				},
				"notes": {notesV1 + "_notes.sql": "CREATE TABLE notes__notes (id integer NOT NULL, group_id integer NOT NULL, PRIMARY KEY (id), CONSTRAINT notes__notes_group FOREIGN KEY (group_id) REFERENCES core__groups (id));\n"},
				"tags":  {},
			}
			a := newDownAppOf(t, d, "99999999999999", files)
			notes := []string{"notes"}
			_, err := a.migrator(notes).Apply(ctx)
			require.NoError(t, err)
			a.exec("INSERT INTO core__users (id, name) VALUES (1, 'a name longer than fifty characters, which version 1 could not hold')")
			before := a.snapshotCore()
			_, err = a.migrator(notes, apply.WithAllowDataLoss(true)).Down(ctx, apply.DownRequest{Branch: plugin.Core, Steps: 1})
			require.ErrorIs(t, err, apply.ErrDown)
			require.ErrorContains(t, err, `plugin "notes"`)
			require.ErrorContains(t, err, "notes__notes")
			require.Equal(t, before, a.snapshotCore())

			none := []string{}
			_, err = a.migrator(none).Remove(ctx, "notes", []string{"notes__notes"}) // disabled first; what its history created
			require.NoError(t, err)
			before = a.snapshotCore()
			if d != compose.SQLite { // SQLite keeps any length in a varchar
				_, err = a.migrator(none).Down(ctx, apply.DownRequest{Branch: plugin.Core, Steps: 1})
				require.ErrorIs(t, err, apply.ErrDataLoss)
				require.ErrorContains(t, err, "column core__users.name (type ")
				require.ErrorContains(t, err, "(200) -> ")
				require.ErrorContains(t, err, "(50)), which holds a value in 1 row(s)")
				require.Equal(t, before, a.snapshotCore())
				a.exec("UPDATE core__users SET name = 'short'")
				before = a.snapshotCore()
			}
			p, err := a.migrator(none).Down(ctx, apply.DownRequest{Branch: plugin.Core, Steps: 1})
			require.NoError(t, err)
			require.Equal(t, coreV, p.To)
			require.NotContains(t, a.snapshotCore(), "core__groups")
			one := newDownAppOf(t, d, coreV, map[string]map[string]string{plugin.Core: {coreV + "_users.sql": files[plugin.Core][coreV+"_users.sql"]}, "notes": {}, "tags": {}})
			_, err = one.migrator(none).Apply(ctx)
			require.NoError(t, err)
			sameTables(t, a, one, "core__")
			a.driftClean(a.migrator(none))
		})
	}
}

// snapshotCore is the history and core's tables with their columns.
func (a *downApp) snapshotCore() string {
	a.t.Helper()
	rows, err := testdb.Rows(a.db.DB, "SELECT branch, version, type, applied, total FROM plugmig_history ORDER BY branch, version")
	require.NoError(a.t, err)
	var b strings.Builder
	fmt.Fprintln(&b, rows)
	for _, t := range a.tables("core__").Tables {
		fmt.Fprintf(&b, "%s:", t.Name)
		for _, c := range t.Columns {
			fmt.Fprintf(&b, " %s %s", c.Name, c.Type.Raw)
		}
		b.WriteString("\n")
	}
	return b.String()
}
