package apply

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plugmig/plugmig/engine/lint"
	"github.com/plugmig/plugmig/engine/plan"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/engine/roles"
	"github.com/plugmig/plugmig/internal/dbdriver"
)

// Guard modes (WithGuard).
const (
	// GuardEnforce runs every plugin file under the plugin's own database
	// identity (PostgreSQL role, MySQL account), so the database refuses
	// what the plugin does not own; the observer explains refusals. The
	// default.
	GuardEnforce = "enforce"
	// GuardObserve runs plugin files with the migrator's privileges and only
	// the observer (catalog and row statistics before and after) checks
	// them: weaker, for a migrator that may not create roles or accounts.
	GuardObserve = "observe"
)

// ErrRoles is wrapped by the refusal to apply when the plugin roles are
// missing and the migrator may not create them. Nothing was run.
var ErrRoles = errors.New("plugin roles missing")

// WithGuard sets how plugin files are kept to what they own: GuardEnforce
// (default) or GuardObserve.
func WithGuard(mode string) Option {
	return func(m *Migrator) error {
		if mode != GuardEnforce && mode != GuardObserve {
			return fmt.Errorf("guard %q: use %q or %q", mode, GuardEnforce, GuardObserve)
		}
		m.guard = mode
		return nil
	}
}

// enforcing reports whether plugin files run under a database identity.
func (m *Migrator) enforcing() bool {
	return m.guard != GuardObserve && (m.dialect == "postgres" || m.dialect == "mysql")
}

// pendingPlugins returns the plugin branches with files to apply.
func pendingPlugins(plans []*BranchPlan) []string {
	var out []string
	for _, bp := range plans {
		if bp.Branch != plugin.Core && len(bp.Pending) > 0 {
			out = append(out, bp.Branch)
		}
	}
	return out
}

// RolesSQL returns the SQL a database administrator runs once so that the
// connected user can apply the enabled plugins with PostgreSQL roles (empty
// when everything is in place), and whether the connected user could run it
// itself.
func (m *Migrator) RolesSQL(ctx context.Context) (string, bool, error) {
	if m.dialect != "postgres" {
		return "", true, fmt.Errorf("plugin roles are PostgreSQL's; on %s apply manages per-plugin accounts itself", m.dialect)
	}
	branches, err := m.order()
	if err != nil {
		return "", false, err
	}
	stmts, can, err := roles.PGSetupSQL(ctx, m.db, slices.DeleteFunc(branches, func(b string) bool { return b == plugin.Core }))
	if err != nil {
		return "", can, err
	}
	guard, super, err := m.ddlGuardSQL(ctx)
	if err != nil {
		return "", can, err
	}
	if len(guard) > 0 {
		stmts = append(stmts, guard...)
		can = can && super
	}
	if len(stmts) == 0 {
		return "", can, nil
	}
	var db string
	if err := m.db.QueryRowContext(ctx, `SELECT current_database()`).Scan(&db); err != nil {
		return "", can, err
	}
	return roles.PGDBAScript(db, stmts), can, nil
}

// prepareIdentities runs before any SQL of a run: on PostgreSQL it creates
// the missing roles of the plugins with pending files (or refuses, printing
// the SQL a DBA runs); in observe mode it says loudly that the guard is
// weaker.
func (m *Migrator) prepareIdentities(ctx context.Context, plans []*BranchPlan) error {
	ps := pendingPlugins(plans)
	if len(ps) == 0 || m.dialect == "sqlite" {
		return nil
	}
	if m.guard == GuardObserve {
		fmt.Fprintf(m.progress, "WARNING: --guard=observe: plugin files run with the migrator's full privileges and only the observer checks them; it is weaker than the database's own access control (see SECURITY.md)\n")
		return nil
	}
	if err := m.db.QueryRowContext(ctx, map[string]string{"postgres": `SELECT current_database()`, "mysql": `SELECT DATABASE()`}[m.dialect]).Scan(&m.database); err != nil {
		return err
	}
	if m.dialect != "postgres" {
		return nil
	}
	stmts, can, err := roles.PGSetupSQL(ctx, m.db, ps)
	if err != nil {
		return err
	}
	if len(stmts) > 0 && !can {
		guard, _, err := m.ddlGuardSQL(ctx)
		if err != nil {
			return err
		}
		return fmt.Errorf("%w: plugin files run under one role per plugin, and the connected user may not create roles; nothing was run. Have a database administrator run once (also printed by go run ./cmd roles --print):\n\n%s\nor apply with --guard=observe (weaker: the observer only)", ErrRoles, roles.PGDBAScript(m.database, append(stmts, guard...)))
	}
	if len(stmts) > 0 {
		// One round trip and one transaction (no arguments: the simple
		// protocol runs them all): every role or none.
		if _, err := m.db.ExecContext(ctx, strings.Join(stmts, ";\n")); err != nil {
			return fmt.Errorf("create plugin roles: %s: %w", strings.Join(stmts, "; "), err)
		}
	}
	return m.ensureDDLGuard(ctx)
}

