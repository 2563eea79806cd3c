// Package app wires this application — its generated ent tables and owners
// and its registered plugins — into the engine. It is the only place that
// imports both the engine and the application's ent/ and plugins/ packages.
package app

import (
	"os"
	"path/filepath"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/engine/schemasrc"
	"github.com/plugmig/plugmig/ent/migrate"
	"github.com/plugmig/plugmig/migrations"

	_ "github.com/plugmig/plugmig/plugins" // registers every plugin
)

// Composer returns the composer of this application's branches.
func Composer() (*compose.Composer, error) {
	return compose.New(migrate.Tables, migrate.Owners, plugin.Default())
}

// Sources returns the migration folders built into the binary: core's and
// each registered plugin's.
func Sources() apply.Sources {
	src := apply.Sources{plugin.Core: migrations.FS}
	for _, name := range plugin.Default().Names() {
		p, _ := plugin.Default().Get(name)
		src[name] = p.Migrations
	}
	return src
}

// DiskSources returns the migration folders under a module root: what
// go run ./cmd diff writes, before it is built in.
func DiskSources(root string) apply.Sources {
	src := apply.Sources{plugin.Core: os.DirFS(filepath.Join(root, migrations.Dir))}
	for _, name := range plugin.Default().Names() {
		p, _ := plugin.Default().Get(name)
		src[name] = os.DirFS(filepath.Join(root, p.Dir, "migrations"))
	}
	return src
}

// CheckGenerated refuses generated ent code older than the schema sources
// under the module root (ent/schema and plugins/*/schema): after a failed or
// forgotten go generate, the binary would work from the old schemas.
func CheckGenerated(root string) error {
	return schemasrc.Check(migrate.SchemaSources, filepath.Join(root, "ent", "schema"), filepath.Join(root, "plugins"))
}
