package apply

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"sync"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/migdir"
)

// Sources maps each branch to the file system holding its migration
// folders, one sub-folder per dialect (sqlite/, postgres/, mysql/): the
// folders embedded in the binary, or the module's folders on disk.
type Sources map[string]fs.FS

// Dir returns a branch's folder for a dialect as a read-only Atlas
// directory.
func (s Sources) Dir(branch, dialect string) (migrate.Dir, error) {
	fsys, ok := s[branch]
	if !ok || fsys == nil {
		return nil, fmt.Errorf("branch %q has no migrations in this build: register its Migrations (//go:embed all:migrations)", branch)
	}
	if _, err := fs.Stat(fsys, dialect); err != nil {
		return nil, fmt.Errorf("branch %q has no %s migration folder (%w): generate it with go run ./cmd diff --branch %s, or keep %s out of the target dialects", branch, dialect, err, branch, dialect)
	}
	sub, err := fs.Sub(fsys, dialect)
	if err != nil {
		return nil, err
	}
	return &fsDir{FS: sub, dialect: dialect}, nil
}

// fsDir is a read-only migrate.Dir over an fs.FS. It reads its files and
// computes their checksum once: a run asks for both several times.
type fsDir struct {
	fs.FS
	dialect string
	files   []migrate.File
	sum     migrate.HashFile
}

var errReadOnly = errors.New("migration folder is read-only during apply")

// WriteFile implements migrate.Dir; apply never writes a folder.
func (*fsDir) WriteFile(string, []byte) error { return errReadOnly }

// Files returns the .sql files, sorted by name (that is, by version).
func (d *fsDir) Files() ([]migrate.File, error) {
	if d.files != nil {
		return d.files, nil
	}
	names, err := fs.Glob(d.FS, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	files := make([]migrate.File, 0, len(names))
	for _, n := range names {
		b, err := fs.ReadFile(d.FS, n)
		if err != nil {
			return nil, err
		}
		files = append(files, &parsedFile{LocalFile: migrate.NewLocalFile(n, b), dialect: d.dialect})
	}
	d.files = files
	return files, nil
}

// Checksum computes the folder's atlas.sum from its files.
func (d *fsDir) Checksum() (migrate.HashFile, error) {
	if d.sum != nil {
		return d.sum, nil
	}
	files, err := d.Files()
	if err != nil {
		return nil, err
	}
	d.sum, err = migrate.NewHashFile(files)
	return d.sum, err
}

// parsedFile is a migration file whose statements are split once, as the
// dialect's driver splits them (migdir.Stmts): a run asks for them several
// times (apply, the guard, Atlas's executor), and splitting a long file
// costs more than executing it on SQLite. Code that needs Atlas's own file
// (lint) gets it from localFile.
type parsedFile struct {
	*migrate.LocalFile
	dialect string
	once    sync.Once
	decls   []*migrate.Stmt
	err     error

	mu         sync.Mutex
	directives map[string][]string // read on first use: each read parses the file's header
}

// Directive returns the values of the file's "-- atlas:<name>" directive.
func (f *parsedFile) Directive(name string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ds, ok := f.directives[name]
	if !ok {
		ds = f.LocalFile.Directive(name)
		if f.directives == nil {
			f.directives = map[string][]string{}
		}
		f.directives[name] = ds
	}
	return ds
}

// StmtDecls returns the file's statements, split on the first call.
func (f *parsedFile) StmtDecls() ([]*migrate.Stmt, error) {
	f.once.Do(func() { f.decls, f.err = migdir.Stmts(f.dialect, f.LocalFile) })
	return f.decls, f.err
}

// Stmts returns the text of the file's statements.
func (f *parsedFile) Stmts() ([]string, error) {
	decls, err := f.StmtDecls()
	if err != nil {
		return nil, err
	}
	stmts := make([]string, len(decls))
	for i, d := range decls {
		stmts[i] = d.Text
	}
	return stmts, nil
}

// localFile returns Atlas's own file of f, for code that needs one (lint).
func localFile(f migrate.File) migrate.File {
	if p, ok := f.(*parsedFile); ok {
		return p.LocalFile
	}
	return f
}

// localFiles maps localFile over files.
func localFiles(files []migrate.File) []migrate.File {
	out := make([]migrate.File, len(files))
	for i, f := range files {
		out[i] = localFile(f)
	}
	return out
}
