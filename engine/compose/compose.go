// Package compose turns an application's ent tables into the desired schema
// of one branch — core alone, or core plus one plugin and the plugins it
// depends on — for one SQL dialect, as an Atlas schema or as DDL.
//
// It is the first stage of the engine after the plugin registry. It imports
// ent's table descriptors (entgo.io/ent/dialect/sql/schema) and Atlas, never
// the application's ent/ or plugins/ packages: the application hands it the
// tables and owners its code generator produced (ent/migrate.Tables and
// ent/migrate.Owners).
package compose

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	entschema "entgo.io/ent/dialect/sql/schema"

	"github.com/plugmig/plugmig/engine/plugin"
)

// ErrOwnership is wrapped by every error about a table, column or foreign key
// that crosses the boundary between owners in a way the rules forbid.
var ErrOwnership = errors.New("ownership violation")

// Composer composes branches from one application's tables.
type Composer struct {
	tables  []*entschema.Table
	byName  map[string]*entschema.Table
	owners  map[string]string
	plugins *plugin.Registry
}

// New checks the tables against their owners and the registered plugins and
// returns a Composer. owners maps every table name to plugin.Core or a
// registered plugin's name. It refuses:
//   - a registry with registrations it refused (plugin.Registry.Err: two
//     plugins with one name or one Dir);
//   - a table without an owner, or owned by a plugin that is not registered;
//   - a plugin table not named "<plugin>__...";
//   - a foreign key from a core table to a plugin table (a plugin's edge that
//     put its column into a core table);
//   - a foreign key from a plugin table to a plugin it does not depend on.
func New(tables []*entschema.Table, owners map[string]string, plugins *plugin.Registry) (*Composer, error) {
	if err := plugins.Err(); err != nil {
		return nil, err
	}
	c := &Composer{
		tables:  tables,
		byName:  make(map[string]*entschema.Table, len(tables)),
		owners:  owners,
		plugins: plugins,
	}
	var errs []error
	for _, p := range plugins.Names() {
		for _, n := range plugins.LegacyNames(p) {
			if o, _, ok := strings.Cut(n, "__"); ok && o != p && o != plugin.Core {
				if _, err := plugins.Get(o); err == nil {
					errs = append(errs, fmt.Errorf("%w: plugin %q claims %q in its LegacyNames, a name with plugin %q's prefix: a plugin may not claim another plugin's names", ErrOwnership, p, n, o))
				}
			}
		}
	}
	for _, t := range tables {
		c.byName[t.Name] = t
		if err := c.checkTable(t); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Composer) checkTable(t *entschema.Table) error {
	owner, ok := c.owners[t.Name]
	if !ok {
		return fmt.Errorf("%w: table %q has no owner in the generated owner map: run go generate ./... to regenerate the ent client", ErrOwnership, t.Name)
	}
	if owner != plugin.Core {
		if _, err := c.plugins.Get(owner); err != nil {
			return fmt.Errorf("table %q belongs to plugin %q: %w", t.Name, owner, err)
		}
	}
	if claimant := c.plugins.Claimant(t.Name); claimant != "" && claimant != owner {
		return fmt.Errorf("%w: table %q is declared by %s but plugin %q claims the name in its LegacyNames: a name has one owner; rename the table or remove the claim", ErrOwnership, t.Name, describeOwner(owner), claimant)
	}
	if owner != plugin.Core && !c.plugins.Owns(owner, t.Name) {
		return fmt.Errorf("%w: table %q of plugin %q is not named %s...: set entsql.Annotation{Table: %q} in its schema, or claim the name in the plugin's LegacyNames if databases already have it", ErrOwnership, t.Name, owner, plugin.Prefix(owner), plugin.Prefix(owner)+t.Name)
	}
	for _, idx := range t.Indexes {
		if claimant := c.plugins.Claimant(idx.Name); claimant != "" && claimant != owner {
			return fmt.Errorf("%w: index %q of table %q (%s) is a name plugin %q claims in its LegacyNames: a name has one owner; rename the index or remove the claim", ErrOwnership, idx.Name, t.Name, describeOwner(owner), claimant)
		}
	}
	// The names the table's key, sequences, foreign keys and indexes get
	// (core's keep their explicit names) are its owner's too: claimed by no
	// one else, and, for a plugin table named outside its prefix (claimed),
	// claimed by the plugin.
	claimed := owner != plugin.Core && !strings.HasPrefix(t.Name, plugin.Prefix(owner))
	keeps := func(n string) bool { return owner == plugin.Core || c.plugins.Owns(owner, n) }
	var missing []string
	for _, d := range derivedNames(t, keeps) {
		switch claimant := c.plugins.Claimant(d.name); {
		case claimant != "" && claimant != owner:
			return fmt.Errorf("%w: %q, a name table %q (%s) gives its key, a sequence, a foreign key or an index, is claimed by plugin %q in its LegacyNames: a name has one owner; remove the claim", ErrOwnership, d.name, t.Name, describeOwner(owner), claimant)
		case claimed && claimant == "" && !strings.HasPrefix(d.name, plugin.Prefix(owner)):
			// An index named in its schema keeps that name once claimed:
			// the derived one is only what it gets while unclaimed.
			missing = append(missing, fmt.Sprintf("%q", cmp.Or(d.storageKey, d.name)))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: plugin %q's table %q gives its key, indexes, foreign keys or sequences names outside the plugin's prefix (names are exact, never derived from a claim): add them to the plugin's LegacyNames: %s", ErrOwnership, owner, t.Name, strings.Join(missing, ", "))
	}
	for _, fk := range t.ForeignKeys {
		ref := c.owners[fk.RefTable.Name]
		if ref == owner || ref == plugin.Core {
			continue
		}
		cols := columnNames(fk.Columns)
		if owner == plugin.Core {
			return fmt.Errorf("%w: core table %q has column %s referencing %q of plugin %q: an edge of plugin %q puts its foreign key into a core table; declare the edge in the plugin with Unique() so the column stays in the plugin's table (run go generate ./... for the exact edge)",
				ErrOwnership, t.Name, strings.Join(cols, ", "), fk.RefTable.Name, ref, ref)
		}
		deps, err := c.plugins.Closure(owner)
		if err != nil {
			return err
		}
		if !slices.Contains(deps, ref) {
			return fmt.Errorf("%w: table %q of plugin %q references %q of plugin %q, which %q does not depend on: add %q to its DependsOn",
				ErrOwnership, t.Name, owner, fk.RefTable.Name, ref, owner, ref)
		}
	}
	return nil
}

// Owner returns the owner of a table: plugin.Core, a plugin name, or "" for
// a table the application does not know.
func (c *Composer) Owner(table string) string { return c.owners[table] }

// Tables returns the names of the tables owned by owner, sorted.
func (c *Composer) Tables(owner string) []string {
	var names []string
	for _, t := range c.tables {
		if c.owners[t.Name] == owner {
			names = append(names, t.Name)
		}
	}
	sort.Strings(names)
	return names
}

// Plugins returns the plugin registry the composer was built with.
func (c *Composer) Plugins() *plugin.Registry { return c.plugins }

// Branches returns every branch name: core first, then each registered
// plugin after the plugins it depends on.
func (c *Composer) Branches() ([]string, error) {
	ps, err := c.plugins.Order()
	if err != nil {
		return nil, err
	}
	names := []string{plugin.Core}
	for _, p := range ps {
		names = append(names, p.Name)
	}
	return names, nil
}

// Branch is the desired schema of one branch: the tables of its owners.
type Branch struct {
	// Name is plugin.Core or a plugin name.
	Name string
	// Owners are the owners whose tables make up the branch, in dependency
	// order: core, then dependencies, then the plugin itself.
	Owners []string
	// Tables are the ent tables of those owners.
	Tables []*entschema.Table
}

// Branch composes the named branch: core alone, or core, the plugin and
// every plugin it depends on.
func (c *Composer) Branch(name string) (*Branch, error) {
	if name == plugin.Core {
		return c.Union()
	}
	b, err := c.Union(name)
	if err != nil {
		return nil, fmt.Errorf("branch %q: %w", name, err)
	}
	b.Name = name
	return b, nil
}

func columnNames(cols []*entschema.Column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = fmt.Sprintf("%q", c.Name)
	}
	return names
}

// Union composes the schema of core plus the named plugins and everything
// they depend on: what a database with exactly those plugins enabled holds.
func (c *Composer) Union(plugins ...string) (*Branch, error) {
	b := &Branch{Name: strings.Join(append([]string{plugin.Core}, plugins...), "+"), Owners: []string{plugin.Core}}
	if len(plugins) > 0 {
		ps, err := c.plugins.Order(plugins...)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			b.Owners = append(b.Owners, p.Name)
		}
	}
	for _, t := range c.tables {
		if slices.Contains(b.Owners, c.owners[t.Name]) {
			b.Tables = append(b.Tables, t)
		}
	}
	return b, nil
}

