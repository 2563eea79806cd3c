package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/plugmig/plugmig/internal/fleet"
)

// MergeCmd merges the --json reports of a fleet's shards (apply, status or
// drift --targets --shard K/N, one job each) into one report, checking
// that every shard is there once and no target twice.
type MergeCmd struct {
	Reports []string `arg:"" name:"report" type:"existingfile" help:"The --json output of each shard's job."`
	JSON    bool     `help:"Print the merged report as JSON (the shape of one --targets --json report)."`
}

// Run merges the reports and exits as the fleet's run would have: 1 when a
// target failed, was not started, has work left or drift.
func (c *MergeCmd) Run(app *App) error {
	merged, err := mergeReports(c.Reports)
	if err != nil {
		return err
	}
	if c.JSON {
		if err := printJSON(app.Stdout, merged); err != nil {
			return err
		}
	} else {
		printFleet(app.Stdout, merged.Targets)
		fmt.Fprintf(app.Stdout, "%d target(s) from %d report(s): %s\n", len(merged.Targets), len(c.Reports), tally(merged.Summary))
	}
	return fleetVerdict(app, merged, c.JSON, "<list> --shard K/N (for each shard with work left)")
}

// mergeReports reads and merges shard reports. Sharded reports must be the
// N parts of one list, each once; reports without --shard may be merged
// too (separate lists). A target named in two reports is an error.
func mergeReports(paths []string) (fleetJSON, error) {
	merged := fleetJSON{Summary: map[string]int{}}
	shardOf := map[int]string{} // part -> report
	seen := map[string]string{} // target -> report
	var first fleetJSON         // the first report: the others are split as it is
	for i, p := range paths {
		var r fleetJSON
		b, err := os.ReadFile(p)
		if err == nil {
			err = json.Unmarshal(b, &r)
		}
		if err != nil {
			return merged, &exitError{code: 2, err: fmt.Errorf("report %s: %w: give the --json output of apply, status or drift --targets", p, err)}
		}
		if i == 0 {
			first = r
		}
		if r.Shard != "" {
			s, err := fleet.ParseShard(r.Shard)
			if err != nil {
				return merged, &exitError{code: 2, err: fmt.Errorf("report %s: %w", p, err)}
			}
			f, _ := fleet.ParseShard(first.Shard)
			if s.N != f.N || r.Listed != first.Listed {
				return merged, &exitError{code: 2, err: fmt.Errorf("report %s is %s of %d listed target(s), %s is %s of %d: merge the shards of one list, split the same way", p, describeShard(r.Shard), r.Listed, paths[0], describeShard(first.Shard), first.Listed)}
			}
			if other, ok := shardOf[s.K]; ok {
				return merged, &exitError{code: 2, err: fmt.Errorf("shard %s is in two reports, %s and %s: keep the latest run's", r.Shard, other, p)}
			}
			shardOf[s.K] = p
		} else if first.Shard != "" {
			return merged, &exitError{code: 2, err: fmt.Errorf("report %s is without --shard, %s is %s: merge the shards of one list, or reports without --shard", p, paths[0], describeShard(first.Shard))}
		}
		for _, t := range r.Targets {
			if other, ok := seen[t.Name]; ok {
				return merged, &exitError{code: 2, err: fmt.Errorf("target %s is in two reports, %s and %s: a target belongs to one shard of one list", t.Name, other, p)}
			}
			seen[t.Name] = p
			merged.Targets = append(merged.Targets, t)
			merged.Summary[strings.ReplaceAll(t.Result, " ", "_")]++
		}
	}
	merged.Summary["targets"] = len(merged.Targets)
	if first.Shard == "" {
		return merged, nil
	}
	n, _ := fleet.ParseShard(first.Shard)
	merged.Listed = first.Listed
	var missing []string
	for k := 1; k <= n.N; k++ {
		if _, ok := shardOf[k]; !ok {
			missing = append(missing, fleet.Shard{K: k, N: n.N}.String())
		}
	}
	if len(missing) > 0 {
		return merged, fmt.Errorf("shard(s) %s missing: their jobs did not finish or their reports were not collected; run them again (--targets <list> --shard K/N --json) and merge again", strings.Join(missing, ", "))
	}
	if len(merged.Targets) != first.Listed {
		return merged, fmt.Errorf("the %d shard(s) hold %d target(s) and the list %d: the jobs were given different lists; run every shard on the same list", n.N, len(merged.Targets), first.Listed)
	}
	return merged, nil
}

func describeShard(s string) string {
	if s == "" {
		return "without --shard"
	}
	return "shard " + s
}
