package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plan"
	"github.com/plugmig/plugmig/engine/plugin"
)

// benchApply compares our apply from empty with the floor: the same SQL run
// raw, one transaction per file plus one insert into a version table
// (MySQL/MariaDB, whose DDL commits by itself: each statement as its
// client runs it, then the version row); and apply --single-transaction
// with the one-transaction floor (every file's statements and version rows
// in one transaction). Then the per-file cost early and late in the
// history, status latency on the migrated database, peak heap and peak
// RSS. Each history is measured on SQLite, PostgreSQL and MySQL/MariaDB,
// the runs of both sides interleaved.
func benchApply(args []string) error {
	fs := newFlags("apply")
	sizes := fs.String("sizes", "20x10,50x20,1x1000", "synthetic histories, plugins x migrations per plugin (comma-separated); 1x1000 is one long branch")
	shapes := fs.String("shapes", "ddl,data", "ddl: plain DDL; data: every plugin file also fills, backfills, copies and indexes a table (comma-separated)")
	runs := fs.Int("runs", 5, "repetitions (the median is reported)")
	single := fs.Bool("single", true, "also measure --single-transaction against its one-transaction floor (false: skip it; on PostgreSQL it runs under --guard=observe, which watches every statement and is slow on long histories)")
	cpuProfile := fs.String("cpuprofile", "", "after the timed runs, profile -runs more plugmig applies per history and dialect into <file>-<files>-<shape>-<dialect> (and -single: --single-transaction)")
	srv := serverFlags(fs, "")
	fs.Parse(args)
	ctx := context.Background()
	fmt.Printf("apply from empty, median of %d runs, each side on fresh databases, runs interleaved, the side that goes first alternating (load %s)\n\n", *runs, loadavg())
	fmt.Printf("%5s %-5s %-9s %10s %10s %6s | %10s %10s %6s | %9s %9s | %8s %9s %9s\n", "files", "shape", "dialect",
		"raw floor", "plugmig", "ratio", "1-tx floor", "single-tx", "ratio", "file 10", "last file", "status", "peak heap", "peak RSS")
	for _, size := range strings.Split(*sizes, ",") {
		var plugins, migrations int
		if _, err := fmt.Sscanf(strings.TrimSpace(size), "%dx%d", &plugins, &migrations); err != nil {
			return fmt.Errorf("-sizes %q: use PLUGINSxMIGRATIONS, e.g. 50x20", size)
		}
		for _, shape := range strings.Split(*shapes, ",") {
			shape = strings.TrimSpace(shape)
			if shape != "ddl" && shape != "data" {
				return fmt.Errorf("-shapes %q: use ddl, data or both", *shapes)
			}
			h := benchHistory{plugins: plugins, migrations: migrations, data: shape == "data", runs: *runs, servers: srv(), cpuProfile: *cpuProfile, single: *single}
			if err := h.run(ctx); err != nil {
				return fmt.Errorf("%s %s: %w", size, shape, err)
			}
		}
	}
	fmt.Printf("\n(load at the end: %s)\n", loadavg())
	fmt.Println(`raw floor: each file's statements in one transaction plus one INSERT into a version table (MySQL/MariaDB: each
statement as its client runs it, autocommitted, then the version INSERT); 1-tx floor: every file's statements and
version INSERTs in one transaction (none on MySQL/MariaDB). plugmig: apply.Migrator.Apply with the guard on (lock,
checks, ownership guard, Atlas executor, history), single-tx: the same with apply.WithSingleTransaction (on PostgreSQL
with --guard=observe, the only way plugin files run in one transaction there). Times are medians; a ratio is the
median of the runs' ratios (each run's plugmig time over the floor run beside it). file 10 / last file: plugmig's
time per file around the 10th file and over the last ten (median of the runs): the cost of a file must not grow
with the history. status: Migrator.Status on the migrated database. peak heap / RSS: one more apply, after
runtime/debug.FreeOSMemory and a reset of the process's peak RSS (/proc/self/clear_refs), so RSS is this whole
process's peak during that apply. Histories: core's first migration and plugin p00's migrations, the first 20 generated
by the tool (diff), later ones written by hand (a table and its index); shape data appends to each p00 file a table
filled with 50 rows, a backfill UPDATE, an INSERT ... SELECT copy and an index on the filled table. The other plugins
are cloned from p00 under their own prefix (same statements), every folder rehashed.`)
	return nil
}

