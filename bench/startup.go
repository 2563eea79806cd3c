package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// benchStartup times whole processes of the built CLI on an up-to-date
// SQLite database — status, heads, --help — beside a Go hello-world built
// the same way (the floor of any Go process here), and reports the time
// spent in package initialisation before main (GODEBUG=inittrace=1).
func benchStartup(args []string) error {
	fs := newFlags("startup")
	runs := fs.Int("runs", 41, "processes per command (the median is reported)")
	baseline := fs.String("baseline", "", "another plugmig binary (e.g. built from an earlier commit) whose status and heads are timed in the same runs")
	fs.Parse(args)
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "plugmig-bench-startup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "plugmig")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd").CombinedOutput(); err != nil {
		return fmt.Errorf("build the CLI (run from the module root): %w\n%s", err, out)
	}
	// The same CLI without cgo: a static binary skips the dynamic loader
	// and libc's start-up (nothing in plugmig needs cgo; only net and
	// os/user pick their cgo variants when a C compiler is present).
	static := filepath.Join(work, "plugmig-static")
	build := exec.Command("go", "build", "-o", static, "./cmd")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build the CLI with CGO_ENABLED=0: %w\n%s", err, out)
	}
	hello := filepath.Join(work, "hello")
	helloSrc := filepath.Join(work, "hello.go")
	if err := os.WriteFile(helloSrc, []byte("package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"hello\\n\") }\n"), 0o644); err != nil {
		return err
	}
	if out, err := exec.Command("go", "build", "-o", hello, helloSrc).CombinedOutput(); err != nil {
		return fmt.Errorf("build hello: %w\n%s", err, out)
	}
	floor, err := buildDepsFloor(root, work)
	if err != nil {
		return err
	}
	url := "sqlite://" + filepath.Join(work, "app.db")
	if out, err := exec.Command(bin, "apply", "--root", root, "--url", url).CombinedOutput(); err != nil {
		return fmt.Errorf("apply: %w\n%s", err, out)
	}
	type benchCase struct {
		name      string
		argv      []string
		wall, cpu []time.Duration
		faults    []int64
	}
	cases := []*benchCase{
		{name: "hello (Go floor)", argv: []string{hello}},
		{name: "deps floor", argv: []string{floor}},
		{name: "plugmig --help", argv: []string{bin, "--help"}},
		{name: "plugmig status", argv: []string{bin, "status", "--root", root, "--url", url}},
		{name: "plugmig heads", argv: []string{bin, "heads", "--root", root}},
		{name: "static status", argv: []string{static, "status", "--root", root, "--url", url}},
		{name: "static heads", argv: []string{static, "heads", "--root", root}},
	}
	if *baseline != "" {
		cases = append(cases,
			&benchCase{name: "baseline status", argv: []string{*baseline, "status", "--root", root, "--url", url}},
			&benchCase{name: "baseline heads", argv: []string{*baseline, "heads", "--root", root}})
	}
	fmt.Printf("whole process, built binaries, up-to-date SQLite database; median of %d runs, the commands interleaved (load: %s)\n\n", *runs, loadavg())
	// Interleaved, so that a change of the machine's load touches every
	// command alike.
	for i := range *runs {
		for j := range cases {
			c := cases[(i+j)%len(cases)]
			cmd := exec.Command(c.argv[0], c.argv[1:]...)
			t0 := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("%s: %w\n%s", c.name, err, out)
			}
			c.wall = append(c.wall, time.Since(t0))
			c.cpu = append(c.cpu, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				c.faults = append(c.faults, ru.Minflt)
			}
		}
	}
	fmt.Printf("%-18s %10s %10s %10s %8s\n", "command", "wall", "CPU", "init", "faults")
	for _, c := range cases {
		init, err := initTime(c.argv)
		if err != nil {
			return err
		}
		faults := "-"
		if len(c.faults) > 0 {
			f := slices.Clone(c.faults)
			slices.Sort(f)
			faults = fmt.Sprint(f[len(f)/2])
		}
		fmt.Printf("%-18s %10s %10s %10s %8s\n", c.name, median(c.wall).Round(100*time.Microsecond), median(c.cpu).Round(100*time.Microsecond), init.Round(100*time.Microsecond), faults)
	}
	fmt.Printf("(load at the end: %s)\n", loadavg())
	fmt.Println("\nwall: fork to exit; CPU: user + system; init: package initialisation before main (median over the runs of the sum of GODEBUG=inittrace=1's clock times);")
	fmt.Println("deps floor: a main that does nothing, importing every package plugmig's packages import (Atlas, ent, the drivers, kong, ...):")
	fmt.Println("  what linking them costs any command of a single binary, before plugmig's own code runs;")
	fmt.Println("faults: minor page faults (memory the process touched; on a busy VM each costs tens of µs); static: the same CLI built with CGO_ENABLED=0.")
	return nil
}

// initTime runs a command 11 times with GODEBUG=inittrace=1 and returns the
// median sum of its packages' init clock times.
func initTime(argv []string) (time.Duration, error) {
	var sums []time.Duration
	for range 11 {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return 0, fmt.Errorf("%s: %w", argv[0], err)
		}
		var sum float64
		sc := bufio.NewScanner(&stderr)
		for sc.Scan() {
			// init <pkg> @<t> ms, <clock> ms clock, ...
			f := strings.Fields(sc.Text())
			if len(f) >= 7 && f[0] == "init" && f[6] == "clock," {
				v, _ := strconv.ParseFloat(f[4], 64)
				sum += v
			}
		}
		sums = append(sums, time.Duration(sum*float64(time.Millisecond)))
	}
	return median(sums), nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// buildDepsFloor builds, into work, a program whose main does nothing but
// which imports every package that the CLI's own packages import: the
// third-party ones (Atlas, ent, the database drivers, kong) and the
// standard library's. Every package linked into a Go binary is
// initialised before main, so this is the floor of any command of the
// CLI; what a command takes above it is plugmig's own initialisation and
// work. The program is built in a temporary folder under the module root
// (a dot folder, which ./... ignores), to resolve the imports with go.mod.
func buildDepsFloor(root, work string) (string, error) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{join .Imports \"\\n\"}}{{end}}{{end}}", "./cmd").Output()
	if err != nil {
		return "", fmt.Errorf("go list ./cmd: %w", err)
	}
	mod, err := exec.Command("go", "list", "-m").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m: %w", err)
	}
	own := strings.TrimSpace(string(mod)) + "/"
	var imports []string
	for _, p := range strings.Fields(string(out)) {
		if !strings.HasPrefix(p, own) && p != "C" && !slices.Contains(imports, p) {
			imports = append(imports, p)
		}
	}
	slices.Sort(imports)
	dir, err := os.MkdirTemp(root, ".bench-startup-floor-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	var src strings.Builder
	src.WriteString("// Command floor imports what plugmig's packages import, and does nothing.\npackage main\n\nimport (\n")
	for _, p := range imports {
		fmt.Fprintf(&src, "\t_ %q\n", p)
	}
	src.WriteString(")\n\nfunc main() {}\n")
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src.String()), 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(work, "floor")
	if out, err := exec.Command("go", "build", "-o", bin, "./"+filepath.Base(dir)).CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the deps floor: %w\n%s", err, out)
	}
	return bin, nil
}
