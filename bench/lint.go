package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/lint"
)

// benchLint measures lint of a 10-file change with --base on histories of
// 100 and 1000 files (its cost must not grow with the untouched history),
// and the whole-tree lint at 1000 files, on SQLite.
func benchLint(args []string) error {
	fs := newFlags("lint")
	runs := fs.Int("runs", 5, "repetitions (the median is reported)")
	fs.Parse(args)
	ctx := context.Background()
	dev, err := devdb.Open(ctx, "sqlite", "")
	if err != nil {
		return err
	}
	defer dev.Close()
	devs := []*devdb.DB{dev}
	fmt.Printf("lint on SQLite: a 10-file change in one plugin with --base, on histories of N files (plugins × 10 migrations); median of %d runs\n", *runs)
	fmt.Printf("%-8s %14s %14s\n", "history", "--base change", "whole tree")
	var base time.Duration
	for _, plugins := range []int{10, 100} {
		root, err := os.MkdirTemp("", "plugmig-bench-lint-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(root)
		s := newSynth(root)
		if err := s.history(ctx, devs, plugins-1, 10); err != nil {
			return err
		}
		if err := s.addWithHistory(ctx, devs, "target", []string{"sqlite"}, 1); err != nil {
			return err
		}
		if err := git(root, "init", "-q"); err != nil {
			return err
		}
		if err := git(root, "add", "-A"); err != nil {
			return err
		}
		if err := git(root, "-c", "user.email=bench@example.com", "-c", "user.name=bench", "commit", "-qm", "base"); err != nil {
			return err
		}
		for i := 0; i < 10; i++ {
			s.grow("target")
			if err := s.diff(ctx, devs, "target", fmt.Sprintf("change%02d", i)); err != nil {
				return err
			}
		}
		p, err := s.project()
		if err != nil {
			return err
		}
		files := plugins*10 + 10
		run := func(baseRef string) (time.Duration, error) {
			var ts []time.Duration
			for i := 0; i < *runs; i++ {
				l := &lint.Linter{Project: p, Devs: map[string]*devdb.DB{"sqlite": dev}, Dialects: []string{"sqlite"}, Base: baseRef}
				t0 := time.Now()
				findings, err := l.Run(ctx)
				if err != nil {
					return 0, err
				}
				ts = append(ts, time.Since(t0))
				if lint.HasErrors(findings) {
					return 0, fmt.Errorf("unexpected findings: %+v", findings)
				}
			}
			return median(ts), nil
		}
		withBase, err := run("HEAD")
		if err != nil {
			return err
		}
		whole := time.Duration(0)
		if plugins == 100 {
			if whole, err = run(""); err != nil {
				return err
			}
		}
		if base == 0 {
			base = withBase
		}
		w := "-"
		if whole > 0 {
			w = whole.Round(time.Millisecond).String()
		}
		fmt.Printf("%-8d %10s %.2fx %14s\n", files, withBase.Round(time.Millisecond), float64(withBase)/float64(base), w)
	}
	return nil
}

func git(root string, args ...string) error {
	out, err := exec.Command("git", append([]string{"-C", root}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("git %v: %v: %s", args, err, out)
	}
	return nil
}
