// Package migdir locates and checks the migration folders of every branch:
// migrations/<dialect>/ for core, <plugin dir>/migrations/<dialect>/ for a
// plugin, each an Atlas directory (<version>_<name>.sql files and atlas.sum).
package migdir

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/plugin"
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
	dir, _, err := OpenFiles(root, reg, branch, dialect)
	return dir, err
}

// OpenFiles is [Open] that also returns the folder's files, read once for
// the check and the caller (each Files call of a LocalDir reads every file).
func OpenFiles(root string, reg *plugin.Registry, branch, dialect string) (*migrate.LocalDir, []migrate.File, error) {
	rel, err := Path(reg, branch, dialect)
	if err != nil {
		return nil, nil, err
	}
	// NewLocalDir stats the folder; its error wraps the stat's, which says
	// what is wrong with the folder (one stat per folder, not two).
	dir, err := migrate.NewLocalDir(filepath.Join(root, rel))
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, nil, fmt.Errorf("branch %q: migration folder %s: %w: create it (an empty folder is fine)", branch, rel, pe)
		}
		return nil, nil, err
	}
	files, _, err := Read(dir, rel)
	if err != nil {
		return nil, nil, fmt.Errorf("branch %q: %w", branch, err)
	}
	return dir, files, nil
}

// Check validates a folder: its file names (see [Names]), then its
// atlas.sum against its files.
func Check(dir migrate.Dir, rel string) error {
	_, _, err := Read(dir, rel)
	return err
}

// Read reads a folder's files once, checks them as [Check] does, and
// returns them with their atlas.sum hashes (those of the files, which the
// check found equal to the recorded ones).
func Read(dir migrate.Dir, rel string) ([]migrate.File, migrate.HashFile, error) {
	files, err := dir.Files()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", rel, err)
	}
	if err := names(files, rel); err != nil {
		return nil, nil, err
	}
	sum, err := checksum(dir, files)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", rel, err)
	}
	err = migrate.Validate(readDir{Dir: dir, files: files, sum: sum})
	switch {
	case err == nil:
		return files, sum, nil
	case errors.Is(err, migrate.ErrChecksumNotFound):
		return nil, nil, fmt.Errorf("%s has migration files but no atlas.sum: run go run ./cmd hash if the files are meant to be there", rel)
	case errors.Is(err, migrate.ErrChecksumMismatch):
		return nil, nil, fmt.Errorf("%s: atlas.sum does not match the files (%s): restore the edited file, or after a deliberate edit run go run ./cmd hash", rel, sumDifference(dir))
	}
	return nil, nil, fmt.Errorf("%s: %w", rel, err)
}

// checksum returns the atlas.sum hashes of a folder's files. A LocalDir's
// own Checksum would read every file again; other folders (apply's, which
// keep their files and sum in memory for the run) compute theirs, so that
// Atlas's executor, which asks for it before each file, reuses it.
func checksum(dir migrate.Dir, files []migrate.File) (migrate.HashFile, error) {
	if _, ok := dir.(*migrate.LocalDir); ok {
		return migrate.NewHashFile(files)
	}
	return dir.Checksum()
}

// readDir is a folder whose files were read already: Atlas's Validate
// reads atlas.sum through it, and takes the files' hashes from it instead
// of reading every file again.
type readDir struct {
	migrate.Dir
	files []migrate.File
	sum   migrate.HashFile
}

func (d readDir) Files() ([]migrate.File, error)      { return d.files, nil }
func (d readDir) Checksum() (migrate.HashFile, error) { return d.sum, nil }

// ErrName is wrapped by the error of a folder holding a file whose name is
// not <version>_<description>.sql, or two files of one version.
var ErrName = errors.New("invalid migration file names")

// fileName is the rule every migration file name follows: a version of
// digits (usually a UTC timestamp), an underscore, a description.
// It is ^[0-9]+_[^\s/\\]+\.sql$, checked without a regexp: every command
// checks every file name, and compiling one cost more pages than the check.
func fileName(name string) bool {
	digits := 0
	for digits < len(name) && '0' <= name[digits] && name[digits] <= '9' {
		digits++
	}
	if digits == 0 || digits == len(name) || name[digits] != '_' {
		return false
	}
	rest := name[digits+1:]
	if len(rest) < len("x.sql") || !strings.HasSuffix(rest, ".sql") {
		return false
	}
	return !strings.ContainsAny(rest, "\t\n\f\r /\\")
}

// Names checks a folder's file names: each is <version>_<description>.sql
// with a version of digits, and no two files share a version. Atlas would
// otherwise run a file named add_caption.sql as version "add" (after which
// every later file sorts before it) and run both files of one version while
// the history keeps one.
func Names(dir migrate.Dir, rel string) error {
	files, err := dir.Files()
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	return names(files, rel)
}

func names(files []migrate.File, rel string) error {
	var problems []string
	seen := map[string]string{}
	for _, f := range files {
		if !fileName(f.Name()) {
			problems = append(problems, fmt.Sprintf("%s/%s: a migration file is named <version>_<description>.sql with a version of digits (go run ./cmd diff names them): rename it, e.g. %s_%s, then run go run ./cmd hash", rel, f.Name(), time.Now().UTC().Format("20060102150405"), suggestName(f.Name())))
			continue
		}
		if other, ok := seen[f.Version()]; ok {
			problems = append(problems, fmt.Sprintf("%s: %s and %s have the same version %s: every file needs its own version; give the newer one a later version (rename it), then run go run ./cmd hash", rel, other, f.Name(), f.Version()))
			continue
		}
		seen[f.Version()] = f.Name()
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrName, strings.Join(problems, "; "))
	}
	return nil
}

