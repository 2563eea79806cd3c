// Package migdir locates and checks the migration folders of every branch:
// migrations/<dialect>/ for core, <plugin dir>/migrations/<dialect>/ for a
// plugin, each an Atlas directory (<version>_<name>.sql files and atlas.sum).
package migdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/plugin"
)

// CoreDir is the core branch's folder relative to the module root.
const CoreDir = "migrations"

// Path returns the folder of a branch's migrations for a dialect, relative
// to the module root.
func Path(reg *plugin.Registry, branch, dialect string) (string, error) {
	if branch == plugin.Core {
		return filepath.Join(CoreDir, dialect), nil
	}
	p, err := reg.Get(branch)
	if err != nil {
		return "", err
	}
	if p.Dir == "" {
		return "", fmt.Errorf("plugin %q registers no Dir: set Dir: %q in its plugin.Register call", branch, "plugins/"+branch)
	}
	return filepath.Join(p.Dir, "migrations", dialect), nil
}

// Open opens a branch's folder under root for a dialect and checks its
// atlas.sum. A missing folder is an error that says how to create it.
func Open(root string, reg *plugin.Registry, branch, dialect string) (*migrate.LocalDir, error) {
	rel, err := Path(reg, branch, dialect)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(root, rel)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("branch %q: migration folder %s: %w: create it (an empty folder is fine)", branch, rel, err)
	}
	dir, err := migrate.NewLocalDir(path)
	if err != nil {
		return nil, err
	}
	if err := Check(dir, rel); err != nil {
		return nil, fmt.Errorf("branch %q: %w", branch, err)
	}
	return dir, nil
}

// Check validates a folder's atlas.sum against its files.
func Check(dir migrate.Dir, rel string) error {
	err := migrate.Validate(dir)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, migrate.ErrChecksumNotFound):
		return fmt.Errorf("%s has migration files but no atlas.sum: run go run ./cmd hash if the files are meant to be there", rel)
	case errors.Is(err, migrate.ErrChecksumMismatch):
		detail := ""
		var ce *migrate.ChecksumError
		if errors.As(err, &ce) && ce.File != "" {
			detail = fmt.Sprintf(" (first difference: %s)", ce.File)
		}
		return fmt.Errorf("%s: atlas.sum does not match the files%s: restore the edited file, or after a deliberate edit run go run ./cmd hash", rel, detail)
	}
	return fmt.Errorf("%s: %w", rel, err)
}

// Head returns the last migration file of a folder, or nil when it has none.
func Head(dir migrate.Dir) (migrate.File, error) {
	files, err := dir.Files()
	if err != nil || len(files) == 0 {
		return nil, err
	}
	return files[len(files)-1], nil
}

// Rehash rewrites a folder's atlas.sum from its files.
func Rehash(dir migrate.Dir) error {
	sum, err := dir.Checksum()
	if err != nil {
		return err
	}
	return migrate.WriteSumFile(dir, sum)
}
