// Package app wires this application — its generated ent tables and owners
// and its registered plugins — into the engine. It is the only place that
// imports both the engine and the application's ent/ and plugins/ packages.
package app

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
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

// SourceKey identifies what status's source check compares under the
// module root: the schema sources the ent code was generated from and
// each branch's SQLite atlas.sum there. Equal keys give equal results, so
// a check that found everything in sync need not run again.
func SourceKey(root string, branches []string) string {
	h := sha256.New()
	h.Write([]byte(migrate.SchemaSources))
	src := DiskSources(root)
	for _, b := range branches {
		h.Write([]byte("\x00" + b + "\x00"))
		if dir, ok := src[b]; ok {
			sum, _ := fs.ReadFile(dir, "sqlite/atlas.sum")
			h.Write(sum)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
