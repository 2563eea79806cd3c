package drift

import (
	"fmt"
	"slices"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"

	"github.com/plugmig/plugmig/engine/compose"
)

// Kinds of object a Difference is about.
const (
	KindTable      = "table"
	KindColumn     = "column"
	KindPrimaryKey = "primary key"
	KindIndex      = "index"
	KindForeignKey = "foreign key"
	KindCheck      = "check"
	KindAttribute  = "attribute"
)

// What a Difference says about its object, besides the aspects of a column
// (type, nullable, default, autoincrement, ...).
const (
	WhatMissing = "missing" // the history creates it; the database lacks it
	WhatExtra   = "extra"   // the database has it; the history does not create it
)

// Difference is one way a live table differs from what a version of its
// branch's history creates. Want is the history's side, Live the
// database's. A Difference with a Note does not change the application's
// behaviour: the Note says why.
type Difference struct {
	Table string `json:"table"`
	Kind  string `json:"kind"`
	Name  string `json:"name,omitempty"`
	What  string `json:"what"`
	Want  string `json:"want,omitempty"`
	Live  string `json:"live,omitempty"`
	Note  string `json:"note,omitempty"`
}

// Neutral reports whether the difference does not change the application's
// behaviour (it has a Note).
func (d Difference) Neutral() bool { return d.Note != "" }

// String describes the difference in one line, without its note.
func (d Difference) String() string {
	obj := d.Kind
	if d.Name != "" {
		obj += fmt.Sprintf(" %q", d.Name)
	}
	switch d.What {
	case WhatMissing:
		if d.Want != "" {
			return fmt.Sprintf("%s: %s missing (want %s)", d.Table, obj, d.Want)
		}
		return fmt.Sprintf("%s: %s missing", d.Table, obj)
	case WhatExtra:
		if d.Live != "" {
			return fmt.Sprintf("%s: extra %s (%s)", d.Table, obj, d.Live)
		}
		return fmt.Sprintf("%s: extra %s", d.Table, obj)
	}
	return fmt.Sprintf("%s: %s: %s: want %s, live %s", d.Table, obj, d.What, orNone(d.Want), orNone(d.Live))
}

