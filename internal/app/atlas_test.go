package app_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"ariga.io/atlas/sql/migrate"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/atlasenv"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plan"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

func project(t *testing.T, root string) *plan.Project {
	t.Helper()
	comp, err := app.Composer()
	require.NoError(t, err)
	return &plan.Project{Root: root, Composer: comp}
}

// TestAtlasHCLIsCurrent: the committed atlas.hcl has one env per branch.
func TestAtlasHCLIsCurrent(t *testing.T) {
	t.Parallel()
	p := project(t, testdb.Root(t))
	branches, err := p.Composer.Branches()
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(p.Root, atlasenv.HCLFile))
	require.NoError(t, err)
	require.Equal(t, string(atlasenv.HCL(branches)), string(got), "atlas.hcl is stale: run go run ./cmd atlas sync")
}

// TestAtlasEnvPaths: after atlas sync, every path atlas.hcl names exists
// for every dialect, and each composed migration directory is intact and
// replays to exactly its branch's desired schema.
func TestAtlasEnvPaths(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := testdb.CopyRoot(t)
	p := project(t, root)
	require.NoError(t, atlasenv.Sync(ctx, p, compose.Dialects))
	hcl, err := os.ReadFile(filepath.Join(root, atlasenv.HCLFile))
	require.NoError(t, err)
	envs := regexp.MustCompile(`(?s)env "(\w+)" \{(.*?)\n\}`).FindAllStringSubmatch(string(hcl), -1)
	branches, _ := p.Composer.Branches()
	require.Len(t, envs, len(branches))
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			dev := testdb.Dev(t, d)
			for _, env := range envs {
				branch := env[1]
				urls := regexp.MustCompile(`"file://([^"]+)"`).FindAllStringSubmatch(env[2], -1)
				require.Len(t, urls, 2, "env %s names a schema and a migration directory", branch)
				for _, u := range urls {
					_, err := os.Stat(filepath.Join(root, strings.ReplaceAll(u[1], "${var.dialect}", d)))
					require.NoError(t, err, "env %s names %s", branch, u[1])
				}
				require.True(t, strings.HasSuffix(urls[0][1], "schema.sql"))
				dirPath := filepath.Join(root, strings.ReplaceAll(urls[1][1], "${var.dialect}", d))
				requireReplays(t, p, dev, branch, dirPath)
			}
		})
	}
}

func requireReplays(t *testing.T, p *plan.Project, dev *devdb.DB, branch, path string) {
	t.Helper()
	ctx := context.Background()
	dir, err := migrate.NewLocalDir(path)
	require.NoError(t, err)
	require.NoError(t, migdir.Check(dir, path))
	require.NoError(t, dev.Reset(ctx))
	require.NoError(t, plan.Replay(ctx, dev.Driver, dir), "%s replays", path)
	b, err := p.Composer.Branch(branch)
	require.NoError(t, err)
	want, err := p.Composer.Schema(ctx, b, dev.Dialect)
	require.NoError(t, err)
	changes, err := compose.Drift(ctx, dev.Driver, want)
	require.NoError(t, err)
	require.Empty(t, changes, "%s replays to branch %q's schema", path, branch)
}

// TestAtlasImport: a file atlas migrate diff wrote into a plugin's composed
// directory moves into the plugin's folders with one version; a file that
// changes core is refused and nothing moves.
func TestAtlasImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := testdb.CopyRoot(t)
	p := project(t, root)
	require.NoError(t, atlasenv.Sync(ctx, p, compose.Dialects))
	devs := map[string]*devdb.DB{}
	for _, d := range compose.Dialects {
		devs[d] = testdb.Dev(t, d)
	}
	atlasWrites := func(version, stmt string) {
		for _, d := range compose.Dialects {
			rel, _ := atlasenv.ComposedPath(p.Composer.Plugins(), "image", d)
			dir, err := migrate.NewLocalDir(filepath.Join(root, rel))
			require.NoError(t, err)
			require.NoError(t, dir.WriteFile(version+"_add_note.sql", []byte(stmt)))
			require.NoError(t, migdir.Rehash(dir))
		}
	}

	atlasWrites("29990101000000", "ALTER TABLE core__media_entries ADD COLUMN note varchar(20) NULL;\n")
	_, err := atlasenv.Import(ctx, p, devs, "image", compose.Dialects)
	require.ErrorIs(t, err, plan.ErrNotOwned)
	require.ErrorContains(t, err, `"core__media_entries", owned by core`)
	files, _ := filepath.Glob(filepath.Join(root, "plugins/image/migrations/*/2999*"))
	require.Empty(t, files, "a refused import moves nothing")

	// Data too: a file that writes core rows is refused, even matching none.
	require.NoError(t, atlasenv.Sync(ctx, p, compose.Dialects))
	atlasWrites("29990101000000", "UPDATE core__users SET bio = NULL WHERE id = 424242;\n")
	_, err = atlasenv.Import(ctx, p, devs, "image", compose.Dialects)
	require.ErrorIs(t, err, plan.ErrNotOwned)
	require.ErrorContains(t, err, `writes rows of table "core__users", owned by core`)

	require.NoError(t, atlasenv.Sync(ctx, p, compose.Dialects))
	atlasWrites("29990101000000", "ALTER TABLE image__mediadata ADD COLUMN note varchar(20) NULL;\n")
	written, err := atlasenv.Import(ctx, p, devs, "image", compose.Dialects)
	require.NoError(t, err)
	require.Len(t, written, 3)
	for _, d := range compose.Dialects {
		require.Contains(t, written, "plugins/image/migrations/"+d+"/29990101000000_add_note.sql")
		_, err := migdir.Open(root, p.Composer.Plugins(), "image", d)
		require.NoError(t, err, "the plugin's atlas.sum is rewritten")
		rel, _ := atlasenv.ComposedPath(p.Composer.Plugins(), "image", d)
		dir, err := migrate.NewLocalDir(filepath.Join(root, rel))
		require.NoError(t, err)
		require.NoError(t, migdir.Check(dir, rel), "the composed directory is rewritten")
	}
	_, err = atlasenv.Import(ctx, p, devs, "image", compose.Dialects)
	require.ErrorContains(t, err, "no new file")
}
