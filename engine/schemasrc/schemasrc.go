// Package schemasrc hashes the ent schema sources code generation reads
// (the core schema package and every plugin's schema package), so that a
// run can tell generated code that is older than its schemas: generation
// records the hash in the generated code, a run compares it with the files.
// It imports nothing but the standard library: runtime code may use it.
package schemasrc

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrStale is wrapped by Check's error when the schemas changed after the
// code was generated.
var ErrStale = errors.New("the generated ent code is older than the ent schemas")

// Hash returns the hash of the schema sources: every non-test .go file
// under coreDir (sub-packages included, such as shared column types) and
// under each <pluginsDir>/<name>/schema. It hashes paths relative to those
// folders and contents, so it is the same from any working directory.
func Hash(coreDir, pluginsDir string) (string, error) {
	h := sha256.New()
	add := func(label, dir string) error {
		var files []string
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return err
		}
		sort.Strings(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, f)
			fmt.Fprintf(h, "%s/%s %d\n", label, filepath.ToSlash(rel), len(b))
			h.Write(b)
		}
		return nil
	}
	if err := add("core", coreDir); err != nil {
		return "", fmt.Errorf("hash schema sources: %w", err)
	}
	dirs, err := filepath.Glob(filepath.Join(pluginsDir, "*", "schema"))
	if err != nil {
		return "", err
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		if err := add("plugins/"+filepath.Base(filepath.Dir(d)), d); err != nil {
			return "", fmt.Errorf("hash schema sources: %w", err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Check compares the hash recorded at generation with the schema sources
// under coreDir and pluginsDir. Without coreDir (a binary run away from its
// sources) there is nothing to compare, and it returns nil.
func Check(recorded, coreDir, pluginsDir string) error {
	if _, err := os.Stat(coreDir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	got, err := Hash(coreDir, pluginsDir)
	if err != nil {
		return err
	}
	if got != recorded {
		return fmt.Errorf("%w (%s, %s/*/schema): run go generate ./... first (if it fails, fix the schema it names): diff, lint and apply --from-root would otherwise work from the old schemas", ErrStale, coreDir, pluginsDir)
	}
	return nil
}
