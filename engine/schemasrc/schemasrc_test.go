package schemasrc_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/schemasrc"
)

func TestHashAndCheck(t *testing.T) {
	root := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(root, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	core, plugins := filepath.Join(root, "ent/schema"), filepath.Join(root, "plugins")
	write("ent/schema/user.go", "package schema\n")
	write("ent/schema/column/column.go", "package column\n")
	write("plugins/rate/schema/schema.go", "package schema\n")
	write("plugins/rate/plugin.go", "package rate\n")
	h, err := schemasrc.Hash(core, plugins)
	require.NoError(t, err)
	require.NoError(t, schemasrc.Check(h, core, plugins))

	// Same files seen from elsewhere: same hash.
	wd, _ := os.Getwd()
	require.NoError(t, os.Chdir(root))
	h2, err := schemasrc.Hash("ent/schema", "plugins")
	require.NoError(t, os.Chdir(wd))
	require.NoError(t, err)
	require.Equal(t, h, h2)

	// Not schema sources: tests, a plugin's registration.
	write("ent/schema/user_test.go", "package schema\n// x\n")
	write("plugins/rate/plugin.go", "package rate\n// changed\n")
	require.NoError(t, schemasrc.Check(h, core, plugins))

	for _, change := range []func(){
		func() { write("ent/schema/user.go", "package schema\n// a field\n") },
		func() { write("ent/schema/column/column.go", "package column\n// bigint\n") },
		func() { write("plugins/rate/schema/schema.go", "package schema\n// an edge\n") },
		func() { write("plugins/new/schema/schema.go", "package schema\n") },
	} {
		change()
		err := schemasrc.Check(h, core, plugins)
		require.ErrorIs(t, err, schemasrc.ErrStale)
		require.ErrorContains(t, err, "run go generate ./... first")
		h, err = schemasrc.Hash(core, plugins)
		require.NoError(t, err)
	}
	require.NoError(t, schemasrc.Check("anything", filepath.Join(root, "nosuch"), plugins), "without the sources there is nothing to compare")
}
