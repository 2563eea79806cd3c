package entplug_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/entplug"
)

// lastTarget is the client folder of the last build, where owners.go lands.
var lastTarget string

func build(t *testing.T, plugins string) (*entplug.Composition, error) {
	t.Helper()
	lastTarget = t.TempDir()
	composed := filepath.Join("testdata", plugins, "composed")
	t.Cleanup(func() { os.RemoveAll(composed) })
	c, _, err := entplug.Build(entplug.Config{
		CoreSchema: "testdata/core",
		PluginsDir: filepath.Join("testdata", plugins),
		Composed:   composed,
		Target:     lastTarget,
		Package:    "example.com/app/ent",
	})
	return c, err
}

func TestBuildAddsBackReference(t *testing.T) {
	c, err := build(t, "good")
	require.NoError(t, err)
	require.Equal(t, "rate", c.TypeOwner["Rating"])
	require.Equal(t, []entplug.BackRef{{Name: "ratings", Type: "Rating", Owner: "rate", From: "Rating.entry"}}, c.BackRefs["Entry"])
	src := string(c.WrapperSource())
	require.Contains(t, src, `edge.To("ratings", Rating.Type),`, "the core type gets the back-reference, not the core schema file")
}

func TestBuildRefuses(t *testing.T) {
	for _, tc := range []struct {
		dir    string
		is     error
		wantIn []string
	}{
		{
			dir: "intocore",
			is:  entplug.ErrNotOwned,
			wantIn: []string{
				`plugin "evil": edge Evil.entries`,
				`would add the column "evil_entries" to core table "core__entries"`,
				`edge.To("entry", Entry.Type).Unique() for many Evil per Entry`,
			},
		},
		{
			dir:    "unprefixed",
			is:     entplug.ErrPrefix,
			wantIn: []string{`plugin "loose": type Loose has table "loose_rows"`, `add entsql.Annotation{Table: "loose__loose_rows"}`},
		},
		{
			dir:    "collide",
			wantIn: []string{`plugin "dup": type Entry`, `has the same name as type Entry of core`, `for example to DupEntry`},
		},
		{
			// issue 22, item 1: ent derives a package, files and Go names
			// from a type's name; these two would overwrite core's.
			dir: "clash",
			is:  entplug.ErrNameClash,
			wantIn: []string{
				`type ENtry of plugin "oauth" (testdata/clash/oauth/schema) and type Entry of core (testdata/core) both generate the package ent/entry/ and the files ent/entry.go`,
				`rename the type in testdata/clash/oauth/schema (its Go name only; its table keeps entsql.Annotation's name), for example to OauthENtry`,
				`type EntryQuery of plugin "oauth" (testdata/clash/oauth/schema) and type Entry of core (testdata/core) both generate the Go name EntryQuery`,
			},
		},
		{
			dir:    "badkey",
			wantIn: []string{`Pair: plugin.PrimaryKey{Columns: ["handle" "salt"]} must name two or more distinct columns of table "bk__pairs" (handle, server), the id's column "server" among them`},
		},
		{
			dir:    "badindex",
			is:     entplug.ErrPrefix,
			wantIn: []string{`plugin "idx": index "value_idx" on Idx(value) must be named idx__...`, `LegacyNames: []string{"value_idx"}`},
		},
		{
			// issue 20, item 1: a name has one owner.
			dir:    "twoclaims",
			is:     entplug.ErrClaim,
			wantIn: []string{`plugins "first" and "second" both claim the legacy name "shared_rows"`},
		},
		{
			dir:    "claimcore",
			is:     entplug.ErrClaim,
			wantIn: []string{`core: type Entry has table "core__entries", a name plugin "grab" claims`},
		},
		{
			dir:    "notliteral",
			wantIn: []string{`plugin odd: testdata/notliteral/odd/plugin.go:9:45: LegacyNames must be written as []string{"name", ...} with string literals`},
		},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			_, err := build(t, tc.dir)
			require.Error(t, err)
			if tc.is != nil {
				require.ErrorIs(t, err, tc.is)
			}
			for _, w := range tc.wantIn {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestBuildRefusesEntNames: a type named like something ent's own
// generated code already has is refused before anything is written, naming
// the type, its file, what it collides with and the fix. Without the check
// each of these generates: Tx, Values and Migrate then fail go build,
// Policy and Edges vanish from the client and the schema without a word,
// Entc overwrites the generator.
func TestBuildRefusesEntNames(t *testing.T) {
	for _, tc := range []struct {
		dir    string
		wantIn []string
	}{
		{
			dir: "nametx",
			wantIn: []string{
				`type Tx of plugin "pay" (testdata/nametx/pay/schema/schema.go:12) would have ent write ent/tx.go, where ent writes its own ent/tx.go;`,
				`it generates the Go name Tx, which ent's own code already declares (ent/tx.go; ent/client.go, a method or field of Client, which gets a field per type)`,
				`rename the type in testdata/nametx/pay/schema (its Go name only; its table keeps entsql.Annotation's name), for example to PayTx`,
			},
		},
		{
			dir: "namepolicy",
			wantIn: []string{
				`type Policy of plugin "acl" (testdata/namepolicy/acl/schema/schema.go:12) is named like the method Policy() every ent schema has: its wrapper in the composed package embeds it as a field Policy, which hides that method, so ent would skip the type without a word (no client, no table);`,
				`it is refused by ent: schema name conflicts with ent predeclared identifier "Policy"`,
				`for example to AclPolicy`,
			},
		},
		{
			dir:    "nameedges",
			wantIn: []string{`type Edges of plugin "graph" (testdata/nameedges/graph/schema/schema.go:12) is named like the method Edges() every ent schema has`, `for example to GraphEdges`},
		},
		{
			dir:    "namevalues",
			wantIn: []string{`type Values of plugin "stat" (testdata/namevalues/stat/schema/schema.go:12) gets the package ent/values/, a name ent's generated code already uses (an import, a variable where it uses the package, or a name of package ent), so the client does not build`},
		},
		{
			dir:    "namemigrate",
			wantIn: []string{`type Migrate of plugin "mig" (testdata/namemigrate/mig/schema/schema.go:12) would have ent write ent/migrate/, where ent writes its own ent/migrate/migrate.go`},
		},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			_, err := build(t, tc.dir)
			require.ErrorIs(t, err, entplug.ErrNameClash)
			for _, w := range tc.wantIn {
				require.Contains(t, err.Error(), w)
			}
			requireNothingWritten(t, filepath.Join("testdata", tc.dir, "composed"), lastTarget)
		})
	}
}

// TestBuildRefusesOverwritingOwnCode: a type whose generated files would
// land on a file of the client folder ent does not generate (here its
// generator, entc.go) is refused.
func TestBuildRefusesOverwritingOwnCode(t *testing.T) {
	target := t.TempDir()
	entc := filepath.Join(target, "entc.go")
	require.NoError(t, os.WriteFile(entc, []byte("//go:build ignore\n\npackage main\n"), 0o644))
	composed := filepath.Join("testdata", "nameentc", "composed")
	_, _, err := entplug.Build(entplug.Config{
		CoreSchema: "testdata/core",
		PluginsDir: filepath.Join("testdata", "nameentc"),
		Composed:   composed,
		Target:     target,
		Package:    "example.com/app/ent",
	})
	require.ErrorIs(t, err, entplug.ErrNameClash)
	require.ErrorContains(t, err, `type Entc of plugin "tool" (testdata/nameentc/tool/schema/schema.go:12) would have ent write its code over `+entc+`, which ent does not generate: rename the type in testdata/nameentc/tool/schema`)
	require.NoFileExists(t, composed)
	b, err := os.ReadFile(entc)
	require.NoError(t, err)
	require.Equal(t, "//go:build ignore\n\npackage main\n", string(b))
}

// requireNothingWritten: a refused build wrote neither the composed
// package nor anything in the client folder.
func requireNothingWritten(t *testing.T, composed, target string) {
	t.Helper()
	require.NoDirExists(t, composed)
	entries, err := os.ReadDir(target)
	require.NoError(t, err)
	require.Empty(t, entries)
}

// TestBuildLegacyNames: a plugin's table and index keep names without its
// prefix that it claims in its registration (issue 20, item 1).
func TestBuildLegacyNames(t *testing.T) {
	c, err := build(t, "legacy")
	require.NoError(t, err)
	require.Equal(t, []string{"old_rows", "ix_old_rows_value"}, c.Sources[1].LegacyNames)
	owners, err := os.ReadFile(filepath.Join(lastTarget, "migrate", "owners.go"))
	require.NoError(t, err)
	require.Regexp(t, `"old_rows":\s+"old",`, string(owners))
}

func TestBuildManyToManyJoinTableIsPrefixed(t *testing.T) {
	c, err := build(t, "m2m")
	require.NoError(t, err)
	require.Equal(t, "tagger__entry_tagger_labels", c.BackRefs["Entry"][0].JoinTable)
	owners, err := os.ReadFile(filepath.Join(lastTarget, "migrate", "owners.go"))
	require.NoError(t, err)
	require.Regexp(t, `"tagger__entry_tagger_labels":\s+"tagger",`, string(owners), "the join table belongs to the plugin")
	require.Regexp(t, `"core__entries":\s+"core",`, string(owners))
}

// TestBuildCompositeKey: a plugin.PrimaryKey annotation becomes the
// table's key in the generated Tables, set by owners.go.
func TestBuildCompositeKey(t *testing.T) {
	_, err := build(t, "compositekey")
	require.NoError(t, err)
	owners, err := os.ReadFile(filepath.Join(lastTarget, "migrate", "owners.go"))
	require.NoError(t, err)
	require.Regexp(t, `"ck__pairs":\s+\{"server", "handle"\},`, string(owners))
	require.Contains(t, string(owners), "t.PrimaryKey = append(t.PrimaryKey, c)")
}

// TestGenerateIsAllOrNothing: a generation that fails (an unprefixed
// plugin table) leaves the composed package and the client folder exactly
// as they were (issue 11, item 13).
func TestGenerateIsAllOrNothing(t *testing.T) {
	target := t.TempDir()
	composed := filepath.Join("testdata", "unprefixed", "composed")
	t.Cleanup(func() { os.RemoveAll(composed) })
	before := map[string]string{
		filepath.Join(composed, "composed.go"):     "package composed\n\n// the previous, good generation\n",
		filepath.Join(target, "client.go"):         "package ent\n\n// previous client\n",
		filepath.Join(target, "migrate/owners.go"): "package migrate\n\n// previous owners\n",
	}
	for p, body := range before {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	err := entplug.Generate(entplug.Config{
		CoreSchema: "testdata/core",
		PluginsDir: filepath.Join("testdata", "unprefixed"),
		Composed:   composed,
		Target:     target,
		Package:    "example.com/app/ent",
	})
	require.ErrorIs(t, err, entplug.ErrPrefix)
	require.ErrorContains(t, err, "nothing was generated: the previous generated code is unchanged")
	after := map[string]string{}
	for _, root := range []string{composed, target} {
		require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			after[p] = string(b)
			return err
		}))
	}
	require.Equal(t, before, after)
}
