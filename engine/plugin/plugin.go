// Package plugin is the registry of an application's plugins: their names,
// the plugins they depend on, where their migrations live and the seed rows
// they insert. It is the first stage of the engine and imports nothing of the
// application: an app registers its plugins here, like database/sql drivers.
package plugin

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Core is the name of the core branch. No plugin may take it.
const Core = "core"

// MaxNameLen is the longest plugin name allowed. It keeps "<name>__" plus a
// table name within the 63-byte identifier limit of PostgreSQL.
const MaxNameLen = 30

// Plugin describes one plugin: a folder plugins/<name>/ with its ent
// schemas, its migration folders and this registration.
type Plugin struct {
	// Name is the plugin's name and the prefix of everything it creates
	// ("<name>__"). See ValidateName for the rules.
	Name string
	// DependsOn names the plugins whose tables this plugin's tables reference.
	DependsOn []string
	// Dir is the plugin's folder relative to the module root, for example
	// "plugins/archivalook". Commands that write migrations write under
	// Dir/migrations/<dialect>/.
	Dir string
	// Migrations holds the plugin's migrations/ folder (usually embedded), with
	// one subfolder per dialect. It is what apply reads at run time.
	Migrations fs.FS
	// Seeds are rows the plugin needs in tables it does not own, inserted by
	// apply whenever they are missing (the first time the plugin is applied,
	// and again if they were lost).
	Seeds []Seed
	// LegacyNames are names the plugin owns although they do not start with
	// its prefix: the tables, indexes, constraints and sequences databases
	// made before it already have under other names (MediaGoblin's blog
	// media type has mediatype__blogs, mediatype__blogs_pkey and
	// ix_mediatype__blogs_author). Each is an exact, lowercase name, not a
	// pattern (composing lists the names a claimed table's keys, indexes and
	// sequences get, to claim too), and one owner's only: Register refuses
	// a name another plugin claims, and composing refuses one core or
	// another plugin declares, or one under another plugin's prefix. Every
	// guarantee of a prefixed name holds for them: generation, diff, lint,
	// the database's guard, drift, adopt and plugin remove. Functions,
	// types, triggers and views always carry the prefix.
	LegacyNames []string
	// DisabledByDefault leaves the plugin out of the default enabled set
	// (DefaultEnabled): the set a command uses when the operator names no
	// plugins. A historical plugin whose tables only old databases still
	// have stays registered this way, so its tables are owned (adopt,
	// drift, plugin remove know them) without a fresh database getting
	// them; naming it in the enabled plugins enables it like any other.
	DisabledByDefault bool
}

// Seed is a row a branch (core or a plugin) needs. The row is identified by
// all of its Values: it is inserted only if no row matches them.
type Seed struct {
	// Table is the table the row goes into, for example "core__privileges".
	Table string
	// Values maps column names to values.
	Values map[string]any
}

// ErrInvalidName is returned (wrapped) for a plugin name that breaks the rules.
var ErrInvalidName = errors.New("invalid plugin name")

// ErrUnknown is returned (wrapped) when a plugin name is not registered.
var ErrUnknown = errors.New("unknown plugin")

// validName reports whether name is ^[a-z][a-z0-9_]*$, without a regexp:
// every command validates the registered plugins' names, and compiling one
// cost more pages than the check.
func validName(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || i > 0 && ('0' <= c && c <= '9' || c == '_')) {
			return false
		}
	}
	return name != ""
}

// ValidateName reports whether name may be used as a plugin name: a lowercase
// letter first, then lowercase letters, digits and underscores, at most
// MaxNameLen characters, no "__" (the prefix separator) and not "core".
func ValidateName(name string) error {
	const rule = "a plugin name starts with a lowercase letter, has only [a-z0-9_], no \"__\", at most 30 characters, and is not \"core\""
	switch {
	case name == "":
		return fmt.Errorf("%w: empty name (%s)", ErrInvalidName, rule)
	case name == Core:
		return fmt.Errorf("%w: %q is reserved for the core branch (%s)", ErrInvalidName, name, rule)
	case len(name) > MaxNameLen:
		return fmt.Errorf("%w: %q has %d characters (%s)", ErrInvalidName, name, len(name), rule)
	case !validName(name):
		return fmt.Errorf("%w: %q (%s)", ErrInvalidName, name, rule)
	case strings.Contains(name, "__") || strings.HasSuffix(name, "_"):
		return fmt.Errorf("%w: %q contains \"__\" or ends with \"_\", which would blur its table prefix (%s)", ErrInvalidName, name, rule)
	}
	return nil
}

// Prefix is the prefix of every table, index and constraint owned by the
// branch name: "<name>__".
func Prefix(name string) string { return name + "__" }

