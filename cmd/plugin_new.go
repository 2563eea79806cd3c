package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/plugin"
)

// PluginNewCmd scaffolds a plugin folder.
type PluginNewCmd struct {
	Name string `arg:"" help:"Plugin name: lower-case letters, digits and single underscores; its tables are named <name>__..."`
}

// Run writes plugins/<name>/ and registers the plugin in plugins/plugins.go.
func (c *PluginNewCmd) Run(app *App) error {
	if err := plugin.ValidateName(c.Name); err != nil {
		return err
	}
	root, err := app.ModuleRoot()
	if err != nil {
		return err
	}
	if comp, err := app.Composer(); err == nil {
		if _, err := comp.Plugins().Get(c.Name); err == nil {
			return fmt.Errorf("plugin %q is already registered: choose another name", c.Name)
		}
	}
	dir := filepath.Join(root, "plugins", c.Name)
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("%s already exists: choose another name, or remove the folder", filepath.ToSlash(filepath.Join("plugins", c.Name)))
	}
	data := scaffold{Name: c.Name, Type: camel(c.Name) + "Note", Module: modulePath(root)}
	files := map[string]string{
		"plugin.go":        pluginSrc,
		"plugin_test.go":   pluginTestSrc,
		"schema/schema.go": schemaSrc,
	}
	var written []string
	for _, name := range sortedKeys(files) {
		tmpl, err := template.New(name).Parse(files[name])
		if err != nil {
			return fmt.Errorf("scaffold %s: %w", name, err)
		}
		var b bytes.Buffer
		if err := tmpl.Execute(&b, data); err != nil {
			return err
		}
		src, err := format.Source(b.Bytes())
		if err != nil {
			return fmt.Errorf("scaffold %s: %w", name, err)
		}
		if err := writeFile(filepath.Join(dir, name), src); err != nil {
			return err
		}
		written = append(written, name)
	}
	for _, d := range compose.Dialects {
		if err := writeFile(filepath.Join(dir, "migrations", d, ".keep"), nil); err != nil {
			return err
		}
	}
	if err := register(filepath.Join(root, "plugins", "plugins.go"), data.Module+"/plugins/"+c.Name); err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, `created plugins/%[1]s/: %[2]s, migrations/{sqlite,postgres,mysql}/
registered it in plugins/plugins.go
next:
  go generate ./...                                # the ent client learns %[3]s and MediaEntry.Query%[3]ss()
  go run ./cmd diff --branch %[1]s --name initial   # its first migration, in plugins/%[1]s/migrations/
  go run ./cmd atlas sync                          # atlas.hcl gets the env %[1]s (a test checks it is current)
  go run ./cmd apply                               # creates %[1]s__notes
`, c.Name, strings.Join(written, ", "), data.Type)
	return nil
}

type scaffold struct{ Name, Type, Module string }

func camel(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func modulePath(root string) string {
	b, _ := os.ReadFile(filepath.Join(root, "go.mod"))
	for _, line := range strings.Split(string(b), "\n") {
		if m, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.TrimSpace(m)
		}
	}
	return "github.com/plugmig/plugmig"
}

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// register adds the plugin's blank import to plugins/plugins.go.
func register(path, importPath string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: add _ %q to the package that links your plugins", err, importPath)
	}
	src := string(b)
	start := strings.Index(src, "import (")
	if start < 0 {
		return errors.New("plugins/plugins.go has no import block: add the plugin's import by hand")
	}
	end := strings.Index(src[start:], ")") + start
	lines := strings.Split(strings.TrimSpace(src[start+len("import ("):end]), "\n")
	lines = append(lines, fmt.Sprintf("_ %q", importPath))
	for i := range lines {
		lines[i] = "\t" + strings.TrimSpace(lines[i])
	}
	sort.Strings(lines)
	out := src[:start] + "import (\n" + strings.Join(lines, "\n") + "\n" + src[end:]
	formatted, err := format.Source([]byte(out))
	if err != nil {
		return err
	}
	return os.WriteFile(path, formatted, 0o644)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// The scaffold's files, parsed when plugin new runs (parsing them at
// package init cost every command, status and heads included).
const pluginSrc = `// Package {{.Name}} is a plugin. Its tables are named {{.Name}}__...; its
// migrations live in migrations/<dialect>/ (go run ./cmd diff --branch {{.Name}}).
package {{.Name}}

import (
	"embed"
	"io/fs"

	"{{.Module}}/engine/plugin"
)

//go:embed all:migrations
var migrations embed.FS

func init() {
	sub, _ := fs.Sub(migrations, "migrations")
	plugin.Register(plugin.Plugin{
		Name:       "{{.Name}}",
		Dir:        "plugins/{{.Name}}",
		Migrations: sub,
		// DependsOn: []string{"otherplugin"}, // plugins whose tables yours reference
		// Seeds: rows your plugin needs in core tables, inserted by apply whenever missing.
	})
}
`

const pluginTestSrc = `package {{.Name}}_test

import (
	"testing"

	"{{.Module}}/internal/app/plugintest"
)

// TestConformance checks the plugin's names and prefixes, and that its
// migrations replay to its schema on SQLite, PostgreSQL and MySQL.
func TestConformance(t *testing.T) { plugintest.Conformance(t, "{{.Name}}") }
`

const schemaSrc = `// Package schema holds the ent schemas of the {{.Name}} plugin.
package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	core "{{.Module}}/ent/schema"
)

// {{.Type}} is {{.Name}}__notes: notes on a media entry. Many notes may
// point at one entry; the foreign key stays in this table.
type {{.Type}} struct{ ent.Schema }

// Annotations names the table with the plugin's prefix.
func ({{.Type}}) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "{{.Name}}__notes"}}
}

// Fields of a note.
func ({{.Type}}) Fields() []ent.Field {
	return []ent.Field{
		field.Text("body"),
		field.Time("created").Default(time.Now),
		field.Int("media_entry_id"),
	}
}

// Edges: the note's media entry. go generate adds the back-reference
// MediaEntry.Query{{.Type}}s() without touching core's schema.
func ({{.Type}}) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("media_entry", core.MediaEntry.Type).Ref("{{.Name}}_notes").
			Unique().Required().Field("media_entry_id"),
	}
}
`
