package lint

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlcheck"
	entschema "entgo.io/ent/dialect/sql/schema"

	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/internal/sqlq"
	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/engine/sqliteauth"
	"github.com/plugmig/plugmig/engine/sqlitefk"
)

// walker executes one branch's files on a scratch database and reports
// what each statement changed that the branch does not own.
type walker struct {
	l       *Linter
	q       querier        // where statements run
	drv     migrate.Driver // Atlas's driver on the same database
	dialect string
	probe   probe
	branch  string
	created map[string]string // standalone object → the branch whose history created it
	// unprefixed holds objects created without the branch's prefix in the
	// current file: reported at its end unless a later statement dropped or
	// renamed them (Atlas rebuilds a SQLite table through "new_<table>").
	unprefixed map[string]Finding
	// auth is SQLite's authorizer on the scratch database's connection
	// (nil on other dialects): it refuses what the branch may not do.
	auth *sqliteauth.Authorizer
	// stopped is set when a file was refused before it could complete: the
	// branch's history cannot go on.
	stopped bool
	// replaying is the owner whose history is being replayed.
	replaying string
	// laterSeen are the PL108 findings of the current file, reported once.
	laterSeen map[string]bool
	// dev, when set, runs a plugin's files as the plugin's own identity:
	// run is the session of the current file.
	dev *devdb.DB
	run querier
	// leftSeen are the findings of what the branch's earlier files left
	// behind (PostgreSQL), each reported once.
	leftSeen map[string]bool
}

// deps returns the plugins the branch depends on.
func (w *walker) deps() []string {
	b, err := w.l.Project.Composer.Branch(w.branch)
	if err != nil {
		return nil
	}
	var out []string
	for _, o := range b.Owners {
		if o != plugin.Core && o != w.branch {
			out = append(out, o)
		}
	}
	return out
}

func (w *walker) owner(name string) string { return w.l.Project.OwnerOf(name, w.created) }

// ownsName reports whether the branch may give an object of a kind this
// name: its prefix, or for a table, index or sequence a legacy name it
// claims (plugin.Plugin.LegacyNames; views, triggers and routines always
// carry the prefix; SQLite's and MySQL's names are compared without case,
// as those databases do).
func (w *walker) ownsName(kind, name string) bool {
	if strings.HasPrefix(name, plugin.Prefix(w.branch)) {
		return true
	}
	if kind != "table" && kind != "index" && kind != "sequence" {
		return false
	}
	reg := w.l.Project.Composer.Plugins()
	if w.dialect != "postgres" {
		name = strings.ToLower(name)
	}
	return reg.Claimant(name) == w.branch
}

// own records the standalone objects present now, and not yet recorded, as
// created by owner's history.
func (w *walker) own(ctx context.Context, owner string) error {
	objs, err := w.probe.objects(ctx, w.q)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if _, ok := w.created[o.Name]; !ok && o.Table == "" && !w.probe.internal(o) {
			w.created[o.Name] = owner
		}
	}
	return nil
}

// foreign returns the tables the branch does not own.
func (w *walker) foreign(objs map[string]object) []string {
	var ts []string
	for _, o := range objs {
		if o.Kind == "table" && !w.probe.internal(o) && w.l.Project.OwnerOf(o.Name, w.created) != w.branch {
			ts = append(ts, o.Name)
		}
	}
	sort.Strings(ts)
	return ts
}