// Registry holds a set of plugins by name. The zero value is empty and ready
// to use; it is safe for concurrent use.
type Registry struct {
	mu        sync.RWMutex
	plugins   map[string]Plugin
	claims    map[string]string // a legacy name -> the plugin that claims it
	coreSeeds []Seed
	refused   []error // registrations Register refused, see Err
}

// AddCoreSeeds registers seed rows of the core branch: rows core's own code
// needs (MediaGoblin's foundation privileges), inserted like a plugin's
// Seeds whenever they are missing.
func (r *Registry) AddCoreSeeds(seeds ...Seed) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.coreSeeds = append(r.coreSeeds, seeds...)
}

// Seeds returns the seed rows of a branch: core's (AddCoreSeeds) or a
// registered plugin's (Plugin.Seeds).
func (r *Registry) Seeds(branch string) ([]Seed, error) {
	if branch == Core {
		r.mu.RLock()
		defer r.mu.RUnlock()
		return slices.Clone(r.coreSeeds), nil
	}
	p, err := r.Get(branch)
	if err != nil {
		return nil, err
	}
	return slices.Clone(p.Seeds), nil
}

// Add registers p. It returns an error for an invalid or duplicate name.
func (r *Registry) Add(p Plugin) error {
	if err := ValidateName(p.Name); err != nil {
		return err
	}
	for _, d := range p.DependsOn {
		if d == p.Name {
			return fmt.Errorf("plugin %q depends on itself: remove %q from DependsOn", p.Name, d)
		}
	}
	if err := CheckLegacyNames(p.Name, p.LegacyNames); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev, dup := r.plugins[p.Name]; dup {
		return fmt.Errorf("plugin %q registered twice (Dir %q and Dir %q): two packages call Register with the same name; give each its own name (a copied plugin keeps the name in its plugin.go)", p.Name, prev.Dir, p.Dir)
	}
	for _, other := range r.plugins {
		if p.Dir != "" && filepath.Clean(other.Dir) == filepath.Clean(p.Dir) {
			return fmt.Errorf("plugins %q and %q both have Dir %q: each plugin has a folder of its own, where its migrations are written; set Dir to %q in plugin %q's plugin.go", other.Name, p.Name, p.Dir, "plugins/"+p.Name, p.Name)
		}
	}
	for _, n := range p.LegacyNames {
		if other, taken := r.claims[n]; taken {
			return fmt.Errorf("plugins %q and %q both claim the legacy name %q: a name has one owner; remove it from the LegacyNames of the plugin whose database objects do not carry it", other, p.Name, n)
		}
	}
	if r.plugins == nil {
		r.plugins = make(map[string]Plugin)
		r.claims = make(map[string]string)
	}
	p.LegacyNames = slices.Clone(p.LegacyNames)
	r.plugins[p.Name] = p
	for _, n := range p.LegacyNames {
		r.claims[n] = p.Name
	}
	return nil
}

// MaxIdentLen is the longest name a database object may have on every
// dialect (PostgreSQL's limit; MySQL's is 64).
const MaxIdentLen = 63

// reservedPrefixes start names that belong to the tool, the database or
// the tools the project replaces: no plugin may claim them.
var reservedPrefixes = []string{"plugmig", "atlas_schema_revisions", "alembic_version", "sqlite_", "pg_", "new_"}

// CheckLegacyNames checks a plugin's LegacyNames on their own: each an
// exact lowercase identifier, not its own prefix's (that one is its
// already), not the tool's or the database's, listed once.
func CheckLegacyNames(plugin string, legacy []string) error {
	seen := map[string]bool{}
	for _, n := range legacy {
		const rule = "a legacy name is the exact lowercase name of a table, index or constraint ([a-z0-9_], a letter first, at most 63 bytes)"
		switch {
		case !validName(n) || len(n) > MaxIdentLen:
			return fmt.Errorf("plugin %q: legacy name %q: %s", plugin, n, rule)
		case strings.HasPrefix(n, Prefix(plugin)):
			return fmt.Errorf("plugin %q: legacy name %q has the plugin's own prefix, so it is the plugin's already: remove it from LegacyNames", plugin, n)
		case seen[n]:
			return fmt.Errorf("plugin %q: legacy name %q is listed twice in LegacyNames", plugin, n)
		}
		for _, r := range reservedPrefixes {
			if strings.HasPrefix(n, r) {
				return fmt.Errorf("plugin %q: legacy name %q starts with %q, which belongs to the tool or the database: no plugin may claim it", plugin, n, r)
			}
		}
		seen[n] = true
	}
	return nil
}

// Claimant returns the plugin whose LegacyNames hold name, or "". Names
// match exactly: a claimed table does not bring the names derived from it
// (its primary key's, foreign keys', sequences'); composition lists those
// for the plugin to claim too. A rule that gave a claimed table every name
// starting with it would give a plugin claiming "image" every
// "image__..._seq".
func (r *Registry) Claimant(name string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.claims[name]
}

