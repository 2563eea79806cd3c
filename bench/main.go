// Command bench is the benchmark harness: it builds synthetic histories and
// measures the engine's commands side by side in one run, printing ratios.
// It is not a test; run it with
//
//	go run ./bench diff          # diff cost vs number of other plugins (SQLite)
//	go run ./bench lint          # lint --base cost vs history size; whole-tree lint (SQLite)
//	go run ./bench apply         # apply vs the raw floor, plain-DDL and data-carrying histories, per-file cost, status latency, peak heap (SQLite, PostgreSQL, MariaDB)
//	go run ./bench startup       # whole-process status, heads, --help of the built binary vs a Go hello-world; init time
//	go run ./bench fleet         # apply --targets on 1,000 SQLite, 50 PostgreSQL and 20 MariaDB databases, --parallel 1, 2, 4, 8
//
// Every figure is the median of -runs repetitions.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./bench <diff|apply|lint|fleet|startup> [flags]")
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "diff":
		err = benchDiff(args)
	case "apply":
		err = benchApply(args)
	case "lint":
		err = benchLint(args)
	case "fleet":
		err = benchFleet(args)
	case "startup":
		err = benchStartup(args)
	default:
		fmt.Fprintf(os.Stderr, "unknown benchmark %q: use diff, apply, lint, fleet or startup\n", cmd)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func newFlags(name string) *flag.FlagSet {
	return flag.NewFlagSet(name, flag.ExitOnError)
}
