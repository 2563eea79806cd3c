// Package app wires this application — its generated ent tables and owners
// and its registered plugins — into the engine. It is the only place that
// imports both the engine and the application's ent/ and plugins/ packages.
package app

import (
	"github.com/plugmig/plugmig/compose"
	"github.com/plugmig/plugmig/ent/migrate"
	"github.com/plugmig/plugmig/plugin"

	_ "github.com/plugmig/plugmig/plugins" // registers every plugin
)

// Composer returns the composer of this application's branches.
func Composer() (*compose.Composer, error) {
	return compose.New(migrate.Tables, migrate.Owners, plugin.Default())
}