// deps returns the plugins a plugin depends on, transitively.
func (m *Migrator) deps(name string) ([]string, error) {
	b, err := m.composer.Branch(name)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(slices.Clone(b.Owners), func(o string) bool { return o == plugin.Core || o == name }), nil
}

func (m *Migrator) ownerOf(table string) string {
	return (&plan.Project{Composer: m.composer}).OwnerOf(table, nil)
}

// enterBranch prepares a plugin branch's identity before its first pending
// file: PostgreSQL grants reconciled, ownership moved, a password for this
// run and a session logged in as the role; MySQL an account with this
// run's password and a connection as it.
func (m *Migrator) enterBranch(ctx context.Context, bp *BranchPlan) error {
	if !m.enforcing() || bp.Branch == plugin.Core || len(bp.Pending) == 0 {
		return nil
	}
	deps, err := m.deps(bp.Branch)
	if err != nil {
		return err
	}
	if m.dialect == "postgres" {
		if err := m.reconcile(ctx, bp.Branch, deps); err != nil {
			return err
		}
		if m.logins == nil {
			return nil
		}
		db, err := m.logins.get(ctx, bp.Branch)
		if err != nil {
			return err
		}
		bp.session = db
		return nil
	}
	return m.openAccount(ctx, bp, deps)
}

// maxLoginsAhead bounds how many plugin sessions are opened before their
// branch starts. Logging in (a server process, authentication) costs more
// than a small migration, so sessions are opened while earlier files run
// and a branch rarely waits for its own. More ahead bought nothing on 2
// cores (measured with 2, 4 and 8: the same within noise) and every idle
// session still processes the catalog invalidations of the run's DDL.
const maxLoginsAhead = 4

// loginsAhead returns how many plugin sessions this run opens ahead: up to
// maxLoginsAhead, at most a quarter of the server's free connection slots
// (other runs and the application need theirs), at least 2 (the branches
// that run at once by default).
func (m *Migrator) loginsAhead(ctx context.Context) int {
	var free int
	if err := m.db.QueryRowContext(ctx, `SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')`).Scan(&free); err != nil {
		return 2
	}
	return max(2, min(maxLoginsAhead, free/4))
}

// logins opens the sessions of a run's PostgreSQL plugin branches, each
// logged in as its plugin's role, a few ahead of use. The roles' passwords
// for this run are set together before the first session logs in, and
// removed together when the run ends (one commit each, not one per role).
type logins struct {
	m         *Migrator
	order     []string      // the pending plugin branches, in run order
	ahead     int           // how many sessions are open before their branch
	passwords chan struct{} // closed when the passwords are set; password and loginErr are read-only after
	password  map[string]string
	loginErr  map[string]error // a role whose password could not be set
	mu        sync.Mutex
	removed   map[string]bool // roles whose password their own session removed (done)
	sessions  map[string]*login
	wg        sync.WaitGroup
}

type login struct {
	ready chan struct{}
	db    *sql.DB
	err   error
}

// newLogins prepares the sessions of the plugin branches of plans.
func (m *Migrator) newLogins(plans []*BranchPlan) *logins {
	return &logins{m: m, order: pendingPlugins(plans), passwords: make(chan struct{}), sessions: map[string]*login{}, removed: map[string]bool{}}
}

// prefetch sets the roles' passwords and starts opening the first
// branches' sessions, while core's files run.
func (l *logins) prefetch(ctx context.Context) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer close(l.passwords)
		l.setPasswords(ctx)
	}()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ahead = l.m.loginsAhead(ctx)
	for _, b := range l.order[:min(l.ahead, len(l.order))] {
		l.start(ctx, b)
	}
}

