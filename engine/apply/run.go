package apply

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/sqlite"

	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/internal/sqlq"
	"github.com/plugmig/plugmig/engine/lint"
	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/engine/sqlitefk"
	"github.com/plugmig/plugmig/internal/dbdriver"
)

// FileResult is one applied file.
type FileResult struct {
	Branch      string        `json:"branch"`
	Version     string        `json:"version"`
	Description string        `json:"description"`
	Statements  int           `json:"statements"`
	Resumed     int           `json:"resumed_after,omitempty"`
	Duration    time.Duration `json:"duration_ns"`
}

// BranchResult is what a run did to one branch.
type BranchResult struct {
	Branch string       `json:"branch"`
	From   string       `json:"from"`
	To     string       `json:"to"`
	Files  []FileResult `json:"files"`
	Seeded int          `json:"seeded_rows,omitempty"`
}

// Apply runs every pending file of the enabled branches, under the run
// lock, after Plan's checks; after each branch's files it inserts the
// branch's seed rows that are missing (core's and each plugin's), so a
// fresh, an adopted and an upgraded database all get them. It returns what it did per branch, also on error.
func (m *Migrator) Apply(ctx context.Context) ([]BranchResult, error) {
	var results []BranchResult
	m.halt.Store(false)
	err := m.withLock(ctx, func() (rerr error) {
		plans, err := m.Plan(ctx)
		if err != nil {
			return err
		}
		if err := m.recordAtlas(ctx); err != nil {
			return err
		}
		defer func() {
			// Whatever core's files did, say how the atlas CLI learns it.
			hint, err := m.AtlasBehind(ctx)
			if err != nil && rerr == nil {
				rerr = err
			}
			if hint != "" {
				fmt.Fprintln(m.progress, hint)
			}
		}()
		if m.single {
			if err := m.singleRefusal(plans); err != nil {
				return err
			}
		}
		if err := m.prepareIdentities(ctx, plans); err != nil {
			return err
		}
		if m.single {
			results, err = m.applySingle(ctx, plans)
			return err
		}
		defer m.startLogins(ctx, plans)()
		if err := m.store.create(ctx); err != nil {
			if readOnly(err) {
				return fmt.Errorf("create %s: %s", HistoryTable, readOnlyAdvice(err, "nothing was applied"))
			}
			return fmt.Errorf("create %s: %w", HistoryTable, err)
		}
		if m.logins != nil && m.parallel > 1 {
			results, err = m.applyBranches(ctx, plans)
			return err
		}
		for _, bp := range plans {
			res, err := m.applyBranch(ctx, bp)
			results = append(results, res)
			if err != nil {
				return err
			}
		}
		return nil
	})
	return results, err
}

// startLogins opens, under the enforcing guard on PostgreSQL, the
// sessions the plans' plugin branches run on (logged in as their roles);
// the returned function closes them.
func (m *Migrator) startLogins(ctx context.Context, plans []*BranchPlan) func() {
	if !m.enforcing() || m.dialect != "postgres" {
		return func() {}
	}
	m.logins = m.newLogins(plans)
	m.logins.prefetch(ctx)
	m.reconcileBatch, m.reconciled = m.batchReconcilable(plans), map[string]bool{}
	return func() { m.logins.close(); m.logins, m.reconcileBatch, m.reconciled = nil, nil, nil }
}

// applyBranches applies core's pending files, then the plugin branches up
// to m.parallel at once, each on its own session (PostgreSQL), each after
// the plugins it depends on, started in plan order. After a failure no
// branch starts and those running stop before their next file. It returns
// the results of the branches that ran, in plan order, and every failure.
func (m *Migrator) applyBranches(ctx context.Context, plans []*BranchPlan) ([]BranchResult, error) {
	if _, err := m.baseDriver(); err != nil { // opened once, before the branches share it
		return nil, err
	}
	results := make([]BranchResult, len(plans))
	ran := make([]bool, len(plans))
	errs := make([]error, len(plans))
	done := make(map[string]chan struct{}, len(plans))
	for _, bp := range plans {
		done[bp.Branch] = make(chan struct{})
	}
	slots := make(chan struct{}, m.parallel)
	batched := false
	var wg sync.WaitGroup
	for i, bp := range plans {
		if bp.Branch == plugin.Core {
			results[i], errs[i] = m.applyBranch(ctx, bp)
			ran[i] = true
			close(done[bp.Branch])
			if errs[i] != nil {
				return results[:i+1], errs[i]
			}
			continue
		}
		deps, err := m.deps(bp.Branch)
		if err != nil {
			m.halt.Store(true)
			errs[i] = fmt.Errorf("branch %q: %w", bp.Branch, err)
			break
		}
		if len(m.reconcileBatch) > 0 && !batched {
			// The roles of the plugins that depend on nothing pending, in
			// one batch, before any plugin branch runs (a reconcile waits
			// for every running file).
			batched = true
			if err := m.reconcile(ctx, m.reconcileBatch[0], nil); err != nil {
				errs[i] = err
				break
			}
		}
		for _, d := range deps {
			if ch := done[d]; ch != nil {
				<-ch
			}
		}
		slots <- struct{}{}
		if m.halt.Load() {
			<-slots
			break
		}
		ran[i] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[bp.Branch])
			defer func() { <-slots }()
			results[i], errs[i] = m.applyBranch(ctx, bp)
			if errs[i] != nil {
				m.halt.Store(true)
			}
		}()
	}
	wg.Wait()
	var out []BranchResult
	for i := range plans {
		if ran[i] {
			out = append(out, results[i])
		}
	}
	return out, errors.Join(errs...)
}

