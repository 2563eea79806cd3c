package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/migdir"
)

// HashCmd rewrites the atlas.sum of every migration folder.
type HashCmd struct{}

// Run rehashes each branch's folder in each configured dialect and says
// which sums changed.
func (c *HashCmd) Run(app *App) error {
	proj, branches, err := app.branches()
	if err != nil {
		return err
	}
	comp := proj.Composer
	changed := 0
	var problems []error
	for _, b := range branches {
		for _, d := range app.Dialects {
			rel, err := migdir.Path(comp.Plugins(), b, d)
			if err != nil {
				return err
			}
			path := filepath.Join(proj.Root, rel)
			if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("branch %q: migration folder %s does not exist: create it (an empty folder is fine)", b, rel)
			}
			dir, err := migrate.NewLocalDir(path)
			if err != nil {
				return err
			}
			if err := migdir.Names(dir, rel); err != nil {
				problems = append(problems, fmt.Errorf("branch %q: %w", b, err))
				continue
			}
			if migdir.Check(dir, rel) == nil {
				continue
			}
			if err := migdir.Rehash(dir); err != nil {
				return fmt.Errorf("rehash %s: %w", rel, err)
			}
			changed++
			fmt.Fprintf(app.Stdout, "rewrote %s\n", filepath.ToSlash(filepath.Join(rel, migrate.HashFileName)))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w\nnothing else was rehashed in these folders", errors.Join(problems...))
	}
	if changed == 0 {
		fmt.Fprintln(app.Stdout, "every atlas.sum already matches its folder")
	}
	return nil
}
