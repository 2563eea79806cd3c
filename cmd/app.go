package main

import (
	"io"

	"github.com/plugmig/plugmig/compose"
	"github.com/plugmig/plugmig/ent/migrate"
	"github.com/plugmig/plugmig/plugin"

	_ "github.com/plugmig/plugmig/plugins" // registers every plugin
)

// App is what every command runs against: this application's tables, owners
// and plugins, and the output streams.
type App struct {
	Stdout io.Writer
	Stderr io.Writer
}

// Composer builds the composer of this application's branches.
func (a *App) Composer() (*compose.Composer, error) {
	return compose.New(migrate.Tables, migrate.Owners, plugin.Default())
}