// singleRefusal is why a single-transaction run cannot apply the plans,
// said before anything runs: a file outside a transaction, or on
// PostgreSQL under the enforcing guard, a plugin file at all. One
// transaction is one session, and in a session logged in as the migrator
// any statement can take the migrator's role back (RESET ROLE, SET ROLE,
// set_config, a function's SET role clause) and give it up again before a
// check could see it: the database cannot hold the file to its plugin's
// role there, and the guard is the database's, not an observer's.
func (m *Migrator) singleRefusal(plans []*BranchPlan) error {
	for _, bp := range plans {
		for _, f := range bp.Pending {
			if !m.transactional(f) {
				return fmt.Errorf("%w: branch %q: %s/%s says \"-- atlas:txmode none\", so it cannot run inside --single-transaction; nothing was applied: apply without --single-transaction", ErrIntegrity, bp.Branch, bp.Folder, f.Name())
			}
		}
	}
	if m.dialect != "postgres" || !m.enforcing() {
		return nil
	}
	if ps := pendingPlugins(plans); len(ps) > 0 {
		verb := "have"
		if len(ps) == 1 {
			verb = "has"
		}
		return fmt.Errorf("%w: --single-transaction on PostgreSQL cannot hold plugin files to their roles, and %s %s pending files; nothing was run. "+
			"One transaction is one session, and in a session logged in as the migrator any statement can take the migrator's role back (SET ROLE, set_config, a function's SET role clause) and give it up before a check sees it. "+
			"Apply without --single-transaction: each plugin's files run on a session logged in as its own role, and each file is still all or nothing. "+
			"Or, accepting that plugin files run with the migrator's privileges and only the observer checks them, add --guard=observe",
			ErrIntegrity, pluralPlugins(ps), verb)
	}
	return nil
}

// pluralPlugins names plugins: plugin "a", plugins "a", "b".
func pluralPlugins(ps []string) string {
	q := make([]string, len(ps))
	for i, p := range ps {
		q[i] = strconv.Quote(p)
	}
	if len(ps) == 1 {
		return "plugin " + q[0]
	}
	return "plugins " + strings.Join(q, ", ")
}

// applySingle applies the plans in one transaction, committed only if
// every file, history row and seed row succeeded.
func (m *Migrator) applySingle(ctx context.Context, plans []*BranchPlan) ([]BranchResult, error) {
	if _, err := m.baseDriver(); err != nil {
		// Opened before the transaction takes the pool's connection: after
		// it, opening the driver would log in a second session.
		return nil, err
	}
	tx, release, err := m.beginShared(ctx, m.dialect == "sqlite" && rebuilds(plans))
	if err != nil {
		return nil, err
	}
	defer release()
	m.shared = tx
	defer func() { m.shared, m.sharedRevs = nil, nil }()
	var results []BranchResult
	history := store{dialect: m.dialect, db: tx}
	err = history.create(ctx)
	for _, bp := range plans {
		if err != nil {
			break
		}
		var res BranchResult
		res, err = m.applyBranch(ctx, bp)
		results = append(results, res)
	}
	if err == nil {
		err = history.writeAll(ctx, m.sharedRevs)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("%w\n  single transaction: the whole run was rolled back, nothing was applied or recorded", err)
	}
	return results, nil
}

// rebuilds reports whether a pending file needs SQLite's schema-change
// procedure (see package sqlitefk).
func rebuilds(plans []*BranchPlan) bool {
	for _, bp := range plans {
		for _, f := range bp.Pending {
			if stmts, err := f.Stmts(); err == nil && sqlitefk.Needed(stmts) {
				return true
			}
		}
	}
	return false
}

func (m *Migrator) applyBranch(ctx context.Context, bp *BranchPlan) (BranchResult, error) {
	res := BranchResult{Branch: bp.Branch}
	if r := bp.Applied(); r != nil {
		res.From = r.Version
	}
	res.To = res.From
	if err := m.enterBranch(ctx, bp); err != nil {
		return res, err
	}
	defer m.leaveBranch(bp)
	defer bp.closeScratch()
	seeded := false
	for i, f := range bp.Pending {
		if i > 0 && m.halt.Load() {
			fmt.Fprintf(m.progress, "%-14s stopped before %s: another branch failed; the next apply resumes here\n", bp.Branch, f.Name())
			return res, nil
		}
		var seed afterFile
		if i == len(bp.Pending)-1 {
			// The branch's seed rows go in with its last file: in its
			// transaction where the dialect has one.
			seed = func(ctx context.Context, c conn) (err error) {
				res.Seeded, err = m.seedOn(ctx, c, bp.Branch)
				seeded = err == nil
				return err
			}
		}
		fr, err := m.applyFile(ctx, bp, f, seed)
		for try := 1; err != nil && deadlocked(err) && m.transactional(f) && try < 3; try++ {
			// Plugin branches applied at once took core's locks in
			// opposite orders; the server rolled this file back to break
			// the deadlock, and nothing of it was recorded: once more.
			fmt.Fprintf(m.progress, "%-14s %s  deadlock with another branch of this run, rolled back; running it again\n", bp.Branch, f.Name())
			fr, err = m.applyFile(ctx, bp, f, seed)
		}
		if err != nil {
			// Other branches stop before their next file now, not once
			// this branch's session has closed (leaveBranch waits for it).
			m.halt.Store(true)
			return res, err
		}
		res.Files = append(res.Files, fr)
		res.To = f.Version()
	}
	if !seeded {
		// Nothing to apply: still reconcile (insert what is missing).
		var c conn = m.db
		if m.shared != nil {
			c = m.shared
		}
		m.files.Lock() // never while a watched file of another branch runs
		n, err := m.seedOn(ctx, c, bp.Branch)
		m.files.Unlock()
		if err != nil {
			return res, err
		}
		res.Seeded = n
	}
	return res, nil
}

