// Package apply brings a database to the migrations of core and every
// enabled plugin: core's pending files first, then each plugin's in
// dependency order, with one history table keyed by (branch, version).
//
// It is the last stage of the engine. Before any SQL runs it checks every
// folder's atlas.sum, that applied files are unchanged and present, that no
// pending file sorts before its branch's last applied version, and that a
// branch with no history does not already have its tables (see Baseline).
// A run holds a lock (a PostgreSQL table lock, MySQL GET_LOCK, a file lock
// beside a SQLite database), so concurrent appliers wait and then find
// nothing to do. Each file runs in its own transaction on SQLite and
// PostgreSQL; on MySQL, whose DDL commits implicitly, progress is recorded
// per statement and a rerun resumes after the last good one. Files are
// executed by Atlas's executor with this package's revision store.
package apply

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"ariga.io/atlas/sql/migrate"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/engine/sqliteauth"
)

// ErrIntegrity is wrapped by every refusal of the checks that run before
// any SQL: the database is untouched.
var ErrIntegrity = errors.New("migrations refused")

// Migrator applies one application's branches to one database.
type Migrator struct {
	db       *sql.DB
	dialect  string
	composer *compose.Composer
	sources  Sources
	store    store

	enabled     []string
	sqliteFile  string
	lockTimeout time.Duration
	progress    io.Writer
	operator    string

	pgxPool bool // db is a pgx pool (its driver, not another PostgreSQL driver)

	single bool    // WithSingleTransaction
	shared *sql.Tx // the run's one transaction, while a single-transaction run applies
	// sharedRevs are the revisions of the files applied in shared, written
	// before it commits.
	sharedRevs []Revision
	// sharedAuth is SQLite's authorizer on the connection of shared.
	sharedAuth *sqliteauth.Authorizer

	drv           migrate.Driver // Atlas's driver on db, opened on first use
	scratchURL    string         // server for the ownership guard's scratch database
	fromAtlas     []Revision     // core versions the atlas CLI applied, found by Plan for Apply to record
	interrupted   string         // the user's decision on an interrupted statement (WithInterrupted)
	allowDataLoss bool           // run files that drop data (WithAllowDataLoss)

	guard      string          // GuardEnforce (default) or GuardObserve
	database   string          // the target's database name, read by prepareIdentities
	searchPath []string        // PostgreSQL: the migrator's schemas, for plugin sessions
	pgConfig   *pgx.ConnConfig // PostgreSQL: the migrator's connection settings, for plugin sessions
	loginDSN   string          // PostgreSQL: the server URL for plugin sessions, when pgConfig is nil
	loginOnce  sync.Once
	loginErr   error
	logins     *logins // PostgreSQL: the run's plugin sessions
	// PostgreSQL: the plugins whose roles the run reconciles in one batch,
	// and those reconciled so far.
	reconcileBatch []string
	reconciled     map[string]bool
	reconcileMu    sync.Mutex

	// parallel is how many PostgreSQL plugin branches run at once
	// (WithParallelBranches); halt, while they do, tells them to stop
	// before their next file; files is held shared by a file that runs in
	// a transaction, alone by one that the observer watches or that runs
	// outside a transaction, and by what changes the database beside files
	// (a role's grants, seed rows).
	parallel int
	halt     atomic.Bool
	files    sync.RWMutex
}

// Option configures a Migrator.
type Option func(*Migrator) error

// WithEnabled sets the enabled plugins (by default every registered one
// but those DisabledByDefault: the registry's DefaultEnabled).
func WithEnabled(plugins ...string) Option {
	return func(m *Migrator) error {
		for _, p := range plugins {
			if _, err := m.composer.Plugins().Get(p); err != nil {
				return fmt.Errorf("enabled plugins: %w", err)
			}
		}
		m.enabled = slices.Clone(plugins)
		return nil
	}
}

// WithSQLiteFile names the SQLite database file; its run lock is a file
// lock on the database file itself on Linux, on "<path>.lock" beside the
// real file elsewhere (see [SQLiteLockPath]). Required for SQLite.
func WithSQLiteFile(path string) Option {
	return func(m *Migrator) error { m.sqliteFile = path; return nil }
}

// WithLockTimeout bounds how long a run waits for another run's lock
// (default one minute).
func WithLockTimeout(d time.Duration) Option {
	return func(m *Migrator) error { m.lockTimeout = d; return nil }
}