// benchHistory is one synthetic history measured on every dialect.
type benchHistory struct {
	plugins, migrations int
	data                bool
	runs                int
	servers             servers
	cpuProfile          string
	single              bool
}

func (h benchHistory) shape() string {
	if h.data {
		return "data"
	}
	return "ddl"
}

func (h benchHistory) run(ctx context.Context) error {
	root, err := os.MkdirTemp("", "plugmig-bench-apply-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	var devs []*devdb.DB
	for _, d := range h.servers.dialects() {
		dev, err := devdb.Open(ctx, d, h.servers[d])
		if err != nil {
			return err
		}
		defer dev.Close()
		devs = append(devs, dev)
	}
	s := newSynth(root)
	if err := s.templated(ctx, devs, h.plugins, h.migrations, h.data); err != nil {
		return err
	}
	p, err := s.project()
	if err != nil {
		return err
	}
	sources := apply.Sources{plugin.Core: os.DirFS(filepath.Join(root, "migrations"))}
	for name := range s.plugins {
		sources[name] = os.DirFS(filepath.Join(root, "plugins", name, "migrations"))
	}
	branches, _ := p.Composer.Branches()
	for _, dev := range devs {
		if err := h.measure(ctx, dev.Dialect, root, p, sources, branches); err != nil {
			return fmt.Errorf("%s: %w", dev.Dialect, err)
		}
	}
	return nil
}

// sample is one dialect's measurements of a history.
type sample struct {
	raw, ours, raw1, ours1, status, early, late []time.Duration
}

func (h benchHistory) measure(ctx context.Context, d, root string, p *plan.Project, sources apply.Sources, branches []string) error {
	files := 1 + h.plugins*h.migrations
	canSingle := d != "mysql" && h.single
	var m sample
	ourApply := func(single bool) (time.Duration, *sql.DB, func(), error) {
		db, target, drop, err := freshDB(ctx, d, h.servers, root)
		if err != nil {
			return 0, nil, nil, err
		}
		clock := &fileClock{}
		opts := []apply.Option{apply.WithProgress(clock)}
		if d == "sqlite" {
			opts = append(opts, apply.WithSQLiteFile(strings.TrimPrefix(target, "sqlite://")))
		} else {
			opts = append(opts, apply.WithScratchURL(target))
		}
		if single {
			opts = append(opts, apply.WithSingleTransaction())
		}
		if single && d == "postgres" {
			// One transaction cannot hold plugin files to their roles on
			// PostgreSQL: apply refuses them under the enforcing guard.
			opts = append(opts, apply.WithGuard(apply.GuardObserve))
		}
		mig, err := apply.New(db, d, p.Composer, sources, opts...)
		if err != nil {
			return 0, db, drop, err
		}
		clock.start()
		t0 := time.Now()
		if _, err := mig.Apply(ctx); err != nil {
			return 0, db, drop, err
		}
		took := time.Since(t0)
		if !single {
			if early, late, ok := clock.perFile(); ok {
				m.early, m.late = append(m.early, early), append(m.late, late)
			}
			for range 10 {
				t0 := time.Now()
				if _, err := mig.Status(ctx); err != nil {
					return 0, db, drop, err
				}
				m.status = append(m.status, time.Since(t0))
			}
		}
		return took, db, drop, nil
	}
	rawApply := func(single bool) (time.Duration, error) {
		db, _, drop, err := freshDB(ctx, d, h.servers, root)
		if err != nil {
			return 0, err
		}
		defer drop()
		defer db.Close()
		if single {
			return applyRawOneTx(ctx, db, d, sources, branches)
		}
		return applyRaw(ctx, db, d, sources, branches)
	}
	ours := func(single bool) (time.Duration, error) {
		o, db, drop, err := ourApply(single)
		if db != nil {
			db.Close()
			drop()
		}
		return o, err
	}
	modes := []bool{false}
	if canSingle {
		modes = append(modes, true)
	}
	for i := range h.runs {
		for _, single := range modes {
			// Alternate which side goes first, so neither always meets
			// a warmer (or busier) disk and server.
			var t, o time.Duration
			var err error
			for _, ourTurn := range []bool{i%2 == 1, i%2 == 0} {
				if ourTurn {
					o, err = ours(single)
				} else {
					t, err = rawApply(single)
				}
				if err != nil {
					return err
				}
			}
			if single {
				m.raw1, m.ours1 = append(m.raw1, t), append(m.ours1, o)
			} else {
				m.raw, m.ours = append(m.raw, t), append(m.ours, o)
			}
		}
	}
	heap, rss, err := peakMemory(func() error {
		_, err := ours(false)
		return err
	})
	if err != nil {
		return err
	}
	if h.cpuProfile != "" {
		if err := h.profile(d, files, modes, ours); err != nil {
			return err
		}
	}
	single := fmt.Sprintf("%10s %10s %6s", "-", "-", "-")
	if canSingle {
		single = fmt.Sprintf("%10s %10s %5.2fx", median(m.raw1).Round(time.Millisecond), median(m.ours1).Round(time.Millisecond), pairedRatio(m.ours1, m.raw1))
	}
	fmt.Printf("%5d %-5s %-9s %10s %10s %5.2fx | %s | %9s %9s | %8s %7.1f MB %6.1f MB\n", files, h.shape(), d,
		median(m.raw).Round(time.Millisecond), median(m.ours).Round(time.Millisecond), pairedRatio(m.ours, m.raw), single,
		medianOrDash(m.early, 10*time.Microsecond), medianOrDash(m.late, 10*time.Microsecond),
		median(m.status).Round(100*time.Microsecond), float64(heap)/(1<<20), float64(rss)/(1<<20))
	return nil
}

// profile writes a CPU profile of -runs more applies per mode.
func (h benchHistory) profile(d string, files int, modes []bool, ours func(bool) (time.Duration, error)) error {
	for _, single := range modes {
		name := fmt.Sprintf("%s-%d-%s-%s", h.cpuProfile, files, h.shape(), d)
		if single {
			name += "-single"
		}
		f, err := os.Create(name)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		for range h.runs {
			if _, err := ours(single); err != nil {
				pprof.StopCPUProfile()
				f.Close()
				return err
			}
		}
		pprof.StopCPUProfile()
		f.Close()
	}
	return nil
}

// fileClock is apply's progress writer: it notes when each line (one per
// file applied) arrives.
type fileClock struct {
	mu    sync.Mutex
	t0    time.Time
	marks []time.Time
}

func (c *fileClock) start() { c.t0 = time.Now() }

func (c *fileClock) Write(b []byte) (int, error) {
	now := time.Now()
	c.mu.Lock()
	for range bytes.Count(b, []byte("\n")) {
		c.marks = append(c.marks, now)
	}
	c.mu.Unlock()
	return len(b), nil
}

// perFile returns the mean time per file over files 6-15 and over the last
// ten; ok is false for a history of fewer than 25 files.
func (c *fileClock) perFile() (early, late time.Duration, ok bool) {
	n := len(c.marks)
	if n < 25 {
		return 0, 0, false
	}
	return c.marks[14].Sub(c.marks[4]) / 10, c.marks[n-1].Sub(c.marks[n-11]) / 10, true
}

// peakMemory runs fn and returns the peak heap in use (sampled) and the
// process's peak RSS during it.
func peakMemory(fn func() error) (heap, rss uint64, err error) {
	runtime.GC()
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM; ignored where unsupported
	stop := sampleHeap(&heap)
	err = fn()
	stop()
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb uint64
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			rss = kb << 10
		}
	}
	return heap, rss, err
}

