package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"entgo.io/ent/dialect/sql/schema"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plugin"
)

// GraphCmd draws the branches, or one branch's tables, as Mermaid or DOT.
type GraphCmd struct {
	Branch string `short:"b" help:"Draw this branch's tables and their foreign keys into the tables they reference, instead of the branches."`
	Format string `short:"f" default:"mermaid" enum:"mermaid,dot" help:"mermaid (renders in GitHub and the docs) or dot (Graphviz)."`
}

// edge is an arrow of the diagram; one marks a foreign key whose columns are
// also the table's primary key or a unique index (a shared key): at most
// one row per referenced row, drawn 1:1 rather than many-to-one.
type edge struct {
	from, to, label string
	one             bool // at most one row of from per row of to
	optional        bool // a from row may reference no row of to (a nullable column)
}

// Run prints the diagram.
func (c *GraphCmd) Run(app *App) error {
	comp, err := app.Composer()
	if err != nil {
		return err
	}
	if c.Branch != "" {
		return c.tables(app.Stdout, comp)
	}
	return c.branches(app, comp)
}

func (c *GraphCmd) branches(app *App, comp *compose.Composer) error {
	branches, err := comp.Branches()
	if err != nil {
		return err
	}
	labels := map[string]string{}
	if root, err := app.ModuleRoot(); err == nil {
		heads, _ := migdir.Heads(root, comp.Plugins(), branches, app.Dialects)
		for _, h := range heads {
			labels[h.Branch] = fmt.Sprintf("head %s %s", h.Version, h.Description)
			if h.Version == "" {
				labels[h.Branch] = "no migration yet"
			}
		}
	}
	var edges []edge
	for _, b := range branches[1:] {
		p, err := comp.Plugins().Get(b)
		if err != nil {
			return err
		}
		deps := p.DependsOn
		if len(deps) == 0 {
			deps = []string{plugin.Core}
		}
		for _, d := range deps {
			edges = append(edges, edge{from: b, to: d, label: "spliced on"})
		}
	}
	nodes := make([][2]string, len(branches))
	for i, b := range branches {
		n := len(comp.Tables(b))
		nodes[i] = [2]string{b, fmt.Sprintf("%s\\n%d table(s)\\n%s", b, n, labels[b])}
	}
	return c.draw(app.Stdout, "flowchart", nodes, edges)
}

func (c *GraphCmd) tables(w io.Writer, comp *compose.Composer) error {
	b, err := comp.Branch(c.Branch)
	if err != nil {
		return err
	}
	own := map[string]bool{}
	for _, t := range comp.Tables(c.Branch) {
		own[t] = true
	}
	if c.Branch == plugin.Core {
		own = map[string]bool{}
		for _, t := range b.Tables {
			own[t.Name] = true
		}
	}
	shown := map[string]bool{}
	var edges []edge
	for _, t := range b.Tables {
		if !own[t.Name] {
			continue
		}
		shown[t.Name] = true
		for _, fk := range t.ForeignKeys {
			var cols []string
			for _, col := range fk.Columns {
				cols = append(cols, col.Name)
			}
			edges = append(edges, edge{from: t.Name, to: fk.RefTable.Name, label: strings.Join(cols, ", "), one: unique(t, cols), optional: nullable(fk.Columns)})
			shown[fk.RefTable.Name] = true
		}
	}
	var names []string
	for n := range shown {
		names = append(names, n)
	}
	sort.Strings(names)
	nodes := make([][2]string, len(names))
	for i, n := range names {
		owner := comp.Owner(n)
		nodes[i] = [2]string{n, n + "\\n(" + owner + ")"}
	}
	return c.draw(w, "er", nodes, edges)
}

func (c *GraphCmd) draw(w io.Writer, kind string, nodes [][2]string, edges []edge) error {
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].from != edges[j].from {
			return edges[i].from < edges[j].from
		}
		return edges[i].to < edges[j].to
	})
	if c.Format == "dot" {
		fmt.Fprintln(w, "digraph plugmig {")
		fmt.Fprintln(w, "  rankdir=LR;\n  node [shape=box];")
		for _, n := range nodes {
			fmt.Fprintf(w, "  %q [label=%q];\n", n[0], strings.ReplaceAll(n[1], `\n`, "\n"))
		}
		for _, e := range edges {
			label, head := e.label, "teetee"
			if e.optional {
				label, head = label+" (nullable)", "teeodot"
			}
			if e.one {
				fmt.Fprintf(w, "  %q -> %q [label=%q, arrowtail=teeodot, arrowhead=%s, dir=both];\n", e.from, e.to, label+" (1:1)", head)
				continue
			}
			fmt.Fprintf(w, "  %q -> %q [label=%q];\n", e.from, e.to, label)
		}
		_, err := fmt.Fprintln(w, "}")
		return err
	}
	if kind == "er" {
		fmt.Fprintln(w, "erDiagram")
		for _, e := range edges {
			// Left: how many rows of from per row of to (zero or more, or
			// zero or one); right: how many rows of to a row of from
			// references (exactly one, or zero or one when the column is
			// nullable).
			left, right := "}o", "||"
			if e.one {
				left = "|o"
			}
			if e.optional {
				right = "o|"
			}
			card := left + "--" + right
			fmt.Fprintf(w, "  %s %s %s : %q\n", e.from, card, e.to, e.label)
		}
		for _, n := range nodes {
			if !hasEdge(edges, n[0]) {
				fmt.Fprintf(w, "  %s {\n  }\n", n[0])
			}
		}
		return nil
	}
	fmt.Fprintln(w, "flowchart RL")
	for _, n := range nodes {
		fmt.Fprintf(w, "  %s[%q]\n", n[0], strings.ReplaceAll(n[1], `\n`, "<br/>"))
	}
	for _, e := range edges {
		fmt.Fprintf(w, "  %s -- %s --> %s\n", e.from, e.label, e.to)
	}
	return nil
}

// nullable reports whether any of a foreign key's columns may be NULL: a
// row may then reference nothing.
func nullable(cols []*schema.Column) bool {
	for _, c := range cols {
		if c.Nullable {
			return true
		}
	}
	return false
}

// unique reports whether cols, a foreign key's columns, are exactly the
// table's primary key or the columns of one of its unique indexes.
func unique(t *schema.Table, cols []string) bool {
	same := func(cs []*schema.Column) bool {
		if len(cs) != len(cols) {
			return false
		}
		for i, c := range cs {
			if c.Name != cols[i] {
				return false
			}
		}
		return true
	}
	if same(t.PrimaryKey) {
		return true
	}
	for _, idx := range t.Indexes {
		if idx.Unique && same(idx.Columns) {
			return true
		}
	}
	for _, c := range t.Columns {
		if c.Unique && len(cols) == 1 && c.Name == cols[0] {
			return true
		}
	}
	return false
}

func hasEdge(edges []edge, n string) bool {
	for _, e := range edges {
		if e.from == n || e.to == n {
			return true
		}
	}
	return false
}