// LegacyNames returns the legacy names a plugin claims (none for core or
// an unknown name), sorted.
func (r *Registry) LegacyNames(name string) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := slices.Clone(r.plugins[name].LegacyNames)
	sort.Strings(out)
	return out
}

// OwnerByName returns who owns a database object by its name alone: the
// plugin that claims it as a legacy name; else core or the registered
// plugin its "<owner>__" prefix names; else "".
func (r *Registry) OwnerByName(name string) string {
	if c := r.Claimant(name); c != "" {
		return c
	}
	if prefix, _, ok := strings.Cut(name, "__"); ok {
		if prefix == Core {
			return Core
		}
		if _, err := r.Get(prefix); err == nil {
			return prefix
		}
	}
	return ""
}

// Owns reports whether branch owns a database object by its name alone
// (OwnerByName).
func (r *Registry) Owns(branch, name string) bool { return r.OwnerByName(name) == branch }

// Get returns the plugin registered under name.
func (r *Registry) Get(name string) (Plugin, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.plugins[name]
	if !ok {
		return Plugin{}, fmt.Errorf("%w %q (registered: %s): forgotten import of its package?", ErrUnknown, name, strings.Join(r.namesLocked(), ", "))
	}
	return p, nil
}

// Names returns the registered plugin names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.namesLocked()
}

// DefaultEnabled returns the plugins enabled when the operator names none:
// every registered plugin but those DisabledByDefault, sorted.
func (r *Registry) DefaultEnabled() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var names []string
	for _, n := range r.namesLocked() {
		if !r.plugins[n].DisabledByDefault {
			names = append(names, n)
		}
	}
	return names
}

// OffByDefault returns the registered plugins that are DisabledByDefault,
// sorted.
func (r *Registry) OffByDefault() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var names []string
	for _, n := range r.namesLocked() {
		if r.plugins[n].DisabledByDefault {
			names = append(names, n)
		}
	}
	return names
}

func (r *Registry) namesLocked() []string {
	names := make([]string, 0, len(r.plugins))
	for n := range r.plugins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Order returns the named plugins and everything they depend on, each after
// its dependencies, ties broken by name. With no names it orders every
// registered plugin. It fails on an unknown plugin or a dependency cycle.
func (r *Registry) Order(names ...string) ([]Plugin, error) {
	if len(names) == 0 {
		names = r.Names()
	}
	var (
		out   []Plugin
		state = map[string]int{} // 1 visiting, 2 done
		visit func(name string, path []string) error
	)
	visit = func(name string, path []string) error {
		switch state[name] {
		case 2:
			return nil
		case 1:
			i := slices.Index(path, name)
			return fmt.Errorf("dependency cycle between plugins: %s: remove one of these DependsOn entries", strings.Join(append(path[i:], name), " -> "))
		}
		p, err := r.Get(name)
		if err != nil {
			if len(path) > 0 {
				return fmt.Errorf("plugin %q depends on %w", path[len(path)-1], err)
			}
			return err
		}
		state[name] = 1
		deps := slices.Clone(p.DependsOn)
		sort.Strings(deps)
		for _, d := range deps {
			if err := visit(d, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		out = append(out, p)
		return nil
	}
	sorted := slices.Clone(names)
	sort.Strings(sorted)
	for _, n := range sorted {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Closure returns name and every plugin it depends on, directly or not.
func (r *Registry) Closure(name string) ([]string, error) {
	ps, err := r.Order(name)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out, nil
}

var global Registry

// Register adds p to the process-wide registry; it is meant for init
// functions, like sql.Register. A registration it refuses (an invalid or
// duplicate name, a Dir another plugin has) is kept for Err rather than
// panicking: a panic at init is a goroutine trace before main runs, and
// every command of the application reports Err instead, naming both
// registrations and the fix.
func Register(p Plugin) {
	if err := global.Add(p); err != nil {
		global.mu.Lock()
		defer global.mu.Unlock()
		global.refused = append(global.refused, fmt.Errorf("plugin.Register: %w", err))
	}
}

// Err returns the registrations Register refused, joined, or nil. A
// composer (package compose) refuses to be built while there are any.
func (r *Registry) Err() error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return errors.Join(r.refused...)
}

// RegisterCoreSeeds adds core's seed rows to the process-wide registry, the
// way Register adds a plugin's: meant for the init function of the package
// that holds core's migrations.
func RegisterCoreSeeds(seeds ...Seed) { global.AddCoreSeeds(seeds...) }

// Default returns the process-wide registry that Register adds to.
func Default() *Registry { return &global }
