package devdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/plugmig/plugmig/internal/dbdriver"
)

// Scratch databases on a server are named plugmig_dev_<unix seconds>_<pid>_<random>:
// the creation time lets any later run tell a database abandoned by a
// killed run (SIGKILL, a test binary's timeout, a crash) from one in use,
// without keeping state anywhere; the process id says who made it.
const scratchPrefix = "plugmig_dev_"

// Grace is how old a scratch database must be before another run may
// judge it abandoned: a run of an older plugmig, which holds no life lock,
// connects to its scratch database within it.
const Grace = 2 * time.Minute

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

// Sweep drops what killed runs left on the server of admin (a connection
// to it): their scratch databases (plugmig_dev_*) and scratch logins
// (plugmig_dl_*) with the plugin identities made for them, once their
// creator is gone. It returns what it dropped. Errors on one (it was
// dropped meanwhile, a connection arrived) leave it for a later run.
func Sweep(ctx context.Context, dialect string, admin *sql.DB) ([]string, error) {
	left, err := Abandoned(ctx, dialect, admin)
	if err != nil {
		return nil, err
	}
	var dropped []string
	for _, l := range left {
		if err := l.Drop(ctx, admin); err == nil {
			dropped = append(dropped, l.Name)
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

// SweepOnce starts sweeping a server the first time this process connects
// to it (every command on a PostgreSQL or MySQL target, and every scratch
// database), on a connection of its own, beside the command's work (a
// PostgreSQL DROP DATABASE may take seconds). WaitSweeps waits for it
// before the process ends. It is best effort: a failure never stops the
// run.
func SweepOnce(dialect, url string) {
	if dialect == "sqlite" {
		return
	}
	if _, done := swept.LoadOrStore(dialect+" "+serverOf(url), true); done {
		return
	}
	sweeps.Add(1)
	go func() {
		defer sweeps.Done()
		ctx, cancel := context.WithTimeout(context.Background(), sweepTimeout)
		defer cancel()
		_, admin, err := dbdriver.Open(ctx, url)
		if err != nil {
			return
		}
		defer admin.Close()
		Sweep(ctx, dialect, admin)
	}()
}

// SkipSweep keeps SweepOnce from sweeping the server of url in this
// process: for a command that lists (and maybe drops) the same leftovers
// itself, roles --drop-orphaned, whose --dry-run must drop nothing and
// list everything.
func SkipSweep(dialect, url string) {
	swept.LoadOrStore(dialect+" "+serverOf(url), true)
}

// sweepTimeout bounds one sweep.
const sweepTimeout = time.Minute

// sweeps counts the sweeps in flight.
var sweeps sync.WaitGroup

// WaitSweeps waits, at most max, for the sweeps this process started.
func WaitSweeps(max time.Duration) {
	done := make(chan struct{})
	go func() {
		sweeps.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(max):
	}
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

// serverOf is the host (and port) a URL names, or the URL itself.
func serverOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}
