package entplug

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"entgo.io/ent/entc/gen"
	"entgo.io/ent/entc/load"

	"github.com/plugmig/plugmig/engine/plugin"
)

// Composition is the checked union of all sources: who owns each type, and
// the back-references to add to types on behalf of the plugins that use them.
type Composition struct {
	Sources []*Source
	// TypeOwner maps an ent type name to its owner.
	TypeOwner map[string]string
	// BackRefs maps a type name to the edges to add to it.
	BackRefs map[string][]BackRef
	typeSrc  map[string]*Source
	claims   map[string]string // a legacy name -> the plugin that claims it
}

// BackRef is an edge.To added to a type on behalf of a plugin whose
// edge.From(...).Ref(Name) points at it.
type BackRef struct {
	Name      string // edge name on the target type, e.g. "security_rating"
	Type      string // the plugin type, e.g. "MediaSecurity"
	Owner     string // the plugin that declared it
	Unique    bool   // one-to-one
	Column    string // FK column when the key is shared (plugin.SharedKey)
	JoinTable string // join table for many-to-many
	From      string // "Type.edge" of the declaring edge, for messages
}

// Compose checks the sources against each other and computes back-references.
func Compose(sources []*Source) (*Composition, error) {
	c := &Composition{
		Sources:   sources,
		TypeOwner: map[string]string{},
		BackRefs:  map[string][]BackRef{},
		typeSrc:   map[string]*Source{},
	}
	var errs Errors
	for _, s := range sources {
		for _, sc := range s.Schemas {
			if prev, dup := c.typeSrc[sc.Name]; dup {
				errs = append(errs, fmt.Errorf("%s: type %s (%s) has the same name as type %s of %s (%s): ent needs unique type names across core and plugins; rename the plugin's type, for example to %s%s",
					describe(s.Owner), sc.Name, s.Dir, sc.Name, describe(prev.Owner), prev.Dir, goName(s.Owner), sc.Name))
				continue
			}
			c.typeSrc[sc.Name] = s
			c.TypeOwner[sc.Name] = s.Owner
		}
	}
	errs = append(errs, checkGeneratedNames(sources)...)
	errs = append(errs, checkEntNames(sources)...)
	claims, cerrs := checkClaims(sources)
	c.claims = claims
	errs = append(errs, cerrs...)
	for _, s := range sources {
		for _, sc := range s.Schemas {
			errs = append(errs, c.collectBackRefs(s, sc)...)
			errs = append(errs, c.checkIndexNames(s, sc)...)
		}
	}
	for t := range c.BackRefs {
		sort.Slice(c.BackRefs[t], func(i, j int) bool { return c.BackRefs[t][i].Name < c.BackRefs[t][j].Name })
	}
	return c, errs.orNil()
}

// collectBackRefs finds edge.From(...).Ref(x) edges of a plugin type that
// point at a type another owner declares without an edge x.
func (c *Composition) collectBackRefs(s *Source, sc *load.Schema) Errors {
	var errs Errors
	for _, e := range sc.Edges {
		if !e.Inverse || s.Owner == plugin.Core {
			continue
		}
		target, ok := c.typeSrc[e.Type]
		if !ok || target.Owner == s.Owner {
			continue // unknown types are reported by ent; own types need no help
		}
		if hasEdge(target, e.Type, e.RefName) {
			continue
		}
		br := BackRef{Name: e.RefName, Type: sc.Name, Owner: s.Owner, From: sc.Name + "." + e.Name}
		_, shared := e.Annotations[plugin.SharedKeyAnnotation]
		switch {
		case shared:
			if !e.Unique || e.Field != "" {
				errs = append(errs, fmt.Errorf("%s: edge %s has plugin.SharedKey but is not Unique() without Field(): a shared key is the table's own primary key; drop Field(%q) and keep Unique()", describe(s.Owner), br.From, e.Field))
				continue
			}
			br.Unique, br.Column = true, idColumn(sc)
		case e.Unique:
			br.Unique = e.Field != "" && fieldUnique(sc, e.Field)
		default: // many-to-many: the join table belongs to the plugin
			br.JoinTable = plugin.Prefix(s.Owner) + snake(e.Type) + "_" + e.RefName
		}
		c.BackRefs[e.Type] = append(c.BackRefs[e.Type], br)
	}
	return errs
}

