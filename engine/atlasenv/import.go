package atlasenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/lint"
	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plan"
	"github.com/plugmig/plugmig/engine/plugin"
)

// Import moves the files `atlas migrate diff --env <branch>` wrote into the
// plugin's composed directories to the plugin's own folders, one version
// for all dialects, after checking each touches only the plugin's tables.
// It rehashes the plugin's folders and rewrites the composed directories.
// It returns the files written, relative to the root.
func Import(ctx context.Context, p *plan.Project, devs map[string]*devdb.DB, branch string, dialects []string) ([]string, error) {
	if err := Stale(ctx, p, []string{branch}, dialects); err != nil {
		return nil, fmt.Errorf("branch %q: %w", branch, err)
	}
	if branch == plugin.Core {
		return importCore(ctx, p, devs, dialects)
	}
	found := map[string]migrate.File{}
	version := ""
	for _, d := range dialects {
		f, err := newFile(p, branch, d)
		if err != nil {
			return nil, err
		}
		if f == nil {
			continue
		}
		found[d] = f
		version = max(version, f.Version())
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("branch %q: no new file in %s/%s/<dialect>/migrations: run atlas migrate diff --env %s --var dialect=<dialect> <name> first", branch, Dir, branch, branch)
	}
	var missing []string
	for _, d := range dialects {
		if found[d] == nil {
			missing = append(missing, d)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("branch %q: atlas wrote a new file for some dialects but not for %v: run atlas migrate diff --env %s --var dialect=<dialect> for those too (every version exists in every dialect folder), then import again", branch, missing, branch)
	}
	for _, d := range dialects {
		if err := check(ctx, p, devs[d], branch, found[d]); err != nil {
			return nil, fmt.Errorf("%s: %w", found[d].Name(), err)
		}
	}
	next, err := p.NextVersion(branch, dialects, timeOf(version))
	if err != nil {
		return nil, err
	}
	version = max(version, next)
	var written []string
	for _, d := range dialects {
		f := found[d]
		rel, _ := migdir.Path(p.Composer.Plugins(), branch, d)
		dir, err := migdir.Open(p.Root, p.Composer.Plugins(), branch, d)
		if err != nil {
			return written, err
		}
		name := version + "_" + f.Desc() + ".sql"
		if err := dir.WriteFile(name, f.Bytes()); err != nil {
			return written, err
		}
		if err := migdir.Rehash(dir); err != nil {
			return written, err
		}
		written = append(written, filepath.ToSlash(filepath.Join(rel, name)))
		crel, _ := ComposedPath(p.Composer.Plugins(), branch, d)
		if err := os.Remove(filepath.Join(p.Root, crel, f.Name())); err != nil {
			return written, err
		}
		if err := syncBranch(ctx, p, branch, d); err != nil {
			return written, err
		}
	}
	return written, nil
}

// newFile returns the one file of a plugin's composed directory that is
// neither the base file nor one of the plugin's, or nil.
func newFile(p *plan.Project, branch, dialect string) (migrate.File, error) {
	crel, _ := ComposedPath(p.Composer.Plugins(), branch, dialect)
	if _, err := os.Stat(filepath.Join(p.Root, crel)); err != nil {
		return nil, fmt.Errorf("branch %q: %s: %w: run go run ./cmd atlas sync first", branch, crel, err)
	}
	composed, err := migrate.NewLocalDir(filepath.Join(p.Root, crel))
	if err != nil {
		return nil, err
	}
	own, err := migdir.Open(p.Root, p.Composer.Plugins(), branch, dialect)
	if err != nil {
		return nil, err
	}
	ownFiles, err := own.Files()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range ownFiles {
		names = append(names, f.Name())
	}
	files, err := composed.Files()
	if err != nil {
		return nil, err
	}
	var fresh []migrate.File
	for _, f := range files {
		if f.Name() != BaseFile && !slices.Contains(names, f.Name()) {
			fresh = append(fresh, f)
		}
	}
	switch len(fresh) {
	case 0:
		return nil, nil
	case 1:
		return fresh[0], nil
	}
	return nil, fmt.Errorf("branch %q: %s holds %d new files; import expects one per dialect: remove the extra ones (or import after each atlas migrate diff)", branch, crel, len(fresh))
}

// check lints a file atlas wrote on top of the branch's history, as apply's
// guard does: it must change, and write, only what the branch owns.
func check(ctx context.Context, p *plan.Project, dev *devdb.DB, branch string, f migrate.File) error {
	b, err := p.Composer.Branch(branch)
	if err != nil {
		return err
	}
	var histories []lint.History
	for _, owner := range b.Owners {
		dir, err := migdir.Open(p.Root, p.Composer.Plugins(), owner, dev.Dialect)
		if err != nil {
			return err
		}
		files, err := dir.Files()
		if err != nil {
			return err
		}
		histories = append(histories, lint.History{Owner: owner, Files: files})
	}
	crel, _ := ComposedPath(p.Composer.Plugins(), branch, dev.Dialect)
	findings, err := lint.NewGuard(p.Composer, dev.Dialect, branch).Preflight(ctx, dev, histories, filepath.ToSlash(crel), []migrate.File{f})
	if err != nil {
		return err
	}
	if len(findings) > 0 {
		return &lint.GuardError{Findings: findings}
	}
	return nil
}

// importCore normalizes what `atlas migrate diff --env core` wrote straight
// into migrations/<dialect>/: one run per dialect writes one file per
// dialect, each with the version of its own second. The new files (those
// after the newest version every dialect folder has) get the newest of
// their versions, so the change has one version across dialects, and each
// folder is rehashed. Each file is first checked on the dev database, on
// top of core's history, to change only core's objects.
func importCore(ctx context.Context, p *plan.Project, devs map[string]*devdb.DB, dialects []string) ([]string, error) {
	dirs := map[string]*migrate.LocalDir{}
	files := map[string][]migrate.File{}
	for _, d := range dialects {
		dir, err := migdir.Open(p.Root, p.Composer.Plugins(), plugin.Core, d)
		if err != nil {
			return nil, err
		}
		fs, err := dir.Files()
		if err != nil {
			return nil, err
		}
		dirs[d], files[d] = dir, fs
	}
	synced := map[string]map[string]bool{}
	for _, d := range dialects {
		names, err := readSynced(p.Root, d)
		if err != nil {
			return nil, err
		}
		synced[d] = names
	}
	found := map[string]migrate.File{}
	version, desc := "", ""
	var missing []string
	for _, d := range dialects {
		// Every file atlas sync did not see is new, whatever its version:
		// one that shares a version with another dialect's is checked too.
		var fresh []migrate.File
		for _, f := range files[d] {
			if !synced[d][f.Name()] {
				fresh = append(fresh, f)
			}
		}
		rel, _ := migdir.Path(p.Composer.Plugins(), plugin.Core, d)
		switch len(fresh) {
		case 0:
			missing = append(missing, d)
			continue
		case 1:
		default:
			return nil, fmt.Errorf("branch \"core\": %s holds %d files atlas sync did not see; import expects one per dialect: import after each round of atlas migrate diff --env core (one per dialect)", filepath.ToSlash(rel), len(fresh))
		}
		f := fresh[0]
		if desc != "" && f.Desc() != desc {
			return nil, fmt.Errorf("branch \"core\": the new files are named differently (%q, %q): give every dialect's atlas migrate diff the same name", desc, f.Desc())
		}
		found[d], desc = f, f.Desc()
		if version == "" || migdir.VersionLess(version, f.Version()) {
			version = f.Version()
		}
	}
	switch {
	case len(found) == 0:
		return nil, errors.New("branch \"core\": no new file in migrations/<dialect> since atlas sync: run atlas migrate diff <name> --env core --var dialect=<dialect> first")
	case len(missing) > 0:
		return nil, fmt.Errorf("branch \"core\": atlas wrote a new file for some dialects but not for %v: run atlas migrate diff --env core --var dialect=<dialect> for those too (every version exists in every dialect folder), then import again", missing)
	}
	for _, d := range dialects {
		if err := checkCore(ctx, p, devs[d], found[d]); err != nil {
			return nil, fmt.Errorf("%s: %w", found[d].Name(), err)
		}
	}
	var written []string
	for _, d := range dialects {
		f, dir := found[d], dirs[d]
		rel, _ := migdir.Path(p.Composer.Plugins(), plugin.Core, d)
		name := version + "_" + desc + ".sql"
		if name != f.Name() {
			if err := dir.WriteFile(name, f.Bytes()); err != nil {
				return written, err
			}
			if err := os.Remove(filepath.Join(dir.Path(), f.Name())); err != nil {
				return written, err
			}
		}
		if err := migdir.Rehash(dir); err != nil {
			return written, err
		}
		written = append(written, filepath.ToSlash(filepath.Join(rel, name)))
	}
	// Every plugin is spliced on core's history: their envs must see the
	// new file, or atlas would write core's change into a plugin's.
	if err := Sync(ctx, p, dialects); err != nil {
		return written, fmt.Errorf("imported, but atlas sync failed: %w: run go run ./cmd atlas sync", err)
	}
	return written, nil
}

// checkCore runs a new core file on core's history (without it) on the dev
// database, as apply's guard does for a plugin: it must change, and write,
// only core's objects.
func checkCore(ctx context.Context, p *plan.Project, dev *devdb.DB, f migrate.File) error {
	if dev == nil {
		return errors.New("no dev database for its dialect: pass --dev-url or set DEV_URL_POSTGRES / DEV_URL_MYSQL")
	}
	dir, err := migdir.Open(p.Root, p.Composer.Plugins(), plugin.Core, dev.Dialect)
	if err != nil {
		return err
	}
	files, err := dir.Files()
	if err != nil {
		return err
	}
	files = slices.DeleteFunc(slices.Clone(files), func(x migrate.File) bool { return x.Version() == f.Version() })
	rel, _ := migdir.Path(p.Composer.Plugins(), plugin.Core, dev.Dialect)
	findings, err := lint.NewGuard(p.Composer, dev.Dialect, plugin.Core).Preflight(ctx, dev, []lint.History{{Owner: plugin.Core, Files: files}}, filepath.ToSlash(rel), []migrate.File{f})
	if err != nil {
		return err
	}
	if len(findings) > 0 {
		return &lint.GuardError{Findings: findings}
	}
	return nil
}
