package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/dbdriver"
)

// benchFleet times the built CLI's apply --targets on a fleet of fresh
// databases (this application's migrations: core and its three plugins,
// four files) from empty, then again when up to date, for several
// --parallel values; and, in the same run, the single-database floors: the
// same files run raw on one database (connect, a transaction per file plus
// one version insert, close), and for an up-to-date database connecting
// and reading its version table.
func benchFleet(args []string) error {
	fs := newFlags("fleet")
	nSQLite := fs.Int("sqlite", 1000, "SQLite databases in the fleet (0 to skip)")
	nPostgres := fs.Int("postgres", 50, "PostgreSQL databases in the fleet (0 to skip)")
	nMySQL := fs.Int("mysql", 20, "MySQL/MariaDB databases in the fleet (0 to skip)")
	parallelList := fs.String("parallel", "1,2,4,8", "--parallel values")
	runs := fs.Int("runs", 5, "repetitions of each floor (the median is reported)")
	srv := serverFlags(fs, "-url")
	fs.Parse(args)
	servers := srv()
	var parallel []int
	for _, p := range strings.Split(*parallelList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return fmt.Errorf("-parallel %q: a list of positive numbers", *parallelList)
		}
		parallel = append(parallel, n)
	}
	ctx := context.Background()
	work, err := os.MkdirTemp("", "plugmig-bench-fleet-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "plugmig")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd").CombinedOutput(); err != nil {
		return fmt.Errorf("build the CLI (run from the module root): %w\n%s", err, out)
	}
	sources := app.Sources()
	comp, err := app.Composer()
	if err != nil {
		return err
	}
	branches, err := comp.Branches()
	if err != nil {
		return err
	}
	fmt.Printf("apply --targets with a built binary: this application's %d branches (%d files) on every database; floors are the median of %d runs\n\n", len(branches), len(branches), *runs)
	fmt.Printf("%-9s %5s %8s | %10s %8s %9s %7s %8s | %10s %8s %9s %7s %8s  %s\n", "dialect", "dbs", "parallel",
		"from empty", "db/s", "per db", "/floor", "CPU/db", "up to date", "db/s", "per db", "/floor", "CPU/db", "load")
	for _, fleet := range []struct {
		dialect string
		n       int
	}{{"sqlite", *nSQLite}, {"postgres", *nPostgres}, {"mysql", *nMySQL}} {
		if fleet.n == 0 || (fleet.dialect != "sqlite" && servers[fleet.dialect] == "") {
			continue
		}
		d := fleet.dialect
		// Floors on one database, measured now, beside the fleet runs.
		var emptyFloor, upFloor []time.Duration
		for range *runs {
			db, url, drop, err := freshDB(ctx, d, servers, work)
			if err != nil {
				return err
			}
			db.Close()
			t0 := time.Now()
			_, db, err = dbdriver.Open(ctx, url)
			if err == nil {
				_, err = applyRaw(ctx, db, d, sources, branches)
				db.Close()
			}
			emptyFloor = append(emptyFloor, time.Since(t0))
			if err == nil {
				t0 = time.Now()
				err = connectAndRead(ctx, url)
				upFloor = append(upFloor, time.Since(t0))
			}
			drop()
			if err != nil {
				return err
			}
		}
		ef, uf := median(emptyFloor), median(upFloor)
		for _, p := range parallel {
			empty, up, err := timeFleet(ctx, bin, work, d, fleet.n, p, servers[d])
			if err != nil {
				return err
			}
			n := float64(fleet.n)
			perEmpty := empty.wall * time.Duration(p) / time.Duration(fleet.n)
			perUp := up.wall * time.Duration(p) / time.Duration(fleet.n)
			cpuEmpty, cpuUp := empty.cpu/time.Duration(fleet.n), up.cpu/time.Duration(fleet.n)
			fmt.Printf("%-9s %5d %8d | %10s %8.1f %9s %6.2fx %8s | %10s %8.1f %9s %6.2fx %8s  %s\n", d, fleet.n, p,
				empty.wall.Round(time.Millisecond), n/empty.wall.Seconds(), perEmpty.Round(100*time.Microsecond), float64(perEmpty)/float64(ef), cpuEmpty.Round(10*time.Microsecond),
				up.wall.Round(time.Millisecond), n/up.wall.Seconds(), perUp.Round(100*time.Microsecond), float64(perUp)/float64(uf), cpuUp.Round(10*time.Microsecond), loadavg())
		}
		fmt.Printf("%-9s floor per database: from empty %s (connect, %d files raw, close); up to date %s (connect, read the version table, close)\n\n",
			d, ef.Round(100*time.Microsecond), len(branches), uf.Round(100*time.Microsecond))
	}
	fmt.Println("from empty / up to date: wall time of the whole process, plugmig apply --targets FILE --parallel N; db/s = databases / wall;")
	fmt.Println("per db = wall × parallel / databases (the time one database holds a worker); /floor = per db against the single-database floor;")
	fmt.Println("CPU/db = the process's user + system CPU / databases: unlike per db it does not grow when the machine's cores are taken by")
	fmt.Println("others (per db then grows with --parallel by construction), so it shows whether --parallel adds work.")
	return nil
}

