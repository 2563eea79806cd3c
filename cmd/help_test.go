package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

var update = flag.Bool("update", false, "rewrite the golden help files in testdata/help")

// TestHelp compares every command's --help with testdata/help/<command>.txt
// (go test ./cmd -run TestHelp -update rewrites them).
func TestHelp(t *testing.T) {
	var cli CLI
	parser, err := kong.New(&cli, kong.Name("plugmig"), kongVars())
	if err != nil {
		t.Fatal(err)
	}
	paths := [][]string{nil}
	var walk func(n *kong.Node, prefix []string)
	walk = func(n *kong.Node, prefix []string) {
		for _, c := range n.Children {
			if c.Hidden {
				continue
			}
			p := append(append([]string{}, prefix...), c.Name)
			paths = append(paths, p)
			walk(c, p)
		}
	}
	walk(parser.Model.Node, nil)
	for _, p := range paths {
		name := strings.Join(p, "_")
		if name == "" {
			name = "plugmig"
		}
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(append(p, "--help"), &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			golden := filepath.Join("testdata", "help", name+".txt")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v: run go test ./cmd -run TestHelp -update", err)
			}
			if out.String() != string(want) {
				t.Errorf("--help of %q changed; if intended, run go test ./cmd -run TestHelp -update\n--- got\n%s\n--- want\n%s", name, out.String(), want)
			}
		})
	}
}
