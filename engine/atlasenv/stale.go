package atlasenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plan"
	"github.com/plugmig/plugmig/engine/plugin"
)

// ErrStale is wrapped by the error of Stale: .atlas/ (or atlas.hcl) no
// longer matches the ent schemas and the migrations it was written from.
var ErrStale = errors.New("the atlas CLI's inputs are stale")

// SyncedFile is written by Sync beside core's desired schema: core's
// migration files when Sync ran, one name per line. Import takes the files
// of core's folders not in it for the ones atlas migrate diff wrote.
const SyncedFile = "synced.txt"

// Exists reports whether Sync ever ran under root (the atlas CLI path is
// in use there).
func Exists(root string) bool {
	_, err := os.Stat(filepath.Join(root, Dir))
	return err == nil
}

// Stale compares what Sync wrote for the branches with what it would write
// now — atlas.hcl's envs, each branch's desired schema, each plugin's base
// file (the histories it is spliced on) and its own files — and returns an
// error naming every difference and the command that fixes them (nil when
// none). Forgetting atlas sync after go generate or after a core change
// made the atlas CLI diff against old inputs without a word: a core diff
// found no change, a plugin diff wrote core's ALTER into the plugin.
func Stale(ctx context.Context, p *plan.Project, branches, dialects []string) error {
	all, err := p.Composer.Branches()
	if err != nil {
		return err
	}
	var problems []string
	if hcl, err := os.ReadFile(filepath.Join(p.Root, HCLFile)); err != nil || !bytes.Equal(hcl, HCL(all)) {
		problems = append(problems, HCLFile+" does not have one env per registered branch")
	}
	for _, br := range branches {
		for _, d := range dialects {
			ps, err := staleBranch(ctx, p, br, d)
			if err != nil {
				return err
			}
			problems = append(problems, ps...)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s: run go run ./cmd atlas sync (then run atlas migrate diff again: what it wrote from these inputs is wrong)", ErrStale, strings.Join(problems, "; "))
}

func staleBranch(ctx context.Context, p *plan.Project, branch, dialect string) ([]string, error) {
	want, err := render(ctx, p, branch, dialect)
	if err != nil {
		return nil, err
	}
	var problems []string
	schemaPath := SchemaPath(branch, dialect)
	if got, err := os.ReadFile(filepath.Join(p.Root, schemaPath)); err != nil || !bytes.Equal(got, want.schema) {
		problems = append(problems, fmt.Sprintf("%s is not branch %q's ent schema (go generate ran since atlas sync)", filepath.ToSlash(schemaPath), branch))
	}
	if branch == plugin.Core {
		return problems, nil
	}
	crel, _ := ComposedPath(p.Composer.Plugins(), branch, dialect)
	if got, err := os.ReadFile(filepath.Join(p.Root, crel, BaseFile)); err != nil || !bytes.Equal(got, want.base) {
		problems = append(problems, fmt.Sprintf("%s/%s is not the histories branch %q is spliced on (their migrations changed since atlas sync)", filepath.ToSlash(crel), BaseFile, branch))
	}
	own, err := migdir.Open(p.Root, p.Composer.Plugins(), branch, dialect)
	if err != nil {
		return nil, err
	}
	files, err := own.Files()
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if got, err := os.ReadFile(filepath.Join(p.Root, crel, f.Name())); err != nil || !bytes.Equal(got, f.Bytes()) {
			problems = append(problems, fmt.Sprintf("%s lacks or differs from the plugin's %s", filepath.ToSlash(crel), f.Name()))
		}
	}
	return problems, nil
}

// readSynced returns core's file names when Sync last ran for the dialect.
func readSynced(root, dialect string) (map[string]bool, error) {
	path := filepath.Join(root, Dir, plugin.Core, dialect, SyncedFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: run go run ./cmd atlas sync before atlas migrate diff --env core, then diff again", filepath.ToSlash(filepath.Join(Dir, plugin.Core, dialect, SyncedFile)), err)
	}
	names := map[string]bool{}
	for _, n := range strings.Fields(string(b)) {
		names[n] = true
	}
	return names, nil
}
