package apply

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/internal/sqlq"
	"github.com/plugmig/plugmig/engine/lint"
	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plugin"
)

// BranchPlan is what a run would do to one branch.
type BranchPlan struct {
	Branch string
	// Folder is the branch's folder for the dialect, relative to the module
	// root (for messages).
	Folder string
	Dir    migrate.Dir
	// Files are all the folder's migrations; Revisions the branch's history.
	Files     []migrate.File
	Revisions []*migrate.Revision
	// Pending are the files still to run (the first may be resumed).
	Pending []migrate.File

	// session is the plugin branch's own session while its files run: as
	// its role (PostgreSQL) or account (MySQL); conn is session's one
	// connection, held for a PostgreSQL file outside a transaction.
	session *sql.DB
	conn    *sql.Conn
	// account is the MySQL plugin branch's account, while session is open.
	account account
	// snapshot is SQLite's catalog as the branch's last watched file left
	// it (lint.Guard.UseSnapshot).
	snapshot *lint.Snapshot

	// down marks a down's plan (see Migrator.Down); reverts are the
	// versions whose revisions go with its last statement.
	down    bool
	reverts []string

	// scratch follows the branch's files on a scratch database (scratchDB)
	// once one of them needed checking before it ran (preflight); behind
	// are the files applied since, which it has not yet followed.
	scratch   *lint.Scratch
	scratchDB *devdb.DB
	behind    []migrate.File
}

// closeScratch drops the branch's scratch database, if it has one.
func (b *BranchPlan) closeScratch() {
	if b.scratchDB != nil {
		b.scratchDB.Close()
	}
	b.scratch, b.scratchDB, b.behind = nil, nil, nil
}

// New reports whether the branch has no history in the database yet.
func (b *BranchPlan) New() bool { return len(b.Revisions) == 0 }

// Applied returns the newest applied (or baselined) revision, or nil.
func (b *BranchPlan) Applied() *migrate.Revision {
	for i := len(b.Revisions) - 1; i >= 0; i-- {
		if r := b.Revisions[i]; r.Applied == r.Total && r.Error == "" {
			return r
		}
	}
	return nil
}

// Head returns the folder's newest file, or nil.
func (b *BranchPlan) Head() migrate.File {
	if len(b.Files) == 0 {
		return nil
	}
	return b.Files[len(b.Files)-1]
}

// Plan checks the enabled branches' folders against the database's history
// and returns what a run would apply. Any refusal wraps ErrIntegrity; Plan
// changes nothing.
func (m *Migrator) Plan(ctx context.Context) ([]*BranchPlan, error) {
	branches, err := m.order()
	if err != nil {
		return nil, err
	}
	all, err := m.store.all(ctx)
	if err != nil {
		return nil, err
	}
	if _, atlas, err := m.atlasRevisions(ctx); err != nil {
		return nil, err
	} else if m.fromAtlas = fromAtlas(atlas, byBranch(all)[plugin.Core]); len(m.fromAtlas) > 0 {
		all = append(all, m.fromAtlas...) // core's history: Apply records them
	}
	revs := byBranch(all)
	var (
		plans    []*BranchPlan
		problems []string
		existing map[string]bool
	)
	for _, b := range branches {
		if err := unfinishedDown(all, b); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		bp, err := m.planBranch(b, revs[b])
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if bp.New() {
			if existing == nil {
				if existing, err = m.tables(ctx); err != nil {
					return nil, err
				}
			}
			if t := m.adopted(b, existing); t != "" {
				problems = append(problems, fmt.Sprintf("branch %q has no history in this database but its table %q exists: adopt the tables with go run ./cmd adopt (it records the version they match; or name it yourself with go run ./cmd adopt --branch %s --version <version>, which checks the tables match it)", b, t, b))
				continue
			}
		}
		plans = append(plans, bp)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w; nothing was applied:\n  %s", ErrIntegrity, strings.Join(problems, "\n  "))
	}
	return plans, nil
}

