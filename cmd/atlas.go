package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/plugmig/plugmig/engine/atlasenv"
)

// AtlasCmd groups the commands for teams that drive the workflow with the
// atlas CLI.
type AtlasCmd struct {
	Sync   AtlasSyncCmd   `cmd:"" help:"Write atlas.hcl and, under .atlas/, each branch's desired schema and each plugin's composed migration directory."`
	Import AtlasImportCmd `cmd:"" help:"Move the file atlas migrate diff --env <plugin> wrote into the plugin's own folders; for core, give the files --env core wrote one version across dialects. Rehashes."`
}

// AtlasSyncCmd writes what the atlas CLI reads.
type AtlasSyncCmd struct{}

// Run writes atlas.hcl and .atlas/.
func (c *AtlasSyncCmd) Run(app *App) error {
	proj, err := app.Project()
	if err != nil {
		return err
	}
	if err := atlasenv.Sync(context.Background(), proj, app.Dialects); err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "wrote %s and %s/ (%s)\n", atlasenv.HCLFile, atlasenv.Dir, strings.Join(app.Dialects, ", "))
	return nil
}

// AtlasImportCmd moves atlas-written files into a plugin's folders.
type AtlasImportCmd struct {
	Branch string `short:"b" required:"" help:"Branch (core or a plugin) whose env atlas migrate diff ran for."`
}

// Run imports the new files of every configured dialect.
func (c *AtlasImportCmd) Run(app *App) error {
	ctx := context.Background()
	proj, devs, closeDevs, err := app.Workspace(ctx)
	if err != nil {
		return err
	}
	defer closeDevs()
	written, err := atlasenv.Import(ctx, proj, devs, c.Branch, app.Dialects)
	for _, f := range written {
		fmt.Fprintf(app.Stdout, "%s: imported %s\n", c.Branch, filepath.ToSlash(f))
	}
	return err
}