// transactional reports whether a file runs in one transaction: always on
// SQLite and PostgreSQL, unless the file says "-- atlas:txmode none".
func (m *Migrator) transactional(f migrate.File) bool {
	if m.dialect == "mysql" {
		return false
	}
	if lf, ok := f.(interface{ Directive(string) []string }); ok {
		for _, d := range lf.Directive("txmode") {
			if d == "none" {
				return false
			}
		}
	}
	return true
}

// afterFile runs after a file's statements, on the connection or
// transaction the file ran on, before the transaction commits.
type afterFile func(ctx context.Context, c conn) error

func (m *Migrator) applyFile(ctx context.Context, bp *BranchPlan, f migrate.File, after afterFile) (FileResult, error) {
	start := time.Now()
	fr := FileResult{Branch: bp.Branch, Version: f.Version(), Description: f.Desc()}
	stmts, err := migdir.StmtTexts(m.dialect, f)
	if err != nil {
		return fr, fmt.Errorf("branch %q: %s/%s: %w", bp.Branch, bp.Folder, f.Name(), err)
	}
	fr.Statements = len(stmts)
	hash := migdir.FileHash(f)
	tx := m.transactional(f)
	if !tx {
		note, err := m.settleInterrupted(ctx, bp, f)
		if err != nil {
			return fr, fmt.Errorf("branch %q: %s/%s: %w", bp.Branch, bp.Folder, f.Name(), err)
		}
		if note != "" {
			fmt.Fprintf(m.progress, "%-14s %s  interrupted earlier: %s\n", bp.Branch, f.Name(), note)
		}
	}
	for _, r := range bp.Revisions {
		if r.Version == f.Version() {
			fr.Resumed = r.Applied
		}
	}
	if err := m.checkDataLoss(ctx, bp, f); err != nil {
		return fr, fmt.Errorf("branch %q: %s/%s: %w", bp.Branch, bp.Folder, f.Name(), err)
	}
	guard := lint.NewGuard(m.composer, m.dialect, bp.Branch)
	plainMy := bp.account.plain // only a plugin branch on MySQL has an account
	if plainMy {
		guard.OnPlainAccount()
	}
	if bp.Branch != plugin.Core {
		if err := guard.Check(f); err != nil { // the parsed file: its statements are split once
			return fr, m.explain(bp, f, tx, err)
		}
	}
	watched := bp.Branch != plugin.Core && !guard.Trivial(stmts)
	// While plugin branches apply at once (applyBranches), a file the
	// observer watches runs alone: what changed while it ran is its doing.
	// So does one outside a transaction (checked on a scratch copy first).
	queued := time.Now()
	if watched || !tx {
		m.files.Lock()
		defer m.files.Unlock()
	} else {
		m.files.RLock()
		defer m.files.RUnlock()
	}
	waited := time.Since(queued) // for another branch's file: not this file's time
	if watched && !tx {
		if err := m.preflight(ctx, guard, bp, f); err != nil {
			return fr, m.explain(bp, f, tx, err)
		}
		watched = false
	} else if n := len(bp.behind); bp.scratch != nil && (n == 0 || bp.behind[n-1] != f) {
		bp.behind = append(bp.behind, f) // the scratch database follows it before the next check (once, if the file is retried)
	}
	if tx {
		err = m.execInTx(ctx, bp, f, hash, guard, watched, after)
	} else {
		var done func(context.Context) error
		if plainMy {
			// What the server let the account do is judged after the
			// file, from the catalog (it refused triggers, views,
			// routines, events and every other table's rows and names).
			done = func(ctx context.Context) error {
				return guard.MyLeftBehind(ctx, m.db, bp.account.name, bp.account.own, string(f.Bytes()))
			}
		}
		err = m.underRole(ctx, bp, func() error {
			err := m.exec(ctx, m.db, bp, f, hash, false, nil, nil, done)
			if err == nil && bp.conn != nil && m.dialect == "postgres" {
				err = guard.PGLeftBehind(ctx, bp.conn, false) // outside a transaction: after the file, reported, not undone
			}
			return err
		})
		if err == nil && after != nil {
			err = after(ctx, m.db)
		}
	}
	fr.Duration = time.Since(start) - waited
	if err != nil {
		return fr, m.explain(bp, f, tx, err)
	}
	resumed := ""
	if fr.Resumed > 0 {
		resumed = fmt.Sprintf(", resumed after statement %d", fr.Resumed)
	}
	if waited >= 50*time.Millisecond {
		resumed += fmt.Sprintf(", after waiting %s for another branch's file", waited.Round(time.Millisecond))
	}
	fmt.Fprintf(m.progress, "%-14s %s  %d statement(s)%s  %s\n", bp.Branch, f.Name(), len(stmts), resumed, fr.Duration.Round(time.Millisecond))
	return fr, nil
}

