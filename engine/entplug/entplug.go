// Package entplug composes the ent schemas of an application's core and of
// its plugins into one ent graph and generates one ent client from it.
//
// It is code-generation only (it imports entc): the application runs it from
// a //go:build ignore program under //go:generate. Generation:
//
//  1. loads the core schema package and every plugins/<name>/schema package;
//  2. checks plugin names, Go type names (against each other's and ent's own
//     generated names and files), and the back-references plugins declare
//     with edge.From(...).Ref(name) on types they don't own;
//  3. writes a package of wrapper types (composed/) that embed the core and
//     plugin schemas and add those back-references to the types they point
//     at, so no core schema file ever names a plugin;
//  4. builds the ent graph and refuses any edge that would put a column, an
//     index or a constraint into a table its declaring plugin does not own,
//     and any plugin table, join table or index name without the plugin's
//     prefix;
//  5. generates the ent client and migrate/owners.go, the table → owner map
//     the engine composes branches from.
package entplug

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"entgo.io/ent/entc/gen"
	"entgo.io/ent/entc/load"

	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/engine/schemasrc"
)

// Config says where the schemas are and where the client goes. Paths are
// relative to the working directory of the generator (usually ent/).
type Config struct {
	// CoreSchema is the directory of the core schema package ("./schema").
	CoreSchema string
	// PluginsDir holds one folder per plugin, each with a schema/ package ("../plugins").
	PluginsDir string
	// Composed is the directory the wrapper package is written to ("./composed").
	Composed string
	// Target is the directory of the generated client (".").
	Target string
	// Package is the import path of the generated client.
	Package string
	// Features are ent feature flags to enable.
	Features []gen.Feature
}

// Source is one owner's loaded schemas: the core, or one plugin.
type Source struct {
	Owner   string // plugin.Core or a plugin name
	PkgPath string
	Dir     string
	Schemas []*load.Schema
	// LegacyNames are the names the plugin claims besides its prefix
	// (plugin.Plugin.LegacyNames), read from its registration's source.
	LegacyNames []string
}

// Generate runs the whole pipeline described in the package documentation.
// It is all or nothing: the folders it writes (Composed and Target) are
// saved first and restored, byte for byte, when any step fails, so a
// failed generation never leaves a half-written client behind.
func Generate(cfg Config) error {
	saved, err := saveTree(cfg.Target, cfg.Composed)
	if err != nil {
		return fmt.Errorf("save the generated code before generating: %w", err)
	}
	err = generate(cfg)
	if err == nil {
		return nil
	}
	if rerr := saved.restore(); rerr != nil {
		return fmt.Errorf("%w\nrestoring the previous generated code also failed: %v: restore it with git checkout -- %s", err, rerr, cfg.Target)
	}
	return fmt.Errorf("%w\nnothing was generated: the previous generated code is unchanged", err)
}

func generate(cfg Config) error {
	_, graph, err := Build(cfg)
	if err != nil {
		return err
	}
	if err := graph.Gen(); err != nil {
		return fmt.Errorf("generate ent client: %w", err)
	}
	return nil
}

// Build loads and checks the sources, writes the composed wrapper package and
// migrate/owners.go, and returns the checked ent graph, ready for Gen.
func Build(cfg Config) (*Composition, *gen.Graph, error) {
	sources, err := LoadSources(cfg.CoreSchema, cfg.PluginsDir)
	if err != nil {
		return nil, nil, err
	}
	errs := checkTargetFiles(cfg, sources)
	c, err := Compose(sources)
	if err != nil {
		errs = append(Errors{err}, errs...)
	}
	if err := errs.orNil(); err != nil {
		return nil, nil, err
	}
	if err := writeGo(filepath.Join(cfg.Composed, "composed.go"), c.WrapperSource()); err != nil {
		return nil, nil, err
	}
	spec, err := (&load.Config{Path: relPath(cfg.Composed)}).Load()
	if err != nil {
		return nil, nil, fmt.Errorf("load composed schemas: %w", err)
	}
	storage, err := gen.NewStorage("sql")
	if err != nil {
		return nil, nil, err
	}
	graph, err := gen.NewGraph(&gen.Config{
		Storage:  storage,
		Schema:   spec.PkgPath,
		Target:   cfg.Target,
		Package:  cfg.Package,
		Features: cfg.Features,
	}, spec.Schemas...)
	if err != nil {
		return nil, nil, fmt.Errorf("build ent graph: %w", err)
	}
	owners, err := c.CheckGraph(graph)
	if err != nil {
		return nil, nil, err
	}
	keys, err := PrimaryKeys(graph)
	if err != nil {
		return nil, nil, err
	}
	hash, err := schemasrc.Hash(cfg.CoreSchema, cfg.PluginsDir)
	if err != nil {
		return nil, nil, err
	}
	if err := writeGo(filepath.Join(cfg.Target, "migrate", "owners.go"), ownersSource(owners, keys, hash)); err != nil {
		return nil, nil, err
	}
	return c, graph, nil
}

func relPath(p string) string {
	if !strings.HasPrefix(p, ".") && !filepath.IsAbs(p) {
		return "./" + p
	}
	return p
}

// LoadSources loads the core schema package and each plugins/<name>/schema
// package found under pluginsDir.
func LoadSources(coreDir, pluginsDir string) ([]*Source, error) {
	core, err := loadSource(plugin.Core, coreDir)
	if err != nil {
		return nil, err
	}
	sources := []*Source{core}
	dirs, err := filepath.Glob(filepath.Join(pluginsDir, "*", "schema"))
	if err != nil {
		return nil, err
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		name := filepath.Base(filepath.Dir(dir))
		if err := plugin.ValidateName(name); err != nil {
			return nil, fmt.Errorf("plugin folder %s: %w: rename the folder", filepath.Dir(dir), err)
		}
		s, err := loadSource(name, dir)
		if err != nil {
			return nil, err
		}
		if s.LegacyNames, err = readLegacyNames(filepath.Dir(dir)); err != nil {
			return nil, fmt.Errorf("plugin %s: %w", name, err)
		}
		sources = append(sources, s)
	}
	return sources, nil
}

func loadSource(owner, dir string) (*Source, error) {
	spec, err := (&load.Config{Path: relPath(dir)}).Load()
	if err != nil {
		return nil, fmt.Errorf("load %s schemas from %s: %w", owner, dir, err)
	}
	return &Source{Owner: owner, PkgPath: spec.PkgPath, Dir: dir, Schemas: spec.Schemas}, nil
}

func writeGo(path string, src []byte) error {
	out, err := format.Source(src)
	if err != nil {
		return fmt.Errorf("format %s: %w\n%s", path, err, src)
	}
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, out) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}

// Errors collects every problem found, so one run reports them all.
type Errors []error

func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, err := range e {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.Is and errors.As look at every collected error.
func (e Errors) Unwrap() []error { return e }

func (e Errors) orNil() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// ErrNotOwned is wrapped by every error about an edge that would put a
// column, index or constraint into a table its declaring plugin doesn't own.
var ErrNotOwned = errors.New("edge changes a table its plugin does not own")

// ErrPrefix is wrapped by every error about a missing "<plugin>__" prefix.
var ErrPrefix = errors.New("name lacks the plugin prefix")
