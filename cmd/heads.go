package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/plugmig/plugmig/migdir"
)

// HeadsCmd lists each branch's newest migration.
type HeadsCmd struct {
	JSON bool `name:"json" help:"Print the heads as JSON."`
}

// Run prints one line per branch: name, head version, description, count.
func (c *HeadsCmd) Run(app *App) error {
	proj, err := app.Project()
	if err != nil {
		return err
	}
	comp := proj.Composer
	branches, err := comp.Branches()
	if err != nil {
		return err
	}
	heads, err := migdir.Heads(proj.Root, comp.Plugins(), branches, app.Dialects)
	if c.JSON {
		enc := json.NewEncoder(app.Stdout)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(heads); jerr != nil {
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