// execInTx runs a file and its revision in one transaction. On failure the
// transaction is rolled back and the failure alone is recorded.
func (m *Migrator) execInTx(ctx context.Context, bp *BranchPlan, f migrate.File, hash string, guard *lint.Guard, watched bool, after afterFile) error {
	stmts, err := migdir.StmtTexts(m.dialect, f)
	if err != nil {
		return err
	}
	fk := m.dialect == "sqlite" && sqlitefk.Needed(stmts)
	if m.shared != nil {
		// A single-transaction run: its caller commits or rolls back.
		if bp.Branch != plugin.Core {
			guard.Authorize(m.sharedAuth)
		}
		err := m.execIn(ctx, m.shared, bp, f, hash, guard, watched)
		if err == nil && after != nil {
			err = after(ctx, m.shared)
		}
		if err == nil && fk {
			err = sqlitefk.Check(ctx, m.shared)
		}
		return err
	}
	tx, release, err := m.beginFile(ctx, guard, bp, fk)
	if err != nil {
		return err
	}
	err = m.execIn(ctx, tx, bp, f, hash, guard, watched)
	var seedTx *sql.Tx // the migrator's transaction of the seed rows of a file run on its plugin's login
	if err == nil && after != nil {
		if m.onLogin(bp) {
			seedTx, err = m.seedBeside(ctx, bp.Branch, after)
		} else {
			err = after(ctx, tx) // after the guard's watch: seed rows are the engine's, not the file's
		}
	}
	if err == nil && fk {
		err = sqlitefk.Check(ctx, tx)
	}
	if err != nil {
		if seedTx != nil {
			seedTx.Rollback()
		}
		tx.Rollback()
		release()
		if deadlocked(err) {
			return err // applyBranch runs the file again; a deadlock is no fault of the file
		}
		if ctx.Err() != nil {
			return err // cancelled (interrupted): no fault of the file either; nothing of it is applied
		}
		if bp.down {
			return err // nothing of the down ran: no unfinished down to record
		}
		if werr := m.recordFailure(ctx, bp, f, hash, len(stmts), err); werr != nil {
			err = errors.Join(err, werr)
		}
		return err
	}
	defer release()
	if err := tx.Commit(); err != nil {
		if seedTx != nil {
			seedTx.Rollback()
		}
		return err
	}
	switch {
	case seedTx != nil:
		err = seedTx.Commit()
	case after != nil && m.onLogin(bp):
		err = after(ctx, m.db) // seedBeside gave way to the file's locks
	}
	if err != nil {
		// Whatever failed now (a deadlock too), the file is committed: it
		// must never run again.
		return committedError{fmt.Errorf("the file is applied and recorded, its seed rows are not (%w): run apply again, it inserts the missing ones", err)}
	}
	return nil
}

// committedError is a failure after a file's transaction committed: the
// file is applied and recorded, so nothing retries it.
type committedError struct{ err error }

func (e committedError) Error() string { return e.err.Error() }
func (e committedError) Unwrap() error { return e.err }

// seedBeside inserts a plugin's seed rows in a transaction of the
// migrator's, beside the file's transaction on the plugin's own login
// (which may not write core's tables), to be committed right after it: a
// seed row that fails rolls the file back with it. If the file's
// transaction holds a lock the insert needs (it references the seed's
// table), it gives way: nil, and the caller inserts them after the file
// commits.
func (m *Migrator) seedBeside(ctx context.Context, branch string, after afterFile) (*sql.Tx, error) {
	if seeds, err := m.composer.Plugins().Seeds(branch); err != nil || len(seeds) == 0 {
		return nil, err // nothing to insert: no transaction
	}
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL lock_timeout = '2s'"); err != nil {
		tx.Rollback()
		return nil, err
	}
	if err := after(ctx, tx); err != nil {
		tx.Rollback()
		if strings.Contains(err.Error(), "SQLSTATE 55P03") {
			return nil, nil // lock_not_available
		}
		return nil, err
	}
	return tx, nil
}

// execIn runs a file and its revision inside the transaction tx, under the
// ownership guard's watch when watched.
func (m *Migrator) execIn(ctx context.Context, tx *sql.Tx, bp *BranchPlan, f migrate.File, hash string, guard *lint.Guard, watched bool) error {
	var (
		watch, perStmt *lint.Watch
		done           func(context.Context) error
	)
	if watched {
		base, err := m.baseDriver()
		if err != nil {
			return err
		}
		drv := connDriver{Driver: base, c: tx}
		if (m.onLogin(bp) || m.dialect == "sqlite") && guard.WholeFile() {
			// It runs as the plugin's own login role (PostgreSQL) or under
			// the authorizer (SQLite): the database refuses what the
			// plugin may not do as each statement runs, so the catalog is
			// judged once, after the file.
			guard.UseSnapshot(bp.snapshot)
			if watch, err = guard.WatchFile(ctx, tx, drv); err != nil {
				return err
			}
			done = watch.Finish
		} else {
			if watch, err = guard.Watch(ctx, tx, drv); err != nil {
				return err
			}
			perStmt = watch
		}
	}
	err := m.exec(ctx, tx, bp, f, hash, true, perStmt, guard, done)
	if err == nil && watch != nil {
		err = watch.Done()
	}
	if err == nil && bp.Branch != plugin.Core {
		err = guard.Recompile(ctx, tx)
	}
	if err == nil && done != nil {
		// The next file's whole-file watch starts from this catalog, if
		// the schema is still as this file left it.
		bp.snapshot, err = watch.Snapshot(ctx)
	}
	if err == nil && m.onLogin(bp) {
		err = guard.PGLeftBehind(ctx, tx, true) // what the file leaves behind, in its transaction: a refusal rolls it back
	}
	return err
}