// applyRaw is the floor: every file's statements in one transaction plus
// one insert into a version table.
func applyRaw(ctx context.Context, db *sql.DB, dialect string, sources apply.Sources, branches []string) (time.Duration, error) {
	mark := "?"
	if dialect == "postgres" {
		mark = "$1"
	}
	start := time.Now()
	if _, err := db.ExecContext(ctx, "CREATE TABLE raw_versions (version varchar(255) NOT NULL)"); err != nil {
		return 0, err
	}
	for _, b := range branches {
		dir, err := sources.Dir(b, dialect)
		if err != nil {
			return 0, err
		}
		files, err := dir.Files()
		if err != nil {
			return 0, err
		}
		for _, f := range files {
			stmts, err := migdir.StmtTexts(dialect, f)
			if err != nil {
				return 0, err
			}
			if err := rawFile(ctx, db, dialect, stmts, "INSERT INTO raw_versions (version) VALUES ("+mark+")", b+"/"+f.Version()); err != nil {
				return 0, fmt.Errorf("%s: %w", f.Name(), err)
			}
		}
	}
	return time.Since(start), nil
}

// rawFile runs one file's statements and its version insert: in one
// transaction, or on MySQL/MariaDB (whose DDL commits by itself) one
// after another on one session, as its client would.
func rawFile(ctx context.Context, db *sql.DB, dialect string, stmts []string, insert, version string) error {
	type execer interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	}
	var (
		ex     execer
		commit = func() error { return nil }
	)
	if dialect == "mysql" {
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		ex = conn
	} else {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		ex, commit = tx, tx.Commit
	}
	for _, st := range stmts {
		if _, err := ex.ExecContext(ctx, st); err != nil {
			return err
		}
	}
	if _, err := ex.ExecContext(ctx, insert, version); err != nil {
		return err
	}
	return commit()
}