// setPasswords gives every pending plugin's role its password for this
// run, in one transaction; if that fails, role by role, so that the error
// goes to the branch whose role it is.
func (l *logins) setPasswords(ctx context.Context) {
	m := l.m
	if _, _, err := m.loginBase(ctx); err != nil {
		return // each session reports it
	}
	stale, _ := roles.PGStaleLogins(ctx, m.db, m.database, l.order) // best effort
	if err := m.endLeftoverSessions(ctx, l.order); err != nil {
		l.password, l.loginErr = map[string]string{}, map[string]error{}
		for _, b := range l.order {
			l.loginErr[b] = err
		}
		return
	}
	pw, err := roles.PGLoginAll(ctx, m.db, m.database, l.order, stale...)
	if err == nil {
		l.password = pw
		return
	}
	l.password, l.loginErr = map[string]string{}, map[string]error{}
	for _, b := range l.order {
		if p, err := roles.PGLogin(ctx, m.db, m.database, b); err != nil {
			l.loginErr[b] = err
		} else {
			l.password[b] = p
		}
	}
}

// get returns branch's session, waiting for it, and starts opening the
// next ones.
func (l *logins) get(ctx context.Context, branch string) (*sql.DB, error) {
	l.mu.Lock()
	for i, b := range l.order {
		if b == branch {
			for _, next := range l.order[i+1 : min(i+1+l.ahead, len(l.order))] {
				l.start(ctx, next)
			}
		}
	}
	s := l.start(ctx, branch)
	l.mu.Unlock()
	select {
	case <-s.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if s.err != nil && strings.Contains(s.err.Error(), "SQLSTATE 53300") {
		// Opened ahead when the server had no slot left (too many
		// clients): once more, now that earlier branches' sessions closed.
		s.db, s.err = l.m.openLogin(ctx, branch, l.password[branch], l.loginErr[branch])
	}
	return s.db, s.err
}

// start opens branch's session in the background, once. l.mu is held.
func (l *logins) start(ctx context.Context, branch string) *login {
	if s := l.sessions[branch]; s != nil {
		return s
	}
	s := &login{ready: make(chan struct{})}
	l.sessions[branch] = s
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer close(s.ready)
		select {
		case <-l.passwords:
		case <-ctx.Done():
			s.err = ctx.Err()
			return
		}
		s.db, s.err = l.m.openLogin(ctx, branch, l.password[branch], l.loginErr[branch])
	}()
	return s
}

// done closes branch's session. The role's password goes first, on the
// session itself, while it holds the role's one connection (CONNECTION
// LIMIT 1): a file may have given its role a password someone knows, who
// could otherwise log in as the plugin once the session closes, while
// other branches run. Its temporary objects go too (DISCARD TEMP), while
// no watched file runs (m.files held shared): the server would drop them
// when the session's process exits, after the client has gone, and the
// observer of another branch's watched file, which reads every plugin
// session's temporary tables, would blame that file. Session-level
// advisory locks are released with them. All in one round trip.
func (l *logins) done(branch string) {
	l.mu.Lock()
	s := l.sessions[branch]
	l.mu.Unlock()
	if s == nil {
		return
	}
	<-s.ready
	l.mu.Lock()
	db := s.db
	s.db = nil
	l.mu.Unlock()
	if db == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), sessionExitWait)
	defer cancel()
	r := roles.QuotePG(roles.Name(l.m.database, branch))
	l.m.files.RLock()
	_, err := db.ExecContext(ctx, "ALTER ROLE "+r+" PASSWORD NULL; SELECT pg_catalog.pg_advisory_unlock_all(); DISCARD TEMP")
	l.m.files.RUnlock()
	if err == nil {
		l.mu.Lock()
		l.removed[branch] = true // nothing left for close to remove
		l.mu.Unlock()
		db.Close()
		return
	}
	// A session that failed: whatever it holds goes when its process exits;
	// close it while no file runs and wait for that (close removes the
	// password).
	var pid int
	if err := db.QueryRowContext(ctx, "SELECT pg_catalog.pg_backend_pid()").Scan(&pid); err != nil {
		pid = 0 // a session already broken: nothing to wait for that can be found
	}
	l.m.files.Lock()
	defer l.m.files.Unlock()
	db.Close()
	if pid != 0 {
		l.m.awaitSessionsGone(ctx, "pid = $1", pid) // best effort, within sessionExitWait
	}
}

