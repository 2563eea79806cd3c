package devdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Scratch databases on a server are named plugmig_dev_<unix seconds>_<pid>_<random>:
// the creation time lets any later run tell a database abandoned by a
// killed run (SIGKILL, a test binary's timeout, a crash) from one in use,
// without keeping state anywhere; the process id says who made it.
const scratchPrefix = "plugmig_dev_"

// StaleAfter is how old a scratch database must be before a run may drop
// it, and only when nobody is connected to it. It is generous: no diff,
// lint or test run lasts that long, so a live database is never dropped.
const StaleAfter = 6 * time.Hour

// scratchName returns a new scratch database name, created now.
func scratchName(now time.Time) string {
	b := make([]byte, 3)
	rand.Read(b)
	return fmt.Sprintf("%s%d_%d_%s", scratchPrefix, now.Unix(), os.Getpid(), hex.EncodeToString(b))
}

// scratchCreated returns when a scratch database was created, read from
// its name; ok is false for a name not made by scratchName (including the
// older plugmig_dev_<random> names, whose age cannot be known).
func scratchCreated(name string) (t time.Time, ok bool) {
	rest, found := strings.CutPrefix(name, scratchPrefix)
	if !found {
		return time.Time{}, false
	}
	parts := strings.Split(rest, "_")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || sec <= 0 {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// SweepStale drops the scratch databases on the server of admin (a
// connection to it) created more than olderThan ago that nobody is
// connected to: those of runs that were killed before they could drop
// their own. It returns the names it dropped. Errors on one database (it
// was dropped meanwhile, a connection arrived) leave it for a later run.
func SweepStale(ctx context.Context, dialect string, admin *sql.DB, olderThan time.Duration) ([]string, error) {
	var list, inUse string
	switch dialect {
	case "postgres":
		list = `SELECT datname FROM pg_database WHERE datname LIKE 'plugmig\_dev\_%'`
		inUse = `SELECT count(*) FROM pg_stat_activity WHERE datname = $1`
	case "mysql":
		list = `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'plugmig\_dev\_%'`
		inUse = `SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = ?`
	default:
		return nil, nil
	}
	rows, err := admin.QueryContext(ctx, list)
	if err != nil {
		return nil, fmt.Errorf("list scratch databases: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var dropped []string
	for _, n := range names {
		created, ok := scratchCreated(n)
		if !ok || time.Since(created) < olderThan {
			continue
		}
		var conns int
		if err := admin.QueryRowContext(ctx, inUse, n).Scan(&conns); err != nil || conns > 0 {
			continue
		}
		// No FORCE: if a connection arrived since, the drop fails and the
		// database stays.
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteName(dialect, n)); err == nil {
			dropped = append(dropped, n)
			dropIdentities(ctx, dialect, admin, n) // its login and plugin roles/accounts
		}
	}
	return dropped, nil
}

// quoteName quotes a scratch database name (made of [a-z0-9_] only).
func quoteName(dialect, n string) string {
	if dialect == "mysql" {
		return "`" + n + "`"
	}
	return `"` + n + `"`
}

// swept remembers the servers already swept by this process: one sweep
// per server per run is enough and keeps Open cheap.
var swept sync.Map

// sweepOnce sweeps a server the first time this process opens a scratch
// database on it. It is best effort: a failure never stops the run.
func sweepOnce(ctx context.Context, dialect, url string, admin *sql.DB) {
	if _, done := swept.LoadOrStore(dialect+" "+url, true); done {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	SweepStale(ctx, dialect, admin, StaleAfter)
}

// live holds the scratch databases this process has created and not
// dropped yet, so an interrupt (SIGINT, SIGTERM) drops them before the
// process ends.
var live = struct {
	sync.Mutex
	dbs     map[*DB]bool
	signals chan os.Signal
}{dbs: map[*DB]bool{}}

// track registers a scratch database to drop on an interrupt. The signal
// handler is installed while at least one scratch database exists.
func track(d *DB) {
	live.Lock()
	defer live.Unlock()
	live.dbs[d] = true
	if live.signals == nil {
		live.signals = make(chan os.Signal, 1)
		signal.Notify(live.signals, os.Interrupt, syscall.SIGTERM)
		go onSignal(live.signals)
	}
}

// untrack forgets a dropped scratch database; with none left the signal
// handler is removed, so the process's signals behave as before.
func untrack(d *DB) {
	live.Lock()
	defer live.Unlock()
	delete(live.dbs, d)
	if len(live.dbs) == 0 && live.signals != nil {
		signal.Stop(live.signals)
		close(live.signals)
		live.signals = nil
	}
}

// onSignal drops every live scratch database when the process is
// interrupted, then ends the process by the same signal.
func onSignal(ch chan os.Signal) {
	sig, ok := <-ch
	if !ok {
		return
	}
	dying.Store(true)
	live.Lock()
	var wg sync.WaitGroup
	for d := range live.dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			d.dropOnly(ctx)
		}()
	}
	wg.Wait()
	live.Unlock()
	signal.Reset(sig)
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		p.Signal(sig)
	}
	time.Sleep(time.Second)
	os.Exit(130)
}

// dropOnly drops the scratch database and its identities through the
// admin connection, without touching the fields the interrupted work may
// be using.
func (d *DB) dropOnly(ctx context.Context) {
	if d.admin == nil || d.scratch == "" {
		return
	}
	d.creating.Lock() // a CREATE DATABASE in flight commits first
	defer d.creating.Unlock()
	stmt := "DROP DATABASE IF EXISTS " + quoteName(d.Dialect, d.scratch)
	if d.Dialect == "postgres" {
		stmt += " WITH (FORCE)"
	}
	d.admin.ExecContext(ctx, stmt)
	// Its login and plugin identities too: once the database is gone, no
	// later sweep can tell whose they were.
	dropIdentities(ctx, d.Dialect, d.admin, d.scratch)
}