// applyRawOneTx is the floor of a single-transaction apply: every file's
// statements and version inserts in one transaction.
func applyRawOneTx(ctx context.Context, db *sql.DB, dialect string, sources apply.Sources, branches []string) (time.Duration, error) {
	mark := "?"
	if dialect == "postgres" {
		mark = "$1"
	}
	start := time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "CREATE TABLE raw_versions (version varchar(255) NOT NULL)"); err != nil {
		return 0, err
	}
	for _, b := range branches {
		dir, err := sources.Dir(b, dialect)
		if err != nil {
			return 0, err
		}
		files, err := dir.Files()
		if err != nil {
			return 0, err
		}
		for _, f := range files {
			stmts, err := migdir.StmtTexts(dialect, f)
			if err != nil {
				return 0, err
			}
			for _, st := range stmts {
				if _, err := tx.ExecContext(ctx, st); err != nil {
					return 0, fmt.Errorf("%s: %w", f.Name(), err)
				}
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO raw_versions (version) VALUES ("+mark+")", b+"/"+f.Version()); err != nil {
				return 0, err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// sampleHeap records the peak heap in use until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	var done atomic.Bool
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		for !done.Load() {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > *peak {
				*peak = ms.HeapInuse
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	return func() { done.Store(true); <-finished }
}

// pairedRatio is the median of the runs' ratios, each run's plugmig time
// over the floor measured beside it: the disk's and server's speed drift
// during a benchmark (a fsync takes twice as long a minute later), and a
// ratio of the two medians would mix runs far apart.
func pairedRatio(ours, floor []time.Duration) float64 {
	rs := make([]float64, len(ours))
	for i := range ours {
		rs[i] = float64(ours[i]) / float64(floor[i])
	}
	slices.Sort(rs)
	if len(rs)%2 == 1 {
		return rs[len(rs)/2]
	}
	return (rs[len(rs)/2-1] + rs[len(rs)/2]) / 2
}

// medianOrDash is the median, rounded, or "-" for a history too short to
// have it (file 10 of an 11-file history).
func medianOrDash(ds []time.Duration, round time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	return median(ds).Round(round).String()
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
