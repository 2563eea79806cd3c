package main

import (
	"io"

	"github.com/plugmig/plugmig/compose"
	"github.com/plugmig/plugmig/internal/app"
)

// App is what every command runs against: this application's branches and
// the output streams.
type App struct {
	Stdout io.Writer
	Stderr io.Writer
}

// Composer builds the composer of this application's branches.
func (a *App) Composer() (*compose.Composer, error) { return app.Composer() }
