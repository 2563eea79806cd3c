package apply_test

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"

	entschema "entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/schema/field"
	_ "modernc.org/sqlite" // registers "sqlite"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/plugin"
)

// An application keeps its migration folders in the binary, core's and
// each plugin's, one sub-folder per dialect with its atlas.sum (what
// go run ./cmd diff writes).
//
//go:embed all:testdata/example/core
var coreFS embed.FS

//go:embed all:testdata/example/blog
var blogFS embed.FS

// Example shows an application migrating its own database at start-up,
// with the guarantees of the CLI's apply: the run lock (concurrent
// instances wait, then find nothing to do), the checks before any SQL
// (atlas.sum, applied files unchanged, nothing out of order, no unrecorded
// tables), one transaction per file, and the ownership guard that refuses a
// plugin file touching core. Its tables and owners would be the generated
// ent/migrate.Tables and ent/migrate.Owners; here they are written out.
func Example() {
	ctx := context.Background()

	// The application: core's tables, one plugin "blog" and who owns what.
	users := entschema.NewTable("core__users").
		AddPrimary(&entschema.Column{Name: "id", Type: field.TypeInt, Increment: true}).
		AddColumn(&entschema.Column{Name: "name", Type: field.TypeString})
	posts := entschema.NewTable("blog__posts").
		AddPrimary(&entschema.Column{Name: "id", Type: field.TypeInt, Increment: true}).
		AddColumn(&entschema.Column{Name: "title", Type: field.TypeString}).
		AddColumn(&entschema.Column{Name: "author_id", Type: field.TypeInt})
	var plugins plugin.Registry
	must(plugins.Add(plugin.Plugin{Name: "blog", Dir: "plugins/blog", Migrations: sub(blogFS, "testdata/example/blog")}))
	comp, err := compose.New([]*entschema.Table{users, posts},
		map[string]string{"core__users": plugin.Core, "blog__posts": "blog"}, &plugins)
	must(err)
	sources := apply.Sources{plugin.Core: sub(coreFS, "testdata/example/core"), "blog": sub(blogFS, "testdata/example/blog")}

	// At start-up: open the database and bring it to the binary's migrations.
	dir, err := os.MkdirTemp("", "example")
	must(err)
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "app.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	must(err)
	defer db.Close()
	for start := 1; start <= 2; start++ {
		m, err := apply.New(db, compose.SQLite, comp, sources, apply.WithSQLiteFile(path))
		must(err)
		results, err := m.Apply(ctx)
		must(err) // a refusal wraps apply.ErrIntegrity; the database is untouched
		fmt.Printf("start %d:\n", start)
		for _, r := range results {
			fmt.Printf("  %s: %s -> %s, %d file(s)\n", r.Branch, orDash(r.From), r.To, len(r.Files))
		}
	}
	// Output:
	// start 1:
	//   core: - -> 20260101000000, 1 file(s)
	//   blog: - -> 20260101000001, 1 file(s)
	// start 2:
	//   core: 20260101000000 -> 20260101000000, 0 file(s)
	//   blog: 20260101000001 -> 20260101000001, 0 file(s)
}

func sub(fsys fs.FS, dir string) fs.FS {
	s, err := fs.Sub(fsys, dir)
	must(err)
	return s
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