// restoreForeignKeys turns SQLite's foreign keys on again on a connection
// pinned for a schema change and returns it to the pool; a connection that
// cannot be restored is discarded, never reused with foreign keys off.
func restoreForeignKeys(c *sql.Conn) {
	if err := sqlitefk.On(context.Background(), c); err != nil {
		c.Raw(func(any) error { return driver.ErrBadConn })
	}
	c.Close()
}

// recordFailure records a file's failed attempt after its transaction was
// rolled back: a failure (nothing of the file applied), never an applied
// revision, with the statement that failed when there is one.
func (m *Migrator) recordFailure(ctx context.Context, bp *BranchPlan, f migrate.File, hash string, total int, err error) error {
	rev := &migrate.Revision{
		Version: f.Version(), Description: f.Desc(), Type: migrate.RevisionTypeExecute,
		Total: total, Hash: hash, ExecutedAt: time.Now(), OperatorVersion: m.operator,
		Error: err.Error(),
	}
	var (
		se *migrate.StmtExecError
		fe *sqlitefk.Error
	)
	switch {
	case errors.As(err, &se):
		rev.Error, rev.ErrorStmt = se.Err.Error(), se.Stmt.Text
	case errors.As(err, &fe):
	default:
		return nil // not the file's doing (a lost connection): nothing to record
	}
	return m.store.write(ctx, bp.Branch, rev)
}

// exec runs one file with Atlas's executor over c. Inside a transaction,
// only the final revision is written: intermediate ones would roll back
// with the file anyway. done, if set, runs after the file's last statement,
// before the revision is written.
func (m *Migrator) exec(ctx context.Context, c conn, bp *BranchPlan, f migrate.File, hash string, inTx bool, watch *lint.Watch, guard *lint.Guard, done func(context.Context) error) error {
	base, err := m.baseDriver()
	if err != nil {
		return err
	}
	var known *migrate.Revision
	recorded := false // the history has a row of the file (a failed attempt)
	for _, r := range bp.Revisions {
		if r.Version == f.Version() {
			recorded = true
			if r.Applied > 0 {
				known = r // resumed after its last applied statement
			}
		}
	}
	stmts, err := f.Stmts()
	if err != nil {
		return err
	}
	rrw := &fileRevisions{
		branchRevisions: branchRevisions{branch: bp.Branch, store: store{dialect: m.dialect, db: c, schema: m.historySchema(bp)}},
		hash:            hash, total: len(stmts), buffered: inTx, known: known, recorded: recorded,
		reverts: bp.reverts,
	}
	if !inTx {
		rrw.check = done // before the revision that records the file complete
	}
	ex, err := migrate.NewExecutor(connDriver{Driver: base, c: m.stmtConn(bp, c), watch: watch, guard: guard, oneCommand: m.oneCommandOn(bp)}, bp.Dir, rrw, migrate.WithAllowDirty(true), migrate.WithOperatorVersion(m.operator))
	if err != nil {
		return err
	}
	if err := ex.Execute(ctx, f); err != nil {
		return err
	}
	if done != nil && inTx {
		if err := done(ctx); err != nil {
			return err
		}
	}
	if inTx && m.shared != nil {
		// A single-transaction run: the history is written with its commit.
		if r := rrw.final(); r != nil {
			m.sharedRevs = append(m.sharedRevs, Revision{Branch: bp.Branch, Revision: r})
		}
		return nil
	}
	return rrw.flush(ctx)
}

// baseDriver returns Atlas's driver on the database, opened once per run
// (opening it queries the server's version and settings).
func (m *Migrator) baseDriver() (migrate.Driver, error) {
	if m.drv != nil {
		return m.drv, nil
	}
	var err error
	switch m.dialect {
	case "sqlite":
		m.drv, err = sqlite.Open(m.db)
	case "postgres":
		m.drv, err = postgres.Open(m.db)
	default:
		m.drv, err = mysql.Open(m.db)
	}
	return m.drv, err
}

// connDriver is Atlas's driver whose statements run on one connection or
// transaction: the executor only executes statements through it.
type connDriver struct {
	migrate.Driver
	c     conn
	watch *lint.Watch // the ownership guard, when the file is watched
	guard *lint.Guard // SQLite's authorizer for a plugin file not watched
	// oneCommand, on PostgreSQL, sends each statement in the extended
	// protocol, which runs exactly one command or refuses: what Atlas split
	// as one statement is what the server runs, never several (a string
	// the two lex differently, such as an E-string whose backslash escapes
	// a quote, could otherwise hide commands from the guard's
	// per-statement checks).
	oneCommand oneCommand
}

// oneCommand is how a PostgreSQL statement is held to one command.
type oneCommand int

const (
	anyCommands     oneCommand = iota // not PostgreSQL: the driver runs one statement (MySQL) or the authorizer sees all (SQLite)
	pgxExecMode                       // pgx: its exec mode (the unnamed statement, one round trip)
	preparedCommand                   // another driver: a prepared statement (more round trips)
)

// oneCommandOn is how statements on the plugin's session or the pool are
// held to one command.
func (m *Migrator) oneCommandOn(bp *BranchPlan) oneCommand {
	switch {
	case m.dialect != "postgres":
		return anyCommands
	case m.pgxPool || (bp.Branch != plugin.Core && bp.session != nil):
		return pgxExecMode // plugin sessions are always pgx's
	}
	return preparedCommand
}