// connectAndRead is the floor of an up-to-date database: connect, read the
// version table, close.
func connectAndRead(ctx context.Context, url string) error {
	_, db, err := dbdriver.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	var n int
	return db.QueryRowContext(ctx, "SELECT count(*) FROM raw_versions").Scan(&n)
}

// fleetTime is one fleet run's wall time and its process's CPU time.
type fleetTime struct{ wall, cpu time.Duration }

// timeFleet creates n fresh databases, applies to them all with the CLI,
// then again, and drops them. It returns both wall times.
func timeFleet(ctx context.Context, bin, work, dialect string, n, parallel int, server string) (empty, up fleetTime, err error) {
	var (
		lines []string
		drops []func()
		admin *sql.DB
	)
	if dialect != "sqlite" {
		if _, admin, err = dbdriver.Open(ctx, server); err != nil {
			return empty, up, err
		}
	}
	defer func() {
		// Before the admin connection closes (a deferred Close registered
		// after this would run first and every drop would fail).
		for _, d := range drops {
			d()
		}
		if admin != nil {
			admin.Close()
		}
	}()
	for i := range n {
		name := fmt.Sprintf("plugmig_fleet_%d_%d_%d", os.Getpid(), parallel, i)
		if dialect == "sqlite" {
			path := filepath.Join(work, name+".db")
			lines = append(lines, fmt.Sprintf("db%d=sqlite://%s", i, path))
			drops = append(drops, func() { os.Remove(path); os.Remove(path + ".lock") })
			continue
		}
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			return empty, up, err
		}
		drops = append(drops, func() { dropOn(ctx, dialect, admin, name) }) // with its plugins' identities
		url, err := withDatabase(server, name)
		if err != nil {
			return empty, up, err
		}
		lines = append(lines, fmt.Sprintf("db%d=%s", i, url))
	}
	targets := filepath.Join(work, "targets.txt")
	if err := os.WriteFile(targets, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		return empty, up, err
	}
	for i, want := range []string{"applied", "up_to_date"} {
		t0 := time.Now()
		cmd := exec.CommandContext(ctx, bin, "apply", "--targets", targets, "--parallel", strconv.Itoa(parallel), "--json")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		runErr := cmd.Run()
		d := time.Since(t0)
		var out struct {
			Summary map[string]int `json:"summary"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || runErr != nil || out.Summary[want] != n {
			return empty, up, fmt.Errorf("%s fleet of %d, --parallel %d: want %d %s, got %v (%v)\n%s", dialect, n, parallel, n, want, out.Summary, runErr, lastLines(stderr.String(), 5))
		}
		if i == 0 {
			empty = fleetTime{wall: d, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
		} else {
			up = fleetTime{wall: d, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
		}
	}
	return empty, up, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