// endLeftoverSessions ends the sessions the plugins' roles still have
// before this run logs in as them: under the run lock none is this run's
// or another run's, so each is a killed run's whose server process has not
// noticed yet (it runs its statement to the end first) — or someone
// else's. A role has one session at a time (CONNECTION LIMIT 1), so such a
// session would keep the run from logging in. The migrator, a member of
// every plugin role, may end them; it waits until they are gone (their
// transactions rolled back).
func (m *Migrator) endLeftoverSessions(ctx context.Context, plugins []string) error {
	names := roles.Names(m.database, plugins)
	var ended int
	if err := m.db.QueryRowContext(ctx, `SELECT count(pg_catalog.pg_terminate_backend(pid)) FROM pg_catalog.pg_stat_activity WHERE usename = ANY ($1) AND pid <> pg_catalog.pg_backend_pid()`, names).Scan(&ended); err != nil {
		return fmt.Errorf("end the sessions a killed run left on the plugin roles: %w", err)
	}
	if ended == 0 {
		return nil
	}
	fmt.Fprintf(m.progress, "ended %d session(s) of plugin roles left by an interrupted run (their transactions roll back)\n", ended)
	wctx, cancel := context.WithTimeout(ctx, sessionExitWait)
	defer cancel()
	left, err := m.awaitSessionsGone(wctx, `usename = ANY ($1)`, names)
	switch {
	case err != nil:
		return fmt.Errorf("wait for the sessions a killed run left on the plugin roles to end: %w", err)
	case left > 0:
		return fmt.Errorf("%d session(s) of plugin roles did not end within %s after pg_terminate_backend, so the plugin branches were not applied: run apply again once they are gone (SELECT pid, usename, query FROM pg_stat_activity WHERE usename LIKE 'plugmig%%')", left, sessionExitWait)
	}
	return nil
}

// sessionExitWait bounds how long closing a plugin session waits for its
// server process to exit.
const sessionExitWait = 10 * time.Second