// ExecContext runs a statement on the connection, under the guard's watch.
func (d connDriver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	exec := func() (err error) {
		one := d.oneCommand
		if one != anyCommands && len(args) == 0 && sqlq.PlainlyOneCommand(query) {
			one = anyCommands // the simple protocol, cheaper, runs it alike
		}
		if p, ok := d.c.(interface {
			PrepareContext(context.Context, string) (*sql.Stmt, error)
		}); ok && one == preparedCommand && len(args) == 0 {
			st, err := p.PrepareContext(ctx, query)
			if err != nil {
				return err
			}
			defer st.Close()
			res, err = st.ExecContext(ctx)
			return err
		}
		if one == pgxExecMode && len(args) == 0 {
			res = driver.ResultNoRows
			return sqlq.OneCommand(ctx, d.c, query)
		}
		res, err = d.c.ExecContext(ctx, query, args...)
		return err
	}
	var err error
	switch {
	case d.watch != nil:
		err = d.watch.Exec(ctx, query, exec)
	case d.guard != nil:
		err = d.guard.Exec(ctx, d.c, query, exec)
	default:
		err = exec()
	}
	return res, err
}

// QueryContext runs a query on the connection.
func (d connDriver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.c.QueryContext(ctx, query, args...)
}

// preflight checks a plugin file that cannot run in a transaction before
// it runs, on the branch's scratch database (SQLite: in memory) on the
// target's server: made at the branch's first such file by replaying the
// histories it builds on, then kept in step with the branch's files, so
// each check costs one file, not the history before it.
func (m *Migrator) preflight(ctx context.Context, guard *lint.Guard, bp *BranchPlan, f migrate.File) error {
	err := m.preflightOn(ctx, guard, bp, f)
	if err != nil && ctx.Err() != nil {
		// What the interrupt cut short says nothing of the file.
		return fmt.Errorf("interrupted while the ownership guard checked it on a scratch database, before it ran: nothing of it was run; apply again: %w", ctx.Err())
	}
	return err
}

func (m *Migrator) preflightOn(ctx context.Context, guard *lint.Guard, bp *BranchPlan, f migrate.File) error {
	if bp.scratch == nil {
		if err := m.openScratch(ctx, guard, bp, f); err != nil {
			return err
		}
	}
	for _, g := range bp.behind {
		if err := bp.scratch.Follow(ctx, localFile(g)); err != nil {
			return err
		}
	}
	bp.behind = nil
	findings, err := bp.scratch.Check(ctx, localFile(f))
	if err != nil {
		return err
	}
	if len(findings) > 0 {
		return &lint.GuardError{Findings: findings}
	}
	return nil
}

// openScratch creates the branch's scratch database and replays on it the
// histories the branch builds on, its own up to (not including) f.
func (m *Migrator) openScratch(ctx context.Context, guard *lint.Guard, bp *BranchPlan, f migrate.File) error {
	if m.dialect != "sqlite" && m.scratchURL == "" {
		return errors.New("this plugin file runs outside a transaction, so the ownership guard must check it first on a scratch database: configure apply.WithScratchURL (the CLI passes the target's URL)")
	}
	dev, err := devdb.Open(ctx, m.dialect, m.scratchURL)
	if err != nil {
		return fmt.Errorf("ownership guard: %w (the guard needs to create a scratch database on the server: grant CREATE, or lint the migration and apply it where it may)", err)
	}
	b, err := m.composer.Branch(bp.Branch)
	if err != nil {
		dev.Close()
		return err
	}
	var histories []lint.History
	for _, owner := range b.Owners {
		dir, err := m.sources.Dir(owner, m.dialect)
		if err != nil {
			dev.Close()
			return err
		}
		files, err := dir.Files()
		if err != nil {
			dev.Close()
			return err
		}
		if owner == bp.Branch {
			files = slices.DeleteFunc(files, func(x migrate.File) bool { return x.Version() >= f.Version() })
		}
		histories = append(histories, lint.History{Owner: owner, Files: localFiles(files)})
	}
	s, err := guard.NewScratch(ctx, dev, histories, bp.Folder)
	if err != nil {
		dev.Close()
		return err
	}
	bp.scratch, bp.scratchDB = s, dev
	return nil
}

