package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// benchStartup times whole processes of the built CLI on an up-to-date
// SQLite database — status, heads, --help — beside a Go hello-world built
// the same way (the floor of any Go process here), and reports the time
// spent in package initialisation before main (GODEBUG=inittrace=1).
func benchStartup(args []string) error {
	fs := newFlags("startup")
	runs := fs.Int("runs", 41, "processes per command (the median is reported)")
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
	url := "sqlite://" + filepath.Join(work, "app.db")
	if out, err := exec.Command(bin, "apply", "--root", root, "--url", url).CombinedOutput(); err != nil {
		return fmt.Errorf("apply: %w\n%s", err, out)
	}
	cases := []struct {
		name string
		argv []string
	}{
		{"hello (Go floor)", []string{hello}},
		{"plugmig --help", []string{bin, "--help"}},
		{"plugmig status", []string{bin, "status", "--root", root, "--url", url}},
		{"plugmig heads", []string{bin, "heads", "--root", root}},
		{"static status", []string{static, "status", "--root", root, "--url", url}},
		{"static heads", []string{static, "heads", "--root", root}},
	}
	fmt.Printf("whole process, built binaries, up-to-date SQLite database; median of %d runs (load: %s)\n\n", *runs, loadavg())
	fmt.Printf("%-18s %10s %10s %10s  %s\n", "command", "wall", "CPU", "init", "load")
	for _, c := range cases {
		var wall, cpu []time.Duration
		for range *runs {
			cmd := exec.Command(c.argv[0], c.argv[1:]...)
			t0 := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("%s: %w\n%s", c.name, err, out)
			}
			wall = append(wall, time.Since(t0))
			cpu = append(cpu, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
		}
		init, err := initTime(c.argv)
		if err != nil {
			return err
		}
		fmt.Printf("%-18s %10s %10s %10s  %s\n", c.name, median(wall).Round(100*time.Microsecond), median(cpu).Round(100*time.Microsecond), init.Round(100*time.Microsecond), loadavg())
	}
	fmt.Println("\nwall: fork to exit; CPU: user + system; init: package initialisation before main (median over the runs of the sum of GODEBUG=inittrace=1's clock times);")
	fmt.Println("static: the same CLI built with CGO_ENABLED=0; load: the load average after the command's runs.")
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