func (m *Migrator) planBranch(branch string, revs []*migrate.Revision) (*BranchPlan, error) {
	folder, _ := migdir.Path(m.composer.Plugins(), branch, m.dialect)
	dir, err := m.sources.Dir(branch, m.dialect)
	if err != nil {
		return nil, err
	}
	// One read of the folder for the check, the files and their sums.
	files, sums, err := migdir.Read(dir, folder)
	if err != nil {
		if p := editedApplied(dir, folder, branch, revs); p != nil {
			return nil, p // not "run hash": that would only hide the edit until apply refuses it
		}
		next := "go run ./cmd hash"
		if errors.Is(err, migdir.ErrName) {
			next = "" // files to rename by hand, as the message says
		}
		return nil, &BranchProblem{err: fmt.Errorf("branch %q: %w", branch, err), Next: next}
	}
	bp := &BranchPlan{Branch: branch, Folder: folder, Dir: dir, Files: files, Revisions: revs}
	byVersion := map[string]migrate.File{}
	for _, f := range files {
		byVersion[f.Version()] = f
	}
	var (
		problems []string
		next     string // the command out of the first problem
	)
	problem := func(cmd, msg string) {
		if len(problems) == 0 {
			next = cmd
		}
		problems = append(problems, msg)
	}
	baseline, last := "", ""
	edited := editedFiles(files, sums, revs)
	for _, r := range revs {
		f, ok := byVersion[r.Version]
		if !ok && failedAttempt(r) {
			continue // a failed attempt of a file since removed: nothing of it was applied
		}
		last = r.Version
		restore := "git checkout -- " + path.Join(folder, r.Version+"_"+r.Description+".sql")
		switch {
		case r.Type == migrate.RevisionTypeBaseline:
			baseline = r.Version
			if !ok {
				problem(restore, fmt.Sprintf("baseline version %s is not in %s: restore the file", r.Version, folder))
			}
		case !ok:
			problem(restore, fmt.Sprintf("applied file %s_%s.sql is missing from %s: restore it (migrations are never deleted once applied)", r.Version, r.Description, folder))
		case edited[r.Version]:
			problem(restoreEdited(folder, f.Name()), fmt.Sprintf("%s/%s was edited after it was applied: restore it and rehash (%s) and put the change in a new migration (go run ./cmd diff)", folder, f.Name(), restoreEdited(folder, f.Name())))
		}
	}
	applied := func(v string) *migrate.Revision {
		i := slices.IndexFunc(revs, func(r *migrate.Revision) bool { return r.Version == v })
		if i < 0 {
			return nil
		}
		return revs[i]
	}
	for _, f := range files {
		v := f.Version()
		r := applied(v)
		switch {
		case r != nil && r.Type == migrate.RevisionTypeBaseline:
		case r != nil && r.Applied == r.Total && r.Error == "":
		case r != nil:
			bp.Pending = append(bp.Pending, f) // partially applied, or failed: resume
		case baseline != "" && v <= baseline:
		case last != "" && v < last:
			renamed := path.Join(folder, newerVersion(last)+"_"+f.Desc()+".sql")
			problem("mv "+path.Join(folder, f.Name())+" "+renamed+" && go run ./cmd hash",
				fmt.Sprintf("%s/%s sorts before version %s, the newest already applied: it was merged out of order; give it a newer version (go run ./cmd diff writes one) and rehash", folder, f.Name(), last))
		default:
			bp.Pending = append(bp.Pending, f)
		}
	}
	if len(problems) > 0 {
		return nil, &BranchProblem{err: fmt.Errorf("branch %q: %s", branch, strings.Join(problems, "; ")), Next: next}
	}
	return bp, nil
}