// explain turns an execution error into one that names the file, the
// statement and its line, the database's message and what to do.
func (m *Migrator) explain(bp *BranchPlan, f migrate.File, tx bool, err error) error {
	where := fmt.Sprintf("branch %q: %s/%s", bp.Branch, bp.Folder, f.Name())
	var ge *lint.GuardError
	if errors.As(err, &ge) && !slices.ContainsFunc(ge.Findings, func(x lint.Finding) bool { return x.Code != lint.CodeFails }) {
		return guardCheckFailed(where, ge)
	}
	if errors.As(err, &ge) {
		var lines []string
		for _, x := range ge.Findings {
			stmt := x.Statement
			if x.Line > 0 {
				stmt = fmt.Sprintf("line %d: %s", x.Line, stmt)
			}
			lines = append(lines, fmt.Sprintf("  %s %s\n    in: %s", x.Code, x.Message, stmt))
		}
		outcome := "the file was rolled back: nothing of it was applied"
		switch {
		case ge.After:
			outcome = "the file ran whole outside a transaction (this database commits DDL at once) and is recorded as a failed attempt: undo on the database what the file did (what is named below, and every other change of its statements), fix the migration, run go run ./cmd hash, and apply again: it runs again from its first statement"
		case !tx || ge.Before:
			outcome = "nothing of the file was run"
		}
		return fmt.Errorf("%s: refused: plugin %q touches what it does not own; %s. Fix the migration (go run ./cmd lint lists every finding):\n%s", where, bp.Branch, outcome, strings.Join(lines, "\n"))
	}
	if readOnly(err) {
		outcome := "the file was rolled back: nothing of it was applied"
		if !tx {
			outcome = "what ran before it is recorded; the next apply resumes there"
		}
		return fmt.Errorf("%s: %s", where, readOnlyAdvice(err, outcome))
	}
	var fe *sqlitefk.Error
	if errors.As(err, &fe) && bp.down {
		return fmt.Errorf("%s: refused: %w\n  %s", where, err, downOutcome(true, 0))
	}
	if errors.As(err, &fe) {
		return fmt.Errorf("%s: refused: %w\n  the file was rolled back: nothing of it was applied; make it keep (or remove) the rows those reference, run go run ./cmd hash, and apply again", where, err)
	}
	var se *migrate.StmtExecError
	if errors.Is(err, context.Canceled) && errors.As(err, &se) {
		// Interrupted: no fault of the statement.
		line := stmtLine(f, se)
		outcome := "the file was rolled back: nothing of it was applied"
		if !tx {
			outcome = "what ran before it is recorded; the next apply decides what became of it and resumes there"
		}
		return fmt.Errorf("%s: cancelled while running the statement at line %d: %s\n  %s", where, line, oneLine(se.Stmt.Text), outcome)
	}
	if !errors.As(err, &se) {
		var hc migrate.HistoryChangedError
		if errors.As(err, &hc) {
			return fmt.Errorf("%s: statement %d was edited after it was applied in an earlier, interrupted run: restore it; only the statements after it may change", where, hc.Stmt)
		}
		return fmt.Errorf("%s: %w", where, err)
	}
	line := stmtLine(f, se)
	stmts, _ := migdir.StmtTexts(m.dialect, f)
	idx := 0
	for i, s := range stmts {
		if s == se.Stmt.Text {
			idx = i + 1
			break
		}
	}
	outcome := "the file was rolled back: nothing of it was applied; fix the statement, run go run ./cmd hash, and apply again"
	if !tx {
		outcome = fmt.Sprintf("statements 1-%d were applied and recorded (this database commits DDL at once); fix statement %d, run go run ./cmd hash, and apply again: it resumes there", idx-1, idx)
		if idx <= 1 {
			outcome = "nothing of the file was applied; fix the statement, run go run ./cmd hash, and apply again"
		}
	}
	if bp.down {
		outcome = downOutcome(tx, idx)
	} else if m.dialect == "sqlite" && dbdriver.Busy(se.Err) {
		// Another process holds the file: nothing is wrong with the statement.
		outcome = "the file was rolled back: nothing of it was applied; the next apply runs it again"
		if !tx && idx > 1 {
			outcome = fmt.Sprintf("statements 1-%d were applied and recorded; the next apply resumes at statement %d", idx-1, idx)
		}
	}
	if r, ok := lint.Denied(m.dialect, se.Stmt.Text, se.Err, m.ownerOf); ok && bp.Branch != plugin.Core {
		return m.refused(where, bp, idx, line, se.Stmt.Text, r, outcome)
	}
	if dataCaused(se.Err.Error()) && !bp.down { // a down's plan is computed: its own outcome says what to do
		applied := "The file was rolled back: nothing of it was applied."
		switch {
		case !tx && idx > 1:
			applied = fmt.Sprintf("Statements 1-%d were applied and recorded (this database commits DDL at once): apply resumes at statement %d.", idx-1, idx)
		case !tx:
			applied = "Nothing of the file was applied."
		}
		outcome = dataOutcome(applied)
	}
	if strings.Contains(se.Err.Error(), "cannot insert multiple commands into a prepared statement") {
		outcome = "PostgreSQL reads more than one command in what the migration's parser (Atlas) reads as one statement: a string or comment the two read differently, such as an E'...' string with a backslash; each statement runs as exactly one command, so write them apart. " + outcome
	}
	return fmt.Errorf("%s: statement %d (line %d) failed: %s\n  database: %v\n  %s", where, idx, line, oneLine(se.Stmt.Text), se.Err, outcome)
}

// guardCheckFailed explains a file the ownership guard could not check
// because a statement failed on the scratch database where it checks the
// file first (MySQL; outside a transaction): a server limit reached (such
// as MariaDB's max_recursive_iterations), an error of the statement itself.
// It is not an ownership refusal, and is not reported as one.
func guardCheckFailed(where string, ge *lint.GuardError) error {
	var lines []string
	for _, x := range ge.Findings {
		stmt := x.Statement
		if x.Line > 0 {
			stmt = fmt.Sprintf("line %d: %s", x.Line, stmt)
		}
		lines = append(lines, fmt.Sprintf("  %s\n    in: %s", x.Message, stmt))
	}
	return fmt.Errorf("%s: nothing of the file was run: the ownership guard runs it first on a scratch database, and a statement failed there (a fault of the statement or a limit of the server, not an ownership refusal). Fix the statement or raise the server's limit, run go run ./cmd hash if you edited the file, and apply again (go run ./cmd lint shows the same failure):\n%s", where, strings.Join(lines, "\n"))
}

// stmtLine is the line of f a failed statement starts on.
func stmtLine(f migrate.File, se *migrate.StmtExecError) int {
	return 1 + bytes.Count(f.Bytes()[:min(se.Stmt.Pos, len(f.Bytes()))], []byte("\n"))
}

// deadlocked reports whether the server rolled a file's transaction back
// to break a deadlock (PostgreSQL's deadlock_detected). A failure after the
// file committed is never one (committedError).
func deadlocked(err error) bool {
	var c committedError
	return err != nil && !errors.As(err, &c) && strings.Contains(err.Error(), "SQLSTATE 40P01")
}