func hasEdge(s *Source, typ, name string) bool {
	for _, sc := range s.Schemas {
		if sc.Name != typ {
			continue
		}
		for _, e := range sc.Edges {
			if e.Name == name {
				return true
			}
		}
	}
	return false
}

func idColumn(sc *load.Schema) string {
	for _, f := range sc.Fields {
		if f.Name == "id" && f.StorageKey != "" {
			return f.StorageKey
		}
	}
	return "id"
}

func fieldUnique(sc *load.Schema, name string) bool {
	for _, f := range sc.Fields {
		if f.Name == name {
			return f.Unique
		}
	}
	return false
}

// checkIndexNames refuses explicit index names of plugin types that lack the
// plugin's prefix. Indexes without an explicit name are named "<table>_..."
// when a branch is composed, which carries the prefix.
func (c *Composition) checkIndexNames(s *Source, sc *load.Schema) Errors {
	var errs Errors
	p := plugin.Prefix(s.Owner)
	for _, idx := range sc.Indexes {
		if idx.StorageKey == "" || c.owns(s.Owner, idx.StorageKey) {
			continue
		}
		if o := c.claims[idx.StorageKey]; o != "" {
			errs = append(errs, fmt.Errorf("%w: %s: index %q on %s(%s) is a legacy name plugin %q claims: name it otherwise", ErrClaim, describe(s.Owner), idx.StorageKey, sc.Name, strings.Join(append(idx.Edges, idx.Fields...), ", "), o))
			continue
		}
		errs = append(errs, fmt.Errorf("%w: %s: index %q on %s(%s) must be named %s...: use StorageKey(%q) or drop StorageKey to get %q automatically; an index databases already have under this name (MediaGoblin's ix_<table>_<column>) is claimed in the plugin's registration: LegacyNames: []string{%q}",
			ErrPrefix, describe(s.Owner), idx.StorageKey, sc.Name, strings.Join(append(idx.Edges, idx.Fields...), ", "), p, p+idx.StorageKey, "<table>_<columns>", idx.StorageKey))
	}
	return errs
}

// owns reports whether owner may use name: core any name nobody claims, a
// plugin a name with its prefix or one it claims.
func (c *Composition) owns(owner, name string) bool {
	if o := c.claims[name]; o != "" {
		return o == owner
	}
	return owner == plugin.Core || strings.HasPrefix(name, plugin.Prefix(owner))
}

// WrapperSource returns the Go source of the composed package.
func (c *Composition) WrapperSource() []byte {
	var b bytes.Buffer
	b.WriteString("// Code generated by entplug (go generate ./...). DO NOT EDIT.\n\n")
	b.WriteString("// Package composed is the union of the core and plugin ent schemas that ent's\n")
	b.WriteString("// code generator loads: one wrapper type per schema, and on the types plugins\n")
	b.WriteString("// point at, the back-references those plugins declare.\n")
	b.WriteString("package composed\n\nimport (\n")
	if len(c.BackRefs) > 0 {
		b.WriteString("\t\"entgo.io/ent\"\n\t\"entgo.io/ent/schema/edge\"\n")
	}
	for _, s := range c.Sources {
		if len(s.Schemas) > 0 {
			fmt.Fprintf(&b, "\t%s %q\n", alias(s.Owner), s.PkgPath)
		}
	}
	b.WriteString(")\n")
	for _, s := range c.Sources {
		for _, sc := range s.Schemas {
			fmt.Fprintf(&b, "\n// %s is %s.%s", sc.Name, alias(s.Owner), sc.Name)
			if s.Owner != plugin.Core {
				fmt.Fprintf(&b, " of plugin %s", s.Owner)
			}
			b.WriteString(".\n")
			fmt.Fprintf(&b, "type %s struct{ %s.%s }\n", sc.Name, alias(s.Owner), sc.Name)
			brs := c.BackRefs[sc.Name]
			if len(brs) == 0 {
				continue
			}
			fmt.Fprintf(&b, "\n// Edges adds the back-references plugins declare to %s's own edges.\n", sc.Name)
			fmt.Fprintf(&b, "func (%s) Edges() []ent.Edge {\n\treturn append(%s.%s{}.Edges(),\n", sc.Name, alias(s.Owner), sc.Name)
			for _, br := range brs {
				fmt.Fprintf(&b, "\t\t// plugin %s: %s\n", br.Owner, br.From)
				fmt.Fprintf(&b, "\t\tedge.To(%q, %s.Type)", br.Name, br.Type)
				if br.Unique {
					b.WriteString(".Unique()")
				}
				switch {
				case br.Column != "":
					fmt.Fprintf(&b, ".StorageKey(edge.Column(%q))", br.Column)
				case br.JoinTable != "":
					fmt.Fprintf(&b, ".StorageKey(edge.Table(%q))", br.JoinTable)
				}
				b.WriteString(",\n")
			}
			b.WriteString("\t)\n}\n")
		}
	}
	return b.Bytes()
}