// editedFiles returns the versions of the applied files whose content
// differs from what was applied. A revision records the file's own hash
// ([migdir.FileHash]); revisions written before that record Atlas's
// cumulative atlas.sum hash, which also covers every earlier file: such a
// revision is unchanged if it matches the folder's cumulative hash, or the
// cumulative hash of the applied files alone (files added or deleted since
// do not count). The first legacy revision that matches neither was edited;
// the legacy revisions after it, or after a deleted applied file, cannot be
// checked on their own, so they are not named (they are checked again once
// the file is restored).
// restoreEdited is the one command out of an applied file edited by hand,
// whether or not atlas.sum was rehashed since: the file comes back as it
// was applied and atlas.sum is computed for the folder as it then is.
func restoreEdited(folder, name string) string {
	return "git checkout -- " + path.Join(folder, name) + " && go run ./cmd hash"
}

// editedApplied names the applied files of a folder whose atlas.sum does
// not match that were edited since they were applied, or returns nil.
func editedApplied(dir migrate.Dir, folder, branch string, revs []*migrate.Revision) *BranchProblem {
	files, err := dir.Files()
	if err != nil {
		return nil
	}
	edited := editedFiles(files, nil, revs)
	for _, f := range files {
		if edited[f.Version()] {
			next := restoreEdited(folder, f.Name())
			return &BranchProblem{err: fmt.Errorf("branch %q: %s/%s was edited after it was applied (and atlas.sum no longer matches the folder): restore it and rehash: %s", branch, folder, f.Name(), next), Next: next}
		}
	}
	return nil
}

func editedFiles(files []migrate.File, sums migrate.HashFile, revs []*migrate.Revision) map[string]bool {
	byVersion := make(map[string]migrate.File, len(files))
	for _, f := range files {
		byVersion[f.Version()] = f
	}
	var appliedFiles []migrate.File
	for _, r := range revs {
		if f, ok := byVersion[r.Version]; ok && r.Type != migrate.RevisionTypeBaseline {
			appliedFiles = append(appliedFiles, f)
		}
	}
	var chain migrate.HashFile
	edited := map[string]bool{}
	legacyMismatch := false
	for _, r := range revs {
		f, ok := byVersion[r.Version]
		if !ok && r.Type != migrate.RevisionTypeBaseline {
			// A deleted applied file (named as missing): the cumulative
			// hashes after it covered its content, which is gone.
			legacyMismatch = true
			continue
		}
		if !ok || r.Type == migrate.RevisionTypeBaseline || r.Applied != r.Total || r.Hash == "" {
			continue
		}
		if strings.HasPrefix(r.Hash, migdir.HashPrefix) {
			edited[r.Version] = migdir.FileHash(f) != r.Hash
			continue
		}
		if legacyMismatch {
			continue
		}
		if sum, _ := sums.SumByName(f.Name()); sum == r.Hash {
			continue
		}
		if chain == nil {
			chain, _ = migrate.NewHashFile(appliedFiles)
		}
		if sum, _ := chain.SumByName(f.Name()); sum == r.Hash {
			continue
		}
		edited[r.Version], legacyMismatch = true, true
	}
	return edited
}

// tables returns the names of the tables of the database's current
// schema (as Atlas inspects them: no partitions, no views), read from the
// catalog in one query.
func (m *Migrator) tables(ctx context.Context) (map[string]bool, error) {
	query := map[string]string{
		"sqlite":   `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`,
		"postgres": `SELECT relname FROM pg_catalog.pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition`,
		"mysql":    `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'`,
	}[m.dialect]
	list, err := sqlq.Strings(ctx, m.db, query)
	if err != nil {
		return nil, fmt.Errorf("list the database's tables: %w", err)
	}
	names := make(map[string]bool, len(list))
	for _, t := range list {
		names[t] = true
	}
	return names, nil
}

// adopted returns a table of the branch that already exists, or "".
func (m *Migrator) adopted(branch string, existing map[string]bool) string {
	for _, t := range m.composer.Tables(branch) {
		if existing[t] {
			return t
		}
	}
	return ""
}