// suggestName turns a bad file name into a description.
func suggestName(name string) string {
	d := strings.TrimSuffix(name, ".sql")
	d = strings.Map(func(r rune) rune {
		if r == ' ' || r == '/' || r == '\\' || r == '\t' {
			return '_'
		}
		return r
	}, d)
	d = strings.TrimLeft(d, "0123456789_")
	if d == "" {
		d = "migration"
	}
	return d + ".sql"
}

// sumDifference says how the folder's files differ from its atlas.sum: the
// files added and deleted since it was written, and the first file whose
// content changed. atlas.sum's hashes are cumulative (each covers every
// file before it), so after the first changed file nothing more can be
// said file by file.
func sumDifference(dir migrate.Dir) string {
	b, err := fs.ReadFile(dir, migrate.HashFileName)
	if err != nil {
		return err.Error()
	}
	var recorded migrate.HashFile
	if err := recorded.UnmarshalText(b); err != nil {
		return "atlas.sum is unreadable: " + err.Error()
	}
	files, err := dir.Files()
	if err != nil {
		return err.Error()
	}
	inSum := map[string]string{}
	for _, e := range recorded {
		inSum[e.N] = e.H
	}
	onDisk := map[string]bool{}
	var added, deleted []string
	var keptFiles []migrate.File
	for _, f := range files {
		onDisk[f.Name()] = true
		if _, ok := inSum[f.Name()]; !ok {
			added = append(added, f.Name())
			continue
		}
		keptFiles = append(keptFiles, f)
	}
	firstDeleted := ""
	for _, e := range recorded {
		if !onDisk[e.N] {
			deleted = append(deleted, e.N)
			if firstDeleted == "" {
				firstDeleted = e.N
			}
		}
	}
	// Rehash the files atlas.sum knows, in its order: the first whose hash
	// differs changed (as long as no file before it was deleted).
	chain, _ := migrate.NewHashFile(keptFiles)
	changed := ""
	for _, e := range chain {
		if firstDeleted != "" && e.N > firstDeleted {
			break
		}
		if inSum[e.N] != e.H {
			changed = e.N
			break
		}
	}
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "not in atlas.sum: "+strings.Join(added, ", "))
	}
	if len(deleted) > 0 {
		parts = append(parts, "deleted: "+strings.Join(deleted, ", "))
	}
	if changed != "" {
		parts = append(parts, "changed: "+changed)
	}
	if len(parts) == 0 {
		return "the sum line of atlas.sum differs"
	}
	return strings.Join(parts, "; ")
}

// Last returns the last migration file of a folder, or nil when it has none.
func Last(dir migrate.Dir) (migrate.File, error) {
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

// HashPrefix starts a hash made by [FileHash]; a hash without it is an
// Atlas atlas.sum hash, which covers the file and every file before it.
const HashPrefix = "sha256:"

// FileHash is the hash of one migration file's content alone, as the
// history records it: unlike atlas.sum's cumulative hashes it changes only
// when this file changes, so adding, deleting or editing another file never
// makes this one look edited.
func FileHash(f migrate.File) string {
	sum := sha256.Sum256(f.Bytes())
	return HashPrefix + hex.EncodeToString(sum[:])
}

// Head is the newest migration of a branch.
type Head struct {
	Branch string `json:"branch"`
	// Version and Description are those of the newest file; empty when the
	// branch has no migration yet.
	Version     string `json:"version"`
	Description string `json:"description"`
	// Files counts the branch's migrations (the same in every dialect).
	Files int `json:"files"`
}

// ErrParity is wrapped by the error of a branch whose dialect folders hold
// different versions.
var ErrParity = errors.New("dialect folders differ")

// Heads returns the head of each branch, checking every folder's atlas.sum
// and that the branch's dialect folders hold the same versions.
func Heads(root string, reg *plugin.Registry, branches, dialects []string) ([]Head, error) {
	heads := make([]Head, 0, len(branches))
	var errs []error
	for _, b := range branches {
		h, err := branchHead(root, reg, b, dialects)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		heads = append(heads, h)
	}
	return heads, errors.Join(errs...)
}

func branchHead(root string, reg *plugin.Registry, branch string, dialects []string) (Head, error) {
	h := Head{Branch: branch}
	var first []migrate.File
	for i, d := range dialects {
		_, files, err := OpenFiles(root, reg, branch, d)
		if err != nil {
			return h, err
		}
		if i == 0 {
			first = files
			continue
		}
		if err := sameVersions(first, files); err != nil {
			return h, fmt.Errorf("%w: branch %q: %s and %s: %v: every diff writes one file per dialect with one version; restore the missing file or run the diff again", ErrParity, branch, dialects[0], d, err)
		}
	}
	h.Files = len(first)
	if len(first) > 0 {
		last := first[len(first)-1]
		h.Version, h.Description = last.Version(), last.Desc()
	}
	return h, nil
}

func sameVersions(a, b []migrate.File) error {
	va, vb := versions(a), versions(b)
	for v := range va {
		if !vb[v] {
			return fmt.Errorf("version %s is only in the first", v)
		}
	}
	for v := range vb {
		if !va[v] {
			return fmt.Errorf("version %s is only in the second", v)
		}
	}
	return nil
}

func versions(files []migrate.File) map[string]bool {
	m := make(map[string]bool, len(files))
	for _, f := range files {
		m[f.Version()] = true
	}
	return m
}

// VersionLess orders migration versions numerically, as Atlas orders its
// files (its versions are digit strings, usually timestamps).
func VersionLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