// PrimaryKeys returns the composite primary keys the graph's types declare
// with plugin.PrimaryKey, by table. Every column must be one of the type's
// own, the id's among them.
func PrimaryKeys(g *gen.Graph) (map[string][]string, error) {
	keys := map[string][]string{}
	var errs Errors
	for _, n := range g.Nodes {
		raw, ok := n.Annotations[plugin.PrimaryKeyAnnotation]
		if !ok {
			continue
		}
		var pk plugin.PrimaryKey
		if err := decodeAnnotation(raw, &pk); err != nil {
			errs = append(errs, fmt.Errorf("%s: plugin.PrimaryKey: %w", n.Name, err))
			continue
		}
		cols := map[string]bool{n.ID.StorageKey(): true}
		for _, f := range n.Fields {
			cols[f.StorageKey()] = true
		}
		seen := map[string]bool{}
		bad := len(pk.Columns) < 2
		for _, c := range pk.Columns {
			bad = bad || !cols[c] || seen[c]
			seen[c] = true
		}
		if bad || !seen[n.ID.StorageKey()] {
			names := make([]string, 0, len(cols))
			for c := range cols {
				names = append(names, c)
			}
			sort.Strings(names)
			errs = append(errs, fmt.Errorf("%s: plugin.PrimaryKey{Columns: %q} must name two or more distinct columns of table %q (%s), the id's column %q among them",
				n.Name, pk.Columns, n.Table(), strings.Join(names, ", "), n.ID.StorageKey()))
			continue
		}
		keys[n.Table()] = pk.Columns
	}
	return keys, errs.orNil()
}

