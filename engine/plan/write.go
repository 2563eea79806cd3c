package plan

import (
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/internal/lazyre"
	"github.com/plugmig/plugmig/engine/migdir"
)

// versionFormat is Atlas's version format: a UTC timestamp.
const versionFormat = "20060102150405"

var nameRe = lazyre.New(`^[a-z0-9][a-z0-9_]*$`)

// CheckName refuses a migration description that would make an awkward file
// name. Descriptions are lower-case words joined by underscores.
func CheckName(name string) error {
	if !nameRe.MatchString(name) {
		return fmt.Errorf("migration name %q: use lower-case letters, digits and underscores, e.g. add_caption", name)
	}
	return nil
}

// NextVersion returns the version of a branch's next migration: now, in
// Atlas's timestamp format, unless a folder of the branch already holds that
// version or a later one; then one more than the newest.
func (p *Project) NextVersion(branch string, dialects []string, now time.Time) (string, error) {
	v := now.UTC().Format(versionFormat)
	for _, d := range dialects {
		dir, err := migdir.Open(p.Root, p.Composer.Plugins(), branch, d)
		if err != nil {
			return "", err
		}
		head, err := migdir.Last(dir)
		if err != nil {
			return "", err
		}
		if head != nil && !migdir.VersionLess(head.Version(), v) {
			n, _ := new(big.Int).SetString(head.Version(), 10)
			if n == nil {
				return "", fmt.Errorf("branch %q: head version %q of %s is not a number", branch, head.Version(), d)
			}
			v = n.Add(n, big.NewInt(1)).String()
		}
	}
	return v, nil
}

// Write writes one migration file per pending dialect of one branch, all
// with the same version and name, and rewrites each folder's atlas.sum. A
// dialect with nothing to change gets a file holding only a comment, so the
// branch's dialect folders keep the same versions. It returns the written
// files relative to Root.
func (p *Project) Write(pds []*Pending, version, name string) ([]string, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	var written []string
	for _, pd := range pds {
		dir, err := migdir.Open(p.Root, p.Composer.Plugins(), pd.Branch, pd.Dialect)
		if err != nil {
			return written, err
		}
		plan := *pd.Plan
		plan.Version, plan.Name = version, name
		file := fmt.Sprintf("%s_%s.sql", version, name)
		if pd.InSync() {
			body := fmt.Sprintf("-- %s needs no change in this version; this file keeps the branch's dialect folders in step.\n", pd.Dialect)
			if err := dir.WriteFile(file, []byte(body)); err != nil {
				return written, err
			}
			if err := migdir.Rehash(dir); err != nil {
				return written, err
			}
		} else if err := migrate.NewPlanner(nil, dir, migrate.PlanFormat(migrate.DefaultFormatter)).WritePlan(&plan); err != nil {
			return written, fmt.Errorf("write %s: %w", pd.Dir, err)
		}
		written = append(written, filepath.ToSlash(filepath.Join(pd.Dir, file)))
	}
	return written, nil
}

// Summary is a one-line account of a pending plan, for --check and dry runs.
func (pd *Pending) Summary() string {
	var parts []string
	for _, c := range pd.Changes {
		verb, table := describe(c)
		parts = append(parts, verb+" "+quote(table))
	}
	return strings.Join(parts, "; ")
}