// WithProgress writes one line per file as it is applied.
func WithProgress(w io.Writer) Option {
	return func(m *Migrator) error { m.progress = w; return nil }
}

// WithScratchURL names the server (an Atlas-style URL, normally the
// target's) where the ownership guard may create and drop a scratch
// database to check, before they run, plugin files that cannot run in a
// transaction (MySQL/MariaDB, or "-- atlas:txmode none"). SQLite uses memory.
func WithScratchURL(url string) Option {
	return func(m *Migrator) error { m.scratchURL = url; return nil }
}

// WithSingleTransaction applies every pending file of every branch, their
// history rows and seed rows in one transaction: all or nothing. A failure
// anywhere rolls the whole run back and records nothing. SQLite and
// PostgreSQL only (MySQL commits DDL implicitly); a pending file marked
// "-- atlas:txmode none" is refused before anything runs.
func WithSingleTransaction() Option {
	return func(m *Migrator) error { m.single = true; return nil }
}

// WithOperatorVersion records the tool's version in each revision.
func WithOperatorVersion(v string) Option {
	return func(m *Migrator) error { m.operator = v; return nil }
}

// New returns a Migrator of the database db, whose dialect is "sqlite",
// "postgres" or "mysql".
func New(db *sql.DB, dialect string, comp *compose.Composer, sources Sources, opts ...Option) (*Migrator, error) {
	m := &Migrator{
		db: db, dialect: dialect, composer: comp, sources: sources,
		store:       store{dialect: dialect, db: db},
		enabled:     comp.Plugins().DefaultEnabled(),
		lockTimeout: time.Minute,
		progress:    io.Discard,
		operator:    "plugmig",
		guard:       GuardEnforce,
		parallel:    2,
	}
	if !slices.Contains(compose.Dialects, dialect) {
		return nil, fmt.Errorf("unknown dialect %q", dialect)
	}
	for _, o := range opts {
		if err := o(m); err != nil {
			return nil, err
		}
	}
	m.progress = &lockedWriter{w: m.progress}
	_, m.pgxPool = db.Driver().(*stdlib.Driver)
	if m.single && dialect == "mysql" {
		return nil, errors.New("apply: a single transaction is impossible on MySQL/MariaDB, whose DDL commits implicitly: apply without it (progress is recorded per statement and a rerun resumes)")
	}
	if dialect == compose.SQLite && m.sqliteFile == "" {
		return nil, errors.New("apply: a SQLite database needs WithSQLiteFile (its run lock lives beside it)")
	}
	return m, nil
}

// WithParallelBranches sets how many plugin branches apply at once on
// PostgreSQL, where each runs on its own session logged in as its plugin's
// role (default 2; 1 applies them one after another). A branch starts
// after the plugins it depends on; core's files always run first, alone.
func WithParallelBranches(n int) Option {
	return func(m *Migrator) error {
		if n < 1 {
			return fmt.Errorf("parallel branches %d: use 1 or more", n)
		}
		m.parallel = n
		return nil
	}
}

// lockedWriter serializes the progress lines of branches applied at once.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Enabled returns the enabled plugins.
func (m *Migrator) Enabled() []string { return slices.Clone(m.enabled) }

// order returns the branches to apply: core, then the enabled plugins after
// the plugins they depend on, refusing an enabled plugin whose dependency is
// disabled.
func (m *Migrator) order() ([]string, error) {
	if len(m.enabled) == 0 {
		return []string{plugin.Core}, nil
	}
	ps, err := m.composer.Plugins().Order(m.enabled...)
	if err != nil {
		return nil, err
	}
	branches := []string{plugin.Core}
	for _, p := range ps {
		if !slices.Contains(m.enabled, p.Name) {
			return nil, fmt.Errorf("an enabled plugin depends on plugin %q, which is disabled: enable %q too", p.Name, p.Name)
		}
		branches = append(branches, p.Name)
	}
	return branches, nil
}

// withLock runs fn holding the run lock.
func (m *Migrator) withLock(ctx context.Context, fn func() error) error {
	release, err := lock(ctx, m.dialect, m.db, m.sqliteFile, m.lockTimeout)
	if err != nil {
		return err
	}
	defer release()
	return fn()
}
