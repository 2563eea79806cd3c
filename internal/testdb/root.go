package testdb

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// CopyRoot returns a temporary module root holding a copy of go.mod and
// every migrations/ folder of the module the test runs in, for tests that
// write migrations.
func CopyRoot(t testing.TB) string {
	t.Helper()
	dst := t.TempDir()
	if err := CopyMigrations(Root(t), dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// CopyMigrations copies go.mod and every migrations/ folder (core's and
// each plugin's, without Go files) of the module at root into dst.
func CopyMigrations(root, dst string) error {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dst, "go.mod"), b, 0o644); err != nil {
		return err
	}
	folders, _ := filepath.Glob(filepath.Join(root, "plugins", "*", "migrations"))
	folders = append(folders, filepath.Join(root, "migrations"))
	for _, src := range folders {
		rel, err := filepath.Rel(root, src)
		if err != nil {
			return err
		}
		err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			out := filepath.Join(dst, rel, path[len(src):])
			if d.IsDir() {
				return os.MkdirAll(out, 0o755)
			}
			if filepath.Ext(path) == ".go" {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(out, data, 0o644)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