func (w *walker) lintFile(ctx context.Context, f migrate.File, path string) (found []Finding, rerr error) {
	if _, ok := f.(*migrate.LocalFile); !ok {
		return nil, fmt.Errorf("%s: not a local file", path)
	}
	stmts, err := migdir.Stmts(w.dialect, f)
	if err != nil {
		return []Finding{{Code: CodeFails, Severity: Error, Branch: w.branch, Dialect: w.dialect, File: path, Message: "cannot split into statements: " + err.Error()}}, nil
	}
	if w.dialect == "sqlite" && sqlitefk.Needed(stmtTexts(stmts)) {
		// As apply does: SQLite's schema-change procedure, so a rebuild
		// linted on a history holding rows behaves as it will on a database.
		if err := sqlitefk.Off(ctx, w.q); err != nil {
			return nil, err
		}
		defer sqlitefk.On(ctx, w.q)
		defer func() {
			if rerr != nil || slices.ContainsFunc(found, func(f Finding) bool { return f.Code == CodeFails }) {
				return
			}
			if err := sqlitefk.Check(ctx, w.q); err != nil {
				found = append(found, Finding{Code: CodeFails, Severity: Error, Branch: w.branch, Dialect: w.dialect, File: path,
					Message: fmt.Sprintf("fails on a database with rows: %v: apply refuses it", err)})
			}
		}()
	}
	var findings []Finding
	w.laterSeen = map[string]bool{}
	if w.branch != plugin.Core {
		findings = escapes(w.dialect, f, stmts, Finding{Severity: Error, Branch: w.branch, Dialect: w.dialect, File: path})
		if slices.ContainsFunc(findings, func(f Finding) bool { return f.Code == CodeEscape }) {
			w.stopped = true
			return findings, nil // nothing of the file runs
		}
	}
	if w.auth != nil {
		w.auth.Reset()
		w.replaying = ""
	}
	if w.dev != nil && w.branch != plugin.Core {
		// The file runs as the plugin's own identity (PostgreSQL role, MySQL
		// account) on the scratch database: the database refuses the rest.
		sess, err := w.dev.PluginSession(ctx, w.branch, w.deps(), w.owner, w.l.Project.Composer.Plugins().LegacyNames(w.branch), string(f.Bytes()))
		if err != nil {
			return nil, fmt.Errorf("%s: run as plugin %q's own identity on the dev database: %w", path, w.branch, err)
		}
		defer sess.Close()
		w.run = sess.Q
		defer func() { w.run = nil }()
	}
	before, err := w.probe.objects(ctx, w.q)
	if err != nil {
		return nil, err
	}
	armed := w.foreign(before)
	if err := w.probe.arm(ctx, w.q, armed); err != nil {
		return nil, fmt.Errorf("prepare the dev database: %w", err)
	}
	atlasBefore, err := w.drv.InspectSchema(ctx, "", nil)
	if err != nil {
		return nil, err
	}
	known := map[string]*schema.Table{} // Atlas's view of each table, kept current
	for _, t := range atlasBefore.Tables {
		known[t.Name] = t
	}
	var (
		changes []*sqlcheck.Change
		ignores = map[int]directives{}
	)
	for _, st := range stmts {
		fb := Finding{Severity: Error, Branch: w.branch, Dialect: w.dialect, File: path, Line: lineOf(f.Bytes(), st.Pos), Statement: oneLine(st.Text)}
		dir := parseDirectives(st.Comments)
		ignores[fb.Line] = dir
		var sf []Finding
		for _, p := range dir.problems {
			sf = append(sf, fb.with(CodeDirective, "", "", p))
		}
		if re := unverifiable[w.dialect]; re.MatchString(st.Text) && !dir.allow {
			sf = append(sf, fb.with(CodeUnverifiable, "", "", "what this statement changes can't be verified by running it on an empty database (a DO block, dynamic SQL, a procedure call): rewrite it as plain statements, or after checking it by hand add -- plugmig:allow unverifiable: <reason>"))
		}
		if w.branch != plugin.Core {
			sf = append(sf, w.grants(st.Text, fb)...)
		}
		writes, err := w.probe.writesBefore(ctx, w.q, st.Text, before)
		if err != nil {
			sf = append(sf, fb.with(CodeUnverifiable, "", "", err.Error()))
		}
		err = w.exec(ctx, st.Text, before, false)
		var d *sqliteauth.Denial
		if errors.As(err, &d) {
			// SQLite refused it: nothing of it ran. A directive may ignore an
			// ownership finding at lint (never at apply, never PL107): then
			// it runs on the scratch database with ownership not enforced,
			// and the observer below reports what it did.
			if f := w.denied(d, fb); f.Code == CodeEscape || !dir.ignore[f.Code] {
				w.stopped = true // the branch's history can't be replayed past this file
				findings = append(findings, append(sf, f)...)
				continue
			}
			err = w.exec(ctx, st.Text, before, true)
			if errors.As(err, &d) {
				w.stopped = true
				findings = append(findings, append(sf, w.denied(d, fb))...)
				continue
			}
		}
		if r, ok := Denied(w.dialect, st.Text, err, w.owner); err != nil && ok && w.branch != plugin.Core {
			// The plugin's identity may not do it: the database refused.
			w.stopped = true
			findings = append(findings, dir.filter(append(sf, fb.with(r.Code, r.Object, r.Owner, r.Message)))...)
			continue
		}
		if err != nil {
			sf = append(sf, fb.with(CodeFails, "", "", fmt.Sprintf("fails on the dev database: %v: the branch's history up to this file must run on an empty %s database", err, w.dialect)))
			return append(findings, sf...), nil
		}
		logged, err := w.probe.writesAfter(ctx, w.q)
		if err != nil {
			return nil, err
		}
		after, err := w.probe.objects(ctx, w.q)
		if err != nil {
			return nil, err
		}
		sf = append(sf, w.compare(before, after, fb)...)
		sf = append(sf, w.checkWrites(append(writes, logged...), fb)...)
		if w.branch != plugin.Core {
			lf, err := w.later(ctx, before, after, fb, dir.allowLater)
			if err != nil {
				return nil, err
			}
			sf = append(sf, lf...)
		}
		ch, err := w.atlasChanges(ctx, before, after, known)
		if err != nil {
			return nil, err
		}
		changes = append(changes, &sqlcheck.Change{Stmt: st, Changes: ch})
		if w.branch == plugin.Core {
			sf = append(sf, w.l.breaksPlugins(ch, fb)...)
		}
		w.settle(after)
		if fresh := w.foreign(after); len(fresh) > len(armed) {
			if err := w.probe.arm(ctx, w.q, fresh); err != nil {
				return nil, err
			}
			armed = fresh
		}
		findings = append(findings, dir.filter(sf)...)
		before = after
	}
	findings = append(findings, w.leftUnprefixed(ignores)...)
	if w.auth != nil && w.branch != plugin.Core {
		rf, err := recompiled(ctx, w.auth, w.policy(w.branch, before), w.q, Finding{Severity: Error, Branch: w.branch, Dialect: w.dialect, File: path})
		if err != nil {
			return nil, err
		}
		for _, f := range rf {
			if !slices.ContainsFunc(findings, func(g Finding) bool { return g.Code == f.Code && g.Object == f.Object }) {
				findings = append(findings, f)
			}
		}
	}
	if w.dialect == "postgres" && w.branch != plugin.Core && w.run != nil && !w.stopped {
		left, err := w.leftBehind(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		findings = append(findings, left...)
	}
	var reports []Finding
	rep := atlasReporter{file: f, base: Finding{Branch: w.branch, Dialect: w.dialect, File: path}, out: &reports}
	if err := analyze(ctx, w.dialect, w.drv, f, changes, rep); err != nil {
		return nil, fmt.Errorf("%s: Atlas analyzers: %w", path, err)
	}
	for _, r := range reports {
		if !ignores[r.Line].ignore[r.Code] {
			findings = append(findings, r)
		}
	}
	return findings, nil
}

func stmtTexts(stmts []*migrate.Stmt) []string {
	out := make([]string, len(stmts))
	for i, s := range stmts {
		out[i] = s.Text
	}
	return out
}

// atlasChanges returns Atlas's changes of a statement, inspecting only the
// tables whose catalog entries changed (a full inspection per statement is
// slow on a server), and updates known.
func (w *walker) atlasChanges(ctx context.Context, before, after map[string]object, known map[string]*schema.Table) (schema.Changes, error) {
	touched := map[string]bool{}
	for k, a := range after {
		if b, ok := before[k]; !ok || b.Sig != a.Sig {
			touched[tableOf(a)] = true
		}
	}
	for k, b := range before {
		if _, ok := after[k]; !ok {
			touched[tableOf(b)] = true
		}
	}
	var names []string
	for t := range touched {
		if t != "" {
			names = append(names, t)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	sort.Strings(names)
	now, err := w.drv.InspectSchema(ctx, "", &schema.InspectOptions{Tables: names})
	if err != nil {
		return nil, err
	}
	from, to := schema.New(now.Name), schema.New(now.Name)
	from.Realm, to.Realm = now.Realm, now.Realm
	for _, n := range names {
		if t, ok := known[n]; ok {
			ct := *t
			from.AddTables(&ct)
			delete(known, n)
		}
	}
	for _, t := range now.Tables {
		known[t.Name] = t
		ct := *t
		to.AddTables(&ct)
	}
	return w.drv.SchemaDiff(from, to)
}

func tableOf(o object) string {
	if o.Table != "" {
		return o.Table
	}
	if o.Kind == "table" {
		return o.Name
	}
	return ""
}

func (f Finding) with(code, object, owner, msg string) Finding {
	f.Code, f.Object, f.Owner, f.Message = code, object, owner, msg
	return f
}

// settle records the standalone objects the branch created, and forgets
// the unprefixed ones that are gone again.
func (w *walker) settle(after map[string]object) {
	names := map[string]bool{}
	for _, o := range after {
		if o.Table == "" {
			names[o.Name] = true
			if _, ok := w.created[o.Name]; !ok && !w.probe.internal(o) {
				w.created[o.Name] = w.branch // not lint's own (plugmig_lint_*): no branch's role may own those
			}
		}
	}
	for n := range w.unprefixed {
		if !names[n] {
			delete(w.unprefixed, n)
		}
	}
}

// leftUnprefixed returns the file's unprefixed objects that remain, minus
// those their statement's directives ignore.
func (w *walker) leftUnprefixed(ignores map[int]directives) []Finding {
	var out []Finding
	for _, f := range w.unprefixed {
		if !ignores[f.Line].ignore[f.Code] {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	w.unprefixed = nil
	return out
}

// filter drops the findings a statement's directives ignore.
func (d directives) filter(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Code != CodeDirective && d.ignore[f.Code] {
			continue
		}
		out = append(out, f)
	}
	return out
}

// compare reports every object created, dropped or altered by a statement
// that the branch does not own.
func (w *walker) compare(before, after map[string]object, fb Finding) []Finding {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out []Finding
	seen := map[string]bool{}
	add := func(f Finding) {
		if !seen[f.Code+f.Message] {
			seen[f.Code+f.Message] = true
			out = append(out, f)
		}
	}
	for _, k := range sorted {
		bo, inB := before[k]
		ao, inA := after[k]
		if inB && inA && bo.Sig == ao.Sig {
			continue
		}
		o, verb := ao, "alters"
		switch {
		case !inB:
			verb = "creates"
		case !inA:
			o, verb = bo, "drops"
		}
		if w.probe.internal(o) {
			continue
		}
		if o.Table != "" {
			owner := w.l.Project.OwnerOf(o.Table, w.created)
			if owner == w.branch {
				if verb == "creates" && o.Kind == "index" && w.dialect != "mysql" && w.branch != plugin.Core && !w.ownsName(o.Kind, o.Name) {
					add(fb.with(CodePrefix, o.Name, owner, fmt.Sprintf("creates index %q without the prefix %s: index names share one namespace with core's and other plugins'", o.Name, plugin.Prefix(w.branch))))
				}
				continue
			}
			add(fb.with(CodeNotOwned, o.Table, owner, fmt.Sprintf("%s %s %q on table %q, owned by %s: %s", verb, o.Kind, o.Name, o.Table, describeOwner(owner), w.remedy(owner))))
			continue
		}
		owner := w.l.Project.OwnerOf(o.Name, w.created)
		if verb == "creates" {
			if w.branch == plugin.Core {
				if owner != plugin.Core && owner != "" {
					add(fb.with(CodeNotOwned, o.Name, owner, fmt.Sprintf("creates %s %q with the prefix of plugin %q: core's migrations never create plugin objects", o.Kind, o.Name, owner)))
				}
				continue
			}
			if !w.ownsName(o.Kind, o.Name) {
				why := "without a prefix"
				if owner != "" && owner != w.branch {
					why = "with the prefix of " + describeOwner(owner)
				}
				if w.unprefixed == nil {
					w.unprefixed = map[string]Finding{}
				}
				w.unprefixed[o.Name] = fb.with(CodePrefix, o.Name, owner, fmt.Sprintf("creates %s %q %s: everything plugin %q creates is named %s...", o.Kind, o.Name, why, w.branch, plugin.Prefix(w.branch)))
			}
			continue
		}
		if owner == w.branch {
			continue
		}
		code := CodeNotOwned
		if o.Kind == "sequence" && inA {
			code = CodeSequence
		}
		add(fb.with(code, o.Name, owner, fmt.Sprintf("%s %s %q, owned by %s: %s", verb, o.Kind, o.Name, describeOwner(owner), w.remedy(owner))))
	}
	return out
}

func (w *walker) checkWrites(tables []string, fb Finding) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, t := range tables {
		owner := w.l.Project.OwnerOf(t, w.created)
		if owner == w.branch || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, foreignWrite(fb, t, owner))
	}
	return out
}

// foreignWrite is PL103: rows written in table t of another owner.
func foreignWrite(fb Finding, t, owner string) Finding {
	return fb.with(CodeForeignWrite, t, owner, fmt.Sprintf("writes rows of table %q, owned by %s: a plugin changes data only in its own tables (seed rows are declared in plugin.Register's Seeds)", t, describeOwner(owner)))
}

func (w *walker) remedy(owner string) string {
	if w.branch == plugin.Core {
		return "core's migrations never change plugin objects"
	}
	if owner == plugin.Core {
		return "a plugin never changes core: put the change in core's schema (go run ./cmd diff --branch core) or in a table of your own that references it"
	}
	return "a plugin changes only what it owns"
}

func describeOwner(owner string) string {
	switch owner {
	case plugin.Core:
		return "core"
	case "":
		return "no branch"
	}
	return fmt.Sprintf("plugin %q", owner)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

// breaksPlugins reports a core change that drops or renames a table or
// column a plugin's foreign keys reference.
func (l *Linter) breaksPlugins(changes schema.Changes, fb Finding) []Finding {
	refs := l.references()
	var out []Finding
	report := func(table, col, what string) {
		var ps []string
		for p := range refs[table][col] {
			ps = append(ps, p)
		}
		if len(ps) == 0 {
			return
		}
		sort.Strings(ps)
		out = append(out, fb.with(CodeBreaksPlugin, table, plugin.Core, fmt.Sprintf("%s, which plugin(s) %s reference: their migrations and code break unless they change first", what, strings.Join(ps, ", "))))
		out[len(out)-1].Severity = Warning
	}
	var added []string
	for _, c := range changes {
		if a, ok := c.(*schema.AddTable); ok {
			added = append(added, a.T.Name)
		}
	}
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.DropTable:
			if len(added) == 1 { // Atlas sees a rename as a drop and an add
				report(c.T.Name, "", fmt.Sprintf("renames table %q to %q", c.T.Name, added[0]))
				continue
			}
			report(c.T.Name, "", fmt.Sprintf("drops table %q", c.T.Name))
		case *schema.RenameTable:
			report(c.From.Name, "", fmt.Sprintf("renames table %q to %q", c.From.Name, c.To.Name))
		case *schema.ModifyTable:
			for _, tc := range c.Changes {
				switch tc := tc.(type) {
				case *schema.DropColumn:
					report(c.T.Name, tc.C.Name, fmt.Sprintf("drops column %q of %q", tc.C.Name, c.T.Name))
				case *schema.RenameColumn:
					report(c.T.Name, tc.From.Name, fmt.Sprintf("renames column %q of %q", tc.From.Name, c.T.Name))
				}
			}
		}
	}
	return out
}

// references maps a core table, and each of its columns ("" for the table
// itself), to the plugins whose tables reference it by foreign key.
func (l *Linter) references() map[string]map[string]map[string]bool {
	if l.refs != nil {
		return l.refs
	}
	refs := map[string]map[string]map[string]bool{}
	defer func() { l.refs = refs }()
	comp := l.Project.Composer
	for _, p := range comp.Plugins().Names() {
		b, err := comp.Branch(p)
		if err != nil {
			continue
		}
		for _, t := range b.Tables {
			if comp.Owner(t.Name) != p {
				continue
			}
			for _, fk := range t.ForeignKeys {
				if comp.Owner(fk.RefTable.Name) != plugin.Core {
					continue
				}
				if refs[fk.RefTable.Name] == nil {
					refs[fk.RefTable.Name] = map[string]map[string]bool{}
				}
				for _, col := range append([]string{""}, colNames(fk.RefColumns)...) {
					if refs[fk.RefTable.Name][col] == nil {
						refs[fk.RefTable.Name][col] = map[string]bool{}
					}
					refs[fk.RefTable.Name][col][p] = true
				}
			}
		}
	}
	return refs
}

func colNames(cols []*entschema.Column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}

// exec runs one statement of the branch on the scratch database, under
// SQLite's authorizer when there is one; lenient lets ownership go (for a
// statement whose finding a directive ignores) but not escapes (PL107).
func (w *walker) exec(ctx context.Context, stmt string, before map[string]object, lenient bool) error {
	run := func() error {
		q := w.q
		if w.run != nil {
			q = w.run
		}
		if w.dialect == "postgres" && !sqlq.PlainlyOneCommand(stmt) {
			return sqlq.OneCommand(ctx, q, stmt) // as apply runs it (see sqlq.OneCommand)
		}
		_, err := q.ExecContext(ctx, stmt)
		return err
	}
	if w.auth == nil || w.branch == plugin.Core {
		return run()
	}
	p := w.policy(w.branch, before)
	p.Lenient = lenient
	return w.auth.Run(p, stmt, run)
}
