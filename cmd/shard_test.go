package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/internal/testdb"
)

// TestFleetShards splits a fleet of SQLite files across three "jobs"
// (apply --targets --shard K/3 --json, as an indexed Job or a CI matrix
// runs them), each given the list in another order, and merges their
// reports: every target applied exactly once, the merged report exits 0;
// status by shard then says up to date. A missing shard, a shard given
// twice and --shard without --targets are refused, naming what to do.
func TestFleetShards(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var lines []string
	for i := range 9 {
		lines = append(lines, fmt.Sprintf("site%d=sqlite://%s/site%d.db", i, dir, i))
	}
	root := testdb.Root(t)
	shardRun := func(verb string, k int) (string, int, fleetJSON) {
		t.Helper()
		// Each job reads the list in its own order: the split must not care.
		order := append(lines[k:], lines[:k]...)
		list := filepath.Join(dir, fmt.Sprintf("targets-%s-%d", verb, k))
		require.NoError(t, os.WriteFile(list, []byte(strings.Join(order, "\n")+"\n"), 0o644))
		var stdout, stderr bytes.Buffer
		code := run([]string{verb, "--root", root, "--targets", list, "--shard", fmt.Sprintf("%d/3", k), "--json"}, &stdout, &stderr)
		var out fleetJSON
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &out), "%s\n%s", &stdout, &stderr)
		require.Contains(t, stderr.String(), fmt.Sprintf("shard %d/3: %d of the 9 target(s) listed", k, len(out.Targets)))
		report := filepath.Join(dir, fmt.Sprintf("%s-%d.json", verb, k))
		require.NoError(t, os.WriteFile(report, stdout.Bytes(), 0o644))
		return report, code, out
	}
	var reports []string
	applied := map[string]int{}
	for k := 1; k <= 3; k++ {
		report, code, out := shardRun("apply", k)
		require.Equal(t, 0, code)
		require.Equal(t, fmt.Sprintf("%d/3", k), out.Shard)
		require.Equal(t, 9, out.Listed)
		for _, x := range out.Targets {
			require.Equal(t, "applied", x.Result, x.Name)
			applied[x.Name]++
		}
		reports = append(reports, report)
	}
	require.Len(t, applied, 9, "the three shards cover every target")
	for name, n := range applied {
		require.Equal(t, 1, n, "%s applied by one shard only", name)
	}

	var stdout, stderr bytes.Buffer
	code := run(append([]string{"merge", "--json"}, reports...), &stdout, &stderr)
	require.Equal(t, 0, code, "%s", &stderr)
	var merged fleetJSON
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &merged))
	require.Len(t, merged.Targets, 9)
	require.Equal(t, 9, merged.Summary["applied"])
	require.Equal(t, 9, merged.Listed)

	stdout.Reset()
	stderr.Reset()
	code = run([]string{"merge", reports[0], reports[2]}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "shard(s) 2/3 missing")

	stdout.Reset()
	stderr.Reset()
	code = run([]string{"merge", reports[0], reports[1], reports[0]}, &stdout, &stderr)
	require.Equal(t, 2, code)
	require.Contains(t, stderr.String(), "shard 1/3 is in two reports")

	var statuses []string
	for k := 1; k <= 3; k++ {
		report, code, out := shardRun("status", k)
		require.Equal(t, 0, code)
		for _, x := range out.Targets {
			require.Equal(t, "up to date", x.Result, x.Name)
		}
		statuses = append(statuses, report)
	}
	stdout.Reset()
	stderr.Reset()
	code = run(append([]string{"merge"}, statuses...), &stdout, &stderr)
	require.Equal(t, 0, code, "%s", &stderr)
	require.Contains(t, stdout.String(), "9 target(s) from 3 report(s): 9 up to date")

	stdout.Reset()
	stderr.Reset()
	code = run([]string{"status", "--root", root, "--shard", "1/3"}, &stdout, &stderr)
	require.Equal(t, 2, code)
	require.Contains(t, stderr.String(), "--shard work with --targets")
}