// awaitSessionsGone polls, until ctx ends, the server's sessions matching
// where (a condition on pg_stat_activity, with arg as $1) and returns how
// many are left: 0 once they have exited (after dropping their temporary
// tables; every user sees the pid and usename columns).
func (m *Migrator) awaitSessionsGone(ctx context.Context, where string, arg any) (int, error) {
	left := 1 // until the server says otherwise
	for {
		if err := m.db.QueryRowContext(ctx, "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE "+where, arg).Scan(&left); err != nil {
			if ctx.Err() != nil {
				return left, nil // timed out while asking: the last count
			}
			return 0, err
		}
		if left == 0 {
			return 0, nil
		}
		select {
		case <-ctx.Done():
			return left, nil
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// close waits for the sessions still opening, closes every one and
// removes the roles' passwords (best effort: the next run sets new ones
// anyway).
func (l *logins) close() {
	l.wg.Wait()
	for b := range l.sessions {
		l.done(b)
	}
	var set []string
	for _, b := range l.order {
		if _, ok := l.password[b]; ok && !l.removed[b] {
			set = append(set, b)
		}
	}
	if err := roles.PGLogoutAll(context.Background(), l.m.db, l.m.database, set); err != nil {
		fmt.Fprintf(l.m.progress, "WARNING: %v; a DBA can remove it: ALTER ROLE ... PASSWORD NULL (the next apply sets a new one anyway)\n", err)
	}
}

// reconcile brings a plugin's role to exactly its privileges before its
// first pending file. The first plugin branch of a run reconciles, in one
// batch, every pending plugin whose dependencies have nothing pending (core
// is applied by then, so its new tables are granted); a plugin depending on
// one migrated in this run is reconciled on its own, after it.
func (m *Migrator) reconcile(ctx context.Context, branch string, deps []string) error {
	isDone := func() bool {
		m.reconcileMu.Lock()
		defer m.reconcileMu.Unlock()
		return m.reconciled[branch]
	}
	if isDone() {
		return nil // in the run's batch (applyBranches reconciles it before any plugin branch starts)
	}
	// Plugin branches may run at once (applyBranches): one reconciles at a
	// time, and never while a watched file runs (its grants would look
	// like the file's doing).
	m.files.Lock()
	defer m.files.Unlock()
	if isDone() {
		return nil
	}
	batch := []string{branch}
	depsOf := map[string][]string{branch: deps}
	if slices.Contains(m.reconcileBatch, branch) {
		batch = m.reconcileBatch
		for _, b := range batch {
			d, err := m.deps(b)
			if err != nil {
				return err
			}
			depsOf[b] = d
		}
	}
	moved, err := roles.PGReconcileAll(ctx, m.db, batch, depsOf, m.ownerOf)
	if err != nil {
		return fmt.Errorf("branch %q: reconcile its role: %w", branch, err)
	}
	m.reconcileMu.Lock()
	defer m.reconcileMu.Unlock()
	if m.reconciled == nil {
		m.reconciled = map[string]bool{}
	}
	for _, b := range batch {
		m.reconciled[b] = true
		if ms := moved[b]; len(ms) > 0 {
			fmt.Fprintf(m.progress, "%-14s moved %d object(s) to role %s, which runs the plugin's migrations from now on: %s\n", b, len(ms), roles.Name(m.database, b), strings.Join(ms, ", "))
		}
	}
	return nil
}

// batchReconcilable returns the pending plugin branches none of whose
// dependencies has pending files: their roles can be reconciled together.
func (m *Migrator) batchReconcilable(plans []*BranchPlan) []string {
	pending := pendingPlugins(plans)
	var out []string
	for _, p := range pending {
		deps, err := m.deps(p)
		if err != nil {
			continue // reconciled on its own, which reports the error
		}
		if !slices.ContainsFunc(deps, func(d string) bool { return slices.Contains(pending, d) }) {
			out = append(out, p)
		}
	}
	return out
}

// openLogin opens the session a PostgreSQL plugin branch's files run on,
// logged in as the plugin's role with its password for this run (or the
// error that kept it from being set).
func (m *Migrator) openLogin(ctx context.Context, branch, password string, passwordErr error) (*sql.DB, error) {
	cfg, dsn, err := m.loginBase(ctx)
	if err == nil {
		err = passwordErr
	}
	if err != nil {
		return nil, fmt.Errorf("branch %q: %w", branch, err)
	}
	db, err := roles.PGOpen(ctx, cfg, dsn, m.database, roles.Name(m.database, branch), password, m.searchPath)
	if err != nil {
		return nil, fmt.Errorf("branch %q: %w", branch, err)
	}
	roles.PGWarm(ctx, db, m.searchPath)    // best effort: a session that cannot plan still runs its files
	lint.PGWarmLeftBehind(ctx, db, branch) // likewise: the after-file check, planned and its catalogs cached before the branch's first file
	return db, nil
}

// loginBase returns what plugin sessions connect with, read once: the
// migrator's own connection settings (TLS, host, port), or else the server
// URL of WithScratchURL; and it reads the migrator's search_path.
func (m *Migrator) loginBase(ctx context.Context) (*pgx.ConnConfig, string, error) {
	m.loginOnce.Do(func() {
		if m.searchPath, m.loginErr = roles.PGSearchPath(ctx, m.db); m.loginErr != nil {
			return
		}
		if m.pgConfig = roles.PGConfig(ctx, m.db); m.pgConfig != nil {
			return
		}
		if m.scratchURL == "" {
			m.loginErr = errors.New("plugin files run on a session logged in as the plugin's role, and the database handle is not a pgx pool: configure apply.WithScratchURL with the server's URL")
			return
		}
		t, err := dbdriver.ParseURL(m.scratchURL)
		if err != nil {
			m.loginErr = err
			return
		}
		m.loginDSN = t.DSN
	})
	return m.pgConfig, m.loginDSN, m.loginErr
}

// leaveBranch closes a plugin branch's session; on PostgreSQL the role's
// password is removed again.
func (m *Migrator) leaveBranch(bp *BranchPlan) {
	if bp.session == nil {
		return
	}
	if m.dialect == "postgres" && m.logins != nil {
		m.logins.done(bp.Branch)
	} else {
		bp.session.Close()
	}
	bp.session, bp.account = nil, account{}
}

// historySchema is the schema that qualifies the history table when a
// branch's revision is written on its plugin's own session ("" otherwise).
func (m *Migrator) historySchema(bp *BranchPlan) string {
	if !m.onLogin(bp) || len(m.searchPath) == 0 {
		return ""
	}
	return m.searchPath[0]
}

// onLogin reports whether a branch's files run on its own login (a
// PostgreSQL plugin branch outside a single-transaction run).
func (m *Migrator) onLogin(bp *BranchPlan) bool {
	return m.dialect == "postgres" && bp.Branch != plugin.Core && bp.session != nil
}

// stmtConn is where a file's statements run: on MySQL, a plugin's
// connection as its account; on PostgreSQL, for a file outside a
// transaction, the plugin's session.
func (m *Migrator) stmtConn(bp *BranchPlan, c conn) conn {
	switch {
	case bp.Branch == plugin.Core:
	case bp.conn != nil:
		return bp.conn
	case bp.session != nil && m.dialect == "mysql":
		return bp.session
	}
	return c
}

// underRole runs fn, a PostgreSQL plugin file outside a transaction
// ("-- atlas:txmode none"), with its statements on the plugin's own
// session; other cases run fn as is.
func (m *Migrator) underRole(ctx context.Context, bp *BranchPlan, fn func() error) error {
	if !m.onLogin(bp) {
		return fn()
	}
	c, err := bp.session.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	bp.conn = c
	defer func() { bp.conn = nil }()
	return fn()
}

// refused explains the database's refusal of a plugin statement: the
// finding code, the object and its owner, the statement and its line.
func (m *Migrator) refused(where string, bp *BranchPlan, idx, line int, stmt string, r lint.Refusal, outcome string) error {
	ge := &lint.GuardError{Findings: []lint.Finding{{Code: r.Code, Severity: lint.Error, Branch: bp.Branch, Dialect: m.dialect, Line: line, Statement: oneLine(stmt), Object: r.Object, Owner: r.Owner, Message: r.Message}}}
	return fmt.Errorf("%s: refused: plugin %q touches what it does not own, and the database refused statement %d (line %d) under the plugin's own identity; %s. Fix the migration (go run ./cmd lint lists every finding):\n  %s %s\n    in: line %d: %s\n%w", where, bp.Branch, idx, line, outcome, r.Code, r.Message, line, oneLine(stmt), errOnly{ge})
}

// errOnly wraps an error for errors.Is/As without repeating its text.
type errOnly struct{ err error }

func (e errOnly) Error() string { return "" }
func (e errOnly) Unwrap() error { return e.err }

// dropIdentity removes a removed plugin's database identity over c, after
// its tables: its PostgreSQL role (what it still owns, its privileges and
// history policy, then the role) or its MySQL accounts. A migrator that
// may not drop roles drops the rest and prints the one statement a DBA
// runs.
func (m *Migrator) dropIdentity(ctx context.Context, c conn, name string) error {
	q, ok := c.(roles.Querier)
	if !ok {
		return nil
	}
	var stmts []string
	switch m.dialect {
	case "postgres":
		s, canDrop, err := roles.PGDropSQL(ctx, q, name)
		if err != nil {
			return fmt.Errorf("plugin %q: read its role: %w", name, err)
		}
		if len(s) > 0 && !canDrop {
			fmt.Fprintf(m.progress, "%s: the connected user may not drop roles; have a database administrator run: %s;\n", name, s[len(s)-1])
			s = s[:len(s)-1]
		}
		stmts = s
	case "mysql":
		s, err := roles.MyDropSQL(ctx, q, name)
		if err != nil {
			fmt.Fprintf(m.progress, "%s: could not read its accounts (%v); a DBA drops them: DROP USER for each plugmig_%s_<8 hex digits> account of this database (go run ./cmd roles --print names them on PostgreSQL; on MySQL SELECT User, Host FROM mysql.user)\n", name, err, name)
			return nil
		}
		stmts = s
	}
	for _, s := range stmts {
		if _, err := c.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("plugin %q: %s: %w", name, s, err)
		}
	}
	if len(stmts) > 0 {
		fmt.Fprintf(m.progress, "%s: removed its database identity (%s)\n", name, strings.Join(stmts, "; "))
	}
	return nil
}
