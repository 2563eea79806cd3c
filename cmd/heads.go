package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/plugmig/plugmig/engine/migdir"
)

// HeadsCmd lists each branch's newest migration.
type HeadsCmd struct {
	JSON bool `name:"json" help:"Print the heads as JSON."`
}

// Run prints one line per branch: name, head version, description, count.
func (c *HeadsCmd) Run(app *App) error {
	proj, branches, err := app.branches()
	if err != nil {
		return err
	}
	comp := proj.Composer
	heads, err := migdir.Heads(proj.Root, comp.Plugins(), branches, app.Dialects)
	if c.JSON {
		if jerr := printJSON(app.Stdout, heads); jerr != nil {
			return jerr
		}
	} else {
		w := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "BRANCH\tHEAD\tDESCRIPTION\tFILES")
		for _, h := range heads {
			v, desc := h.Version, h.Description
			if v == "" {
				v, desc = "-", "(no migration yet)"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\n", h.Branch, v, desc, h.Files)
		}
		w.Flush()
	}
	return err
}