func describeOwner(owner string) string {
	if owner == plugin.Core {
		return "core"
	}
	return fmt.Sprintf("plugin %q", owner)
}

// derivedNames returns the names a table's objects get from its name when
// a branch is composed (NormalizeNames) or created: its primary key's
// (PostgreSQL's <table>_pkey), its identity columns' sequences
// (<table>_<column>_seq), its foreign keys', its unique columns' and
// indexes' without a name of their own (or with one owns refuses), and its
// enum columns' checks.
func derivedNames(t *entschema.Table, owns func(string) bool) []derivedName {
	var out []derivedName
	add := func(names ...string) {
		for _, n := range names {
			out = append(out, derivedName{name: n})
		}
	}
	cols := func(cs []*entschema.Column) string {
		names := make([]string, len(cs))
		for i, c := range cs {
			names[i] = c.Name
		}
		return strings.Join(names, "_")
	}
	if len(t.PrimaryKey) > 0 {
		add(Identifier(t.Name + "_pkey"))
		for _, c := range t.PrimaryKey {
			if c.Increment {
				add(Identifier(t.Name + "_" + c.Name + "_seq"))
			}
		}
	}
	for _, fk := range t.ForeignKeys {
		add(Identifier(t.Name + "_" + cols(fk.Columns) + "_fkey"))
	}
	isColumn := map[string]bool{}
	for _, c := range t.Columns {
		isColumn[c.Name] = true
		if c.Unique && !slices.Contains(t.PrimaryKey, c) {
			add(Identifier(t.Name + "_" + c.Name + "_key"))
		}
		if len(c.Enums) > 0 {
			add(Identifier(t.Name + "_" + c.Name + "_check"))
		}
	}
	for _, idx := range t.Indexes {
		if idx.Name != "" && !isColumn[idx.Name] && owns(idx.Name) {
			continue // named by its schema with a name the owner owns
		}
		suffix := "_idx"
		if idx.Unique {
			suffix = "_key"
		}
		d := derivedName{name: Identifier(t.Name + "_" + cols(idx.Columns) + suffix)}
		if idx.Name != "" && !isColumn[idx.Name] {
			d.storageKey = idx.Name
		}
		out = append(out, d)
	}
	return out
}

// derivedName is a name derivedNames returns: name, and for an index named
// in its schema (StorageKey) with a name its owner does not own, that
// name, which the index keeps once its owner claims it.
type derivedName struct {
	name, storageKey string
}
