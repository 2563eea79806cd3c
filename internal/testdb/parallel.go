package testdb

import (
	"flag"
	"runtime"
	"strconv"
)

// RaiseParallel lets up to 2×GOMAXPROCS (at least 4) parallel tests of a
// package run at once, unless -test.parallel was given. Call it from
// TestMain before m.Run. Most of these tests wait on the database servers
// rather than on the CPU, so Go's default (GOMAXPROCS, 2 on a 2-core
// machine) leaves the machine idle; more would risk the servers' connection
// limits, shared with other runs.
func RaiseParallel() {
	if !flag.Parsed() {
		flag.Parse()
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if set || flag.Lookup("test.parallel") == nil {
		return
	}
	flag.Set("test.parallel", strconv.Itoa(max(4, 2*runtime.GOMAXPROCS(0))))
}