// readOnly reports whether err is a database refusing a write because it
// is read-only: SQLite's SQLITE_READONLY, PostgreSQL's read-only
// transaction (SQLSTATE 25006), MySQL's --read-only server (1290, 1836) or
// read-only transaction (1792).
func readOnly(err error) bool {
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"readonly database", "read-only transaction", "sqlstate 25006", "--read-only option", "error 1290", "error 1792", "error 1836", "read only transaction"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// readOnlyAdvice says that the database is read-only, what happened, and
// that the migration needs no fix.
func readOnlyAdvice(err error, outcome string) string {
	return fmt.Sprintf("the database refuses writes: it is read-only (%v); %s. Nothing is wrong with the migration: apply to a writable database (check the URL's mode=ro or default_transaction_read_only, the file's permissions, the server's read_only setting, or the user's privileges)", rootCause(err), outcome)
}

// rootCause is the innermost error of a chain (the database's own words).
func rootCause(err error) error {
	for {
		var se *migrate.StmtExecError
		if errors.As(err, &se) && se.Err != nil {
			return se.Err
		}
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

func oneLine(s string) string {
	s = string(bytes.Join(bytes.Fields([]byte(s)), []byte(" ")))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// fileRevisions is the revision store of one file's execution: it records
// the file's current hash (a resumed file may have been fixed since), and
// inside a transaction keeps only the last revision, written by flush.
type fileRevisions struct {
	branchRevisions
	hash     string
	total    int // the file's statements now (a failed file may have been fixed since)
	buffered bool
	last     *migrate.Revision // buffered: the revision flush writes
	// check, outside a transaction, judges the file after its last
	// statement, before the revision that records it complete is written:
	// a kill between the two leaves the file unfinished, never accepted
	// unchecked.
	check    func(context.Context) error
	start    time.Time
	known    *migrate.Revision // the file's revision read by Plan, if resumed
	recorded bool              // the history has a row of the file
	reverts  []string          // a down's: the versions it takes back
}

// ReadRevision returns the file's revision as Plan read it, under the run
// lock, sparing a query per file.
func (f *fileRevisions) ReadRevision(_ context.Context, version string) (*migrate.Revision, error) {
	if f.known == nil || f.known.Version != version {
		return nil, migrate.ErrRevisionNotExist
	}
	cp := *f.known
	return &cp, nil
}

// WriteRevision implements migrate.RevisionReadWriter.
func (f *fileRevisions) WriteRevision(ctx context.Context, r *migrate.Revision) error {
	if f.start.IsZero() {
		f.start = time.Now()
	}
	r.Hash, r.Total = f.hash, f.total
	if r.Applied >= r.Total {
		r.Error, r.ErrorStmt = "", "" // an earlier attempt's error is over
	}
	r.ExecutedAt, r.ExecutionTime = f.start, time.Since(f.start)
	if f.buffered {
		cp := *r
		f.last = &cp
		return nil
	}
	if f.check != nil && r.Applied >= r.Total {
		check := f.check
		f.check = nil // once: Atlas writes the complete revision twice
		if err := check(ctx); err != nil {
			// Every statement ran and was recorded: the attempt is
			// recorded as failed, with none counted as applied, so that
			// once what it did is undone and the file fixed (and
			// rehashed), the next apply runs it from its first statement.
			failed := *r
			failed.Applied, failed.PartialHashes = 0, nil
			failed.Error, failed.ErrorStmt = err.Error(), lint.AfterFile
			if werr := f.branchRevisions.WriteRevision(ctx, &failed); werr != nil {
				return errors.Join(err, werr)
			}
			return err
		}
	}
	if err := f.revert(ctx, r); err != nil {
		return err
	}
	return f.branchRevisions.WriteRevision(ctx, r)
}

// revert deletes, before a down's final revision is written, the
// revisions of the versions it took back: in its transaction where there
// is one; on MySQL first, so a kill between the two leaves an unfinished
// down (which the next down finishes), never a finished one whose reverted
// versions still count as applied.
func (f *fileRevisions) revert(ctx context.Context, r *migrate.Revision) error {
	if len(f.reverts) == 0 || r.Applied < r.Total || r.Error != "" {
		return nil
	}
	return f.store.deleteVersions(ctx, f.branch, f.reverts)
}

// flush writes the buffered revision: a plain insert for a file the
// history has no row of (the common case, cheaper than an upsert). A file
// committed whole in its transaction is never resumed, so its statement
// hashes are not kept.
func (f *fileRevisions) flush(ctx context.Context) error {
	r := f.final()
	if r == nil {
		return nil
	}
	if err := f.revert(ctx, r); err != nil {
		return err
	}
	if f.known == nil && !f.recorded {
		return f.store.insert(ctx, f.branch, r)
	}
	return f.branchRevisions.WriteRevision(ctx, r)
}

// final is the buffered revision as flush writes it, nil if there is none.
func (f *fileRevisions) final() *migrate.Revision {
	r := f.last
	if r != nil && r.Applied == r.Total && r.Error == "" {
		r.PartialHashes = nil
	}
	return r
}

// scanOne reads the one value of a one-row result and closes it.
func scanOne(rows *sql.Rows, dest any) error {
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest); err != nil {
		return err
	}
	return rows.Close()
}

// quote quotes an identifier with the dialect's own quoting: a quote
// character inside it is doubled, so no name can turn into SQL.
func (m *Migrator) quote(ident string) string { return quoteIdent(m.dialect, ident) }