// CheckGraph checks the built graph: every foreign key, join table and
// table lands in a table owned by the owner that declared it, and every
// plugin table carries its prefix. It returns the table → owner map.
func (c *Composition) CheckGraph(g *gen.Graph) (map[string]string, error) {
	owners := map[string]string{}
	declared := map[string]string{} // "Type.edge" -> owner
	for t, brs := range c.BackRefs {
		for _, br := range brs {
			declared[t+"."+br.Name] = br.Owner
		}
	}
	var errs Errors
	for _, n := range g.Nodes {
		owner := c.TypeOwner[n.Name]
		owners[n.Table()] = owner
		if c.owns(owner, n.Table()) {
			continue
		}
		if o := c.claims[n.Table()]; o != "" {
			errs = append(errs, fmt.Errorf("%w: %s: type %s has table %q, a name plugin %q claims in its LegacyNames: rename the table, or remove the claim", ErrClaim, describe(owner), n.Name, n.Table(), o))
			continue
		}
		errs = append(errs, fmt.Errorf("%w: %s: type %s has table %q; plugin tables are named %s<name>: add entsql.Annotation{Table: %q} to %s.Annotations(), or, for a table databases already have under this name, claim it in the plugin's registration: LegacyNames: []string{%q}",
			ErrPrefix, describe(owner), n.Name, n.Table(), plugin.Prefix(owner), plugin.Prefix(owner)+n.Table(), n.Name, n.Table()))
	}
	for _, n := range g.Nodes {
		for _, e := range n.Edges {
			if e.IsInverse() {
				continue
			}
			by, ok := declared[n.Name+"."+e.Name]
			if !ok {
				by = c.TypeOwner[n.Name]
			}
			if err := c.checkEdge(n, e, by, owners); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return owners, errs.orNil()
}

func (c *Composition) checkEdge(n *gen.Type, e *gen.Edge, by string, owners map[string]string) error {
	switch e.Rel.Type {
	case gen.M2M:
		if e.Through != nil {
			return nil // an edge schema is a type of its own, checked as a table
		}
		table := e.Rel.Table
		if prev, ok := owners[table]; ok && prev != by {
			return fmt.Errorf("%w: %s: edge %s.%s uses join table %q owned by %s", ErrNotOwned, describe(by), n.Name, e.Name, table, describe(prev))
		}
		owners[table] = by
		if !c.owns(by, table) {
			return fmt.Errorf("%w: %s: many-to-many edge %s.%s gets join table %q: add .StorageKey(edge.Table(%q)) to the edge",
				ErrPrefix, describe(by), n.Name, e.Name, table, plugin.Prefix(by)+table)
		}
		return nil
	case gen.O2O, gen.O2M:
		// The foreign key lives in the edge's target table.
		if target := c.TypeOwner[e.Type.Name]; target != by {
			return fmt.Errorf("%w: %s: edge %s.%s (edge.To(%q, %s.Type) without Unique()) would add the column %q to %s table %q; "+
				"a plugin never changes tables it does not own. Keep the foreign key in the plugin's table: "+
				"edge.To(%q, %s.Type).Unique() for many %s per %s, or edge.From(%q, %s.Type).Ref(\"<back-reference>\").Unique() to also reach the plugin's rows from %s",
				ErrNotOwned, describe(by), n.Name, e.Name, e.Name, e.Type.Name, e.Rel.Column(), describe(target), e.Type.Table(),
				snake(e.Type.Name), e.Type.Name, n.Name, e.Type.Name, snake(e.Type.Name), e.Type.Name, e.Type.Name)
		}
	case gen.M2O:
		if owner := c.TypeOwner[n.Name]; owner != by {
			return fmt.Errorf("%w: %s: edge %s.%s would add the column %q to %s table %q", ErrNotOwned, describe(by), n.Name, e.Name, e.Rel.Column(), describe(owner), n.Table())
		}
	}
	return nil
}

func ownersSource(owners map[string]string, keys map[string][]string, sourceHash string) []byte {
	tables := make([]string, 0, len(owners))
	for t := range owners {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	var b bytes.Buffer
	b.WriteString("// Code generated by entplug (go generate ./...). DO NOT EDIT.\n\npackage migrate\n\n")
	b.WriteString("// Owners maps every table in Tables to its owner: \"core\" or a plugin name.\n")
	b.WriteString("// A branch is composed from the tables of its owner and of what it depends on.\n")
	b.WriteString("var Owners = map[string]string{\n")
	for _, t := range tables {
		fmt.Fprintf(&b, "\t%q: %q,\n", t, owners[t])
	}
	b.WriteString("}\n\n")
	if len(keys) > 0 {
		keyed := make([]string, 0, len(keys))
		for t := range keys {
			keyed = append(keyed, t)
		}
		sort.Strings(keyed)
		b.WriteString("// PrimaryKeys are the composite primary keys schemas declare with\n")
		b.WriteString("// plugin.PrimaryKey, by table; init sets them on Tables, whose generated key\n")
		b.WriteString("// is the id column alone.\n")
		b.WriteString("var PrimaryKeys = map[string][]string{\n")
		for _, t := range keyed {
			fmt.Fprintf(&b, "\t%q: {", t)
			for i, c := range keys[t] {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "%q", c)
			}
			b.WriteString("},\n")
		}
		b.WriteString("}\n\n")
		b.WriteString("func init() {\n\tfor _, t := range Tables {\n\t\tkey, ok := PrimaryKeys[t.Name]\n\t\tif !ok {\n\t\t\tcontinue\n\t\t}\n")
		b.WriteString("\t\tt.PrimaryKey = nil\n\t\tfor _, name := range key {\n\t\t\tfor _, c := range t.Columns {\n\t\t\t\tif c.Name == name {\n\t\t\t\t\tt.PrimaryKey = append(t.PrimaryKey, c)\n\t\t\t\t}\n\t\t\t}\n\t\t}\n\t}\n}\n\n")
	}
	b.WriteString("// SchemaSources is the hash of the schema sources this code was generated\n")
	b.WriteString("// from (engine/schemasrc): a run compares it with the files to refuse\n")
	b.WriteString("// working from generated code older than the schemas.\n")
	fmt.Fprintf(&b, "const SchemaSources = %q\n", sourceHash)
	return b.Bytes()
}

func describe(owner string) string {
	if owner == plugin.Core {
		return "core"
	}
	return fmt.Sprintf("plugin %q", owner)
}

func alias(owner string) string {
	if owner == plugin.Core {
		return "core"
	}
	return strings.ReplaceAll(owner, "_", "") + "schema"
}

func goName(owner string) string {
	var b strings.Builder
	for _, part := range strings.Split(owner, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// decodeAnnotation reads an annotation as ent's loader stored it (decoded
// JSON) into v.
func decodeAnnotation(raw any, v any) error {
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