// same reports whether two differences are about the same thing with the
// same values (notes aside): how an accepted difference is recognized.
func (d Difference) same(o Difference) bool {
	d.Note, o.Note = "", ""
	return d == o
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Deviation is a difference an application declares it tolerates, with its
// reason: where its schema knowingly differs from the databases it adopts
// (docs/ent-deviations.md of this application). A Difference matching
// Table, Kind, Name and What (and one of Dialects, if any) is neutral.
type Deviation struct {
	Table, Kind, Name, What string
	// Dialects limits the deviation to some dialects; empty means all.
	Dialects []string
	Reason   string
}

func (v Deviation) matches(dialect string, d Difference) bool {
	return v.Table == d.Table && v.Kind == d.Kind && v.Name == d.Name && v.What == d.What &&
		(len(v.Dialects) == 0 || slices.Contains(v.Dialects, dialect))
}

// comparer compares a live schema with a replayed one, table by table.
type comparer struct {
	drv        migrate.Driver
	dialect    string
	deviations []Deviation
	// appDefault reports whether the application sets a column's value
	// itself on every insert when none is given (ent's Go-side default).
	appDefault func(table, column string) bool
}

// compare returns the differences between the tables named in tables as
// want holds them and as live holds them. A name missing from one side is
// a missing or extra table.
func (c *comparer) compare(want, live *schema.Schema, tables []string) ([]Difference, error) {
	w, l := restrict(want, tables, live), restrict(live, tables, live)
	changes, err := c.drv.SchemaDiff(w, l)
	if err != nil {
		return nil, fmt.Errorf("compare with the history: %w", err)
	}
	// Both sides are as the dialect keeps them: a named check (an enum's
	// values) compares by its expression too, which Atlas alone skips.
	changes = compose.CheckChanges(changes, w, l, compose.SameCheckText)
	var out []Difference
	for _, ch := range changes {
		switch ch := ch.(type) {
		case *schema.AddTable:
			out = append(out, Difference{Table: ch.T.Name, Kind: KindTable, What: WhatExtra})
		case *schema.DropTable:
			out = append(out, Difference{Table: ch.T.Name, Kind: KindTable, What: WhatMissing})
		case *schema.ModifyTable:
			out = append(out, c.table(ch)...)
		default:
			out = append(out, Difference{Kind: KindAttribute, What: fmt.Sprintf("%T", ch)})
		}
	}
	if c.dialect == "sqlite" {
		out = append(out, autoincrement(w, l)...)
	}
	for i := range out {
		if out[i].Note != "" {
			continue
		}
		for _, v := range c.deviations {
			if v.matches(c.dialect, out[i]) {
				out[i].Note = "documented deviation: " + v.Reason
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Difference) int { return strings.Compare(a.Table, b.Table) })
	return out, nil
}

// restrict returns a copy of s holding only the named tables, named like
// ref so Atlas compares the tables and not the schemas' names.
func restrict(s *schema.Schema, names []string, ref *schema.Schema) *schema.Schema {
	out := &schema.Schema{Name: ref.Name, Realm: ref.Realm, Attrs: ref.Attrs}
	for _, t := range s.Tables {
		if slices.Contains(names, t.Name) {
			ct := *t
			ct.Schema = out
			out.Tables = append(out.Tables, &ct)
		}
	}
	return out
}

func (c *comparer) table(m *schema.ModifyTable) []Difference {
	t := m.T.Name
	var out []Difference
	var added, dropped []*schema.Index
	for _, ch := range m.Changes {
		switch ch := ch.(type) {
		case *schema.AddColumn:
			out = append(out, Difference{Table: t, Kind: KindColumn, Name: ch.C.Name, What: WhatExtra, Live: column(ch.C)})
		case *schema.DropColumn:
			out = append(out, Difference{Table: t, Kind: KindColumn, Name: ch.C.Name, What: WhatMissing, Want: column(ch.C)})
		case *schema.ModifyColumn:
			out = append(out, c.columnChanges(m.T, ch)...)
		case *schema.AddIndex:
			added = append(added, ch.I)
		case *schema.DropIndex:
			dropped = append(dropped, ch.I)
		case *schema.ModifyIndex:
			out = append(out, modifiedIndex(t, ch))
		case *schema.AddForeignKey:
			out = append(out, Difference{Table: t, Kind: KindForeignKey, Name: ch.F.Symbol, What: WhatExtra, Live: foreignKey(ch.F)})
		case *schema.DropForeignKey:
			out = append(out, Difference{Table: t, Kind: KindForeignKey, Name: ch.F.Symbol, What: WhatMissing, Want: foreignKey(ch.F)})
		case *schema.ModifyForeignKey:
			out = append(out, Difference{Table: t, Kind: KindForeignKey, Name: ch.To.Symbol, What: "definition", Want: foreignKey(ch.From), Live: foreignKey(ch.To)})
		case *schema.AddPrimaryKey:
			out = append(out, Difference{Table: t, Kind: KindPrimaryKey, What: WhatExtra, Live: parts(ch.P.Parts)})
		case *schema.DropPrimaryKey:
			out = append(out, Difference{Table: t, Kind: KindPrimaryKey, What: WhatMissing, Want: parts(ch.P.Parts)})
		case *schema.ModifyPrimaryKey:
			out = append(out, Difference{Table: t, Kind: KindPrimaryKey, What: "columns", Want: parts(ch.From.Parts), Live: parts(ch.To.Parts)})
		case *schema.AddCheck:
			out = append(out, Difference{Table: t, Kind: KindCheck, Name: ch.C.Name, What: WhatExtra, Live: ch.C.Expr})
		case *schema.DropCheck:
			out = append(out, Difference{Table: t, Kind: KindCheck, Name: ch.C.Name, What: WhatMissing, Want: ch.C.Expr})
		case *schema.ModifyCheck:
			out = append(out, Difference{Table: t, Kind: KindCheck, Name: ch.To.Name, What: "expression", Want: ch.From.Expr, Live: ch.To.Expr})
		case *schema.ModifyAttr:
			if _, ok := ch.To.(*mysql.AutoIncrement); ok {
				continue // the table's next AUTO_INCREMENT value: data, not schema
			}
			out = append(out, Difference{Table: t, Kind: KindAttribute, What: describeChange(ch)})
		default:
			out = append(out, Difference{Table: t, Kind: KindAttribute, What: describeChange(ch)})
		}
	}
	return append(out, uniqueIndexes(t, dropped, added)...)
}

func describeChange(ch schema.Change) string {
	s := strings.TrimPrefix(fmt.Sprintf("%T", ch), "*")
	if a, ok := ch.(*schema.ModifyAttr); ok {
		return fmt.Sprintf("%s (%T -> %T)", s, a.From, a.To)
	}
	return s
}

// columnChanges splits a column change into one difference per aspect,
// each with a note when it cannot change the application's behaviour.
func (c *comparer) columnChanges(tbl *schema.Table, m *schema.ModifyColumn) []Difference {
	t, col := tbl.Name, m.To.Name
	var out []Difference
	add := func(what, want, live, note string) {
		out = append(out, Difference{Table: t, Kind: KindColumn, Name: col, What: what, Want: want, Live: live, Note: note})
	}
	identity := c.dialect == "postgres" && hasIdentity(m.From) && !hasIdentity(m.To) && isSerial(m.To)
	if m.Change.Is(schema.ChangeType) {
		note := c.typeNote(m.From, m.To)
		if identity && serialOf(m.From, m.To) {
			note = "SERIAL instead of an identity column of the same integer type: both number new rows from a sequence"
		}
		add("type", typeOf(m.From), typeOf(m.To), note)
	}
	if m.Change.Is(schema.ChangeNull) {
		add("nullable", nullable(m.From), nullable(m.To), c.nullNote(tbl, m))
	}
	if m.Change.Is(schema.ChangeDefault) {
		note := ""
		switch {
		case identity:
			note = "SERIAL instead of an identity column of the same integer type: both number new rows from a sequence"
		case m.To.Default == nil && c.appDefault != nil && c.appDefault(t, col):
			note = "the application sets this column's default value itself on every insert"
		}
		add("default", defaultOf(m.From), defaultOf(m.To), note)
	}
	if m.Change.Is(schema.ChangeAttr) {
		note := ""
		if identity {
			note = "SERIAL instead of an identity column of the same integer type: both number new rows from a sequence"
		}
		add("attributes", attrs(m.From), attrs(m.To), note)
	}
	for _, k := range []struct {
		kind schema.ChangeKind
		what string
	}{{schema.ChangeCharset, "charset"}, {schema.ChangeCollate, "collation"}, {schema.ChangeComment, "comment"}, {schema.ChangeGenerated, "generated expression"}} {
		if m.Change.Is(k.kind) {
			add(k.what, "", "", "")
		}
	}
	return out
}

// typeNote says why a type difference is neutral, or "". On SQLite a
// column's type is only an affinity: an INTEGER or NUMERIC column keeps
// every value a REAL column would (fractions stay REAL), and reads back the
// same number.
func (c *comparer) typeNote(want, live *schema.Column) string {
	if c.dialect != "sqlite" {
		return ""
	}
	if _, ok := want.Type.Type.(*schema.FloatType); !ok {
		return ""
	}
	switch live.Type.Type.(type) {
	case *schema.IntegerType, *schema.DecimalType:
		return "SQLite keeps every value of a REAL column unchanged in an INTEGER/NUMERIC-affinity column (fractions stay REAL) and returns the same numbers"
	}
	return ""
}

// nullNote: SQLite lets a non-INTEGER primary key hold NULL unless it is
// declared NOT NULL; the application always sets its keys.
func (c *comparer) nullNote(t *schema.Table, m *schema.ModifyColumn) string {
	if c.dialect != "sqlite" || !m.To.Type.Null || t.PrimaryKey == nil {
		return ""
	}
	for _, p := range t.PrimaryKey.Parts {
		if p.C != nil && p.C.Name == m.To.Name {
			return "a SQLite primary key declared without NOT NULL: the application always sets its keys"
		}
	}
	return ""
}

// modifiedIndex is a difference of an index of the same name. A unique
// index that is a UNIQUE constraint on one side only is neutral: both
// refuse the same rows.
func modifiedIndex(t string, m *schema.ModifyIndex) Difference {
	d := Difference{Table: t, Kind: KindIndex, Name: m.To.Name, What: "definition", Want: index(m.From), Live: index(m.To)}
	if m.Change == schema.ChangeAttr && m.From.Unique && m.To.Unique && parts(m.From.Parts) == parts(m.To.Parts) &&
		isConstraint(m.From) != isConstraint(m.To) {
		d.What = "form"
		d.Note = "a UNIQUE constraint instead of a unique index of the same name and columns: both refuse the same rows"
	}
	return d
}

// uniqueIndexes pairs each index only the history has with one only the
// database has on the same columns. On SQLite a UNIQUE table constraint is
// an index without a name of its own: it refuses the same rows as the
// history's unique index, so it is neutral.
func uniqueIndexes(t string, want, live []*schema.Index) []Difference {
	var out []Difference
	used := map[*schema.Index]bool{}
	for _, w := range want {
		d := Difference{Table: t, Kind: KindIndex, Name: w.Name, What: WhatMissing, Want: index(w)}
		for _, l := range live {
			if used[l] || l.Unique != w.Unique || parts(l.Parts) != parts(w.Parts) {
				continue
			}
			used[l] = true
			d.What, d.Live = "name", l.Name
			d.Want = w.Name
			if w.Unique && isConstraint(l) && !isConstraint(w) {
				d.What, d.Want, d.Live = "form", index(w), "UNIQUE "+parts(l.Parts)
				d.Note = "a UNIQUE constraint (SQLite names none) instead of a unique index on the same columns: both refuse the same rows"
			}
			break
		}
		out = append(out, d)
	}
	for _, l := range live {
		if !used[l] {
			out = append(out, Difference{Table: t, Kind: KindIndex, Name: l.Name, What: WhatExtra, Live: index(l)})
		}
	}
	return out
}

// isConstraint reports whether a unique index is a UNIQUE table constraint.
func isConstraint(idx *schema.Index) bool {
	for _, a := range idx.Attrs {
		switch a := a.(type) {
		case *sqlite.IndexOrigin:
			return a.O == "u"
		case *postgres.Constraint:
			return a.T == "u"
		}
	}
	return false
}

// autoincrement lists the SQLite keys declared AUTOINCREMENT on one side
// only (Atlas's diff does not report them).
func autoincrement(want, live *schema.Schema) []Difference {
	var out []Difference
	for _, wt := range want.Tables {
		lt, ok := live.Table(wt.Name)
		if !ok {
			continue
		}
		for _, wc := range wt.Columns {
			lc, ok := lt.Column(wc.Name)
			if !ok {
				continue
			}
			w, l := hasAutoIncrement(wc), hasAutoIncrement(lc)
			if w == l {
				continue
			}
			out = append(out, Difference{Table: wt.Name, Kind: KindColumn, Name: wc.Name, What: "autoincrement", Want: yesNo(w), Live: yesNo(l),
				Note: "AUTOINCREMENT only decides whether SQLite may reuse the id of the newest row after it is deleted; the application never depends on it (docs/ent-deviations.md)"})
		}
	}
	return out
}

func hasAutoIncrement(c *schema.Column) bool {
	return slices.ContainsFunc(c.Attrs, func(a schema.Attr) bool { _, ok := a.(*sqlite.AutoIncrement); return ok })
}

func hasIdentity(c *schema.Column) bool {
	return slices.ContainsFunc(c.Attrs, func(a schema.Attr) bool { _, ok := a.(*postgres.Identity); return ok })
}

// isSerial reports whether a PostgreSQL column is SERIAL (Atlas shows it as
// a serial type) or numbered by a sequence default.
func isSerial(c *schema.Column) bool {
	if _, ok := c.Type.Type.(*postgres.SerialType); ok {
		return true
	}
	return strings.Contains(strings.ToLower(defaultOf(c)), "nextval(")
}

// serialOf reports whether live is the SERIAL form of want's integer type.
func serialOf(want, live *schema.Column) bool {
	st, ok := live.Type.Type.(*postgres.SerialType)
	if !ok {
		return false
	}
	it, ok := want.Type.Type.(*schema.IntegerType)
	if !ok {
		return false
	}
	return map[string]string{"smallserial": "smallint", "serial": "integer", "bigserial": "bigint"}[strings.ToLower(st.T)] == strings.ToLower(it.T)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func typeOf(c *schema.Column) string {
	if c.Type == nil {
		return ""
	}
	if c.Type.Raw != "" {
		return strings.ToLower(c.Type.Raw)
	}
	return fmt.Sprintf("%T", c.Type.Type)
}

func nullable(c *schema.Column) string {
	if c.Type != nil && c.Type.Null {
		return "NULL"
	}
	return "NOT NULL"
}

func defaultOf(c *schema.Column) string {
	switch d := c.Default.(type) {
	case nil:
		return ""
	case *schema.Literal:
		return d.V
	case *schema.RawExpr:
		return d.X
	}
	return fmt.Sprintf("%v", c.Default)
}

func column(c *schema.Column) string {
	s := typeOf(c) + " " + nullable(c)
	if d := defaultOf(c); d != "" {
		s += " DEFAULT " + d
	}
	return s
}

func attrs(c *schema.Column) string {
	var names []string
	for _, a := range c.Attrs {
		names = append(names, strings.TrimPrefix(fmt.Sprintf("%T", a), "*"))
	}
	return strings.Join(names, " ")
}

func parts(ps []*schema.IndexPart) string {
	var names []string
	for _, p := range ps {
		switch {
		case p.C != nil:
			names = append(names, p.C.Name)
		case p.X != nil:
			names = append(names, fmt.Sprintf("%v", p.X))
		}
	}
	return "(" + strings.Join(names, ", ") + ")"
}

func index(i *schema.Index) string {
	s := "INDEX " + parts(i.Parts)
	if i.Unique {
		s = "UNIQUE " + s
	}
	return s
}

func foreignKey(fk *schema.ForeignKey) string {
	cols := make([]string, len(fk.Columns))
	for i, c := range fk.Columns {
		cols[i] = c.Name
	}
	refs := make([]string, len(fk.RefColumns))
	for i, c := range fk.RefColumns {
		refs[i] = c.Name
	}
	ref := ""
	if fk.RefTable != nil {
		ref = fk.RefTable.Name
	}
	s := fmt.Sprintf("(%s) REFERENCES %s (%s)", strings.Join(cols, ", "), ref, strings.Join(refs, ", "))
	if fk.OnDelete != "" && fk.OnDelete != schema.NoAction {
		s += " ON DELETE " + string(fk.OnDelete)
	}
	if fk.OnUpdate != "" && fk.OnUpdate != schema.NoAction {
		s += " ON UPDATE " + string(fk.OnUpdate)
	}
	return s
}
