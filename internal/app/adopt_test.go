package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/drift"
	"github.com/plugmig/plugmig/internal/app"
)

// TestAdoptMediaGoblin adopts a MediaGoblin database on every dialect (the
// real one on SQLite), applies, and checks for drift: every row is kept,
// every branch gets a history, the missing plugin tables and seed rows are
// created, unowned tables and alembic_version are listed and untouched;
// drift finds nothing, then finds a hand-made change.
func TestAdoptMediaGoblin(t *testing.T) {
	t.Parallel()
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newAdoptEnv(t, mediagoblin(t, d, mgOptions{}), nil)
			before := dumpRows(t, e.db)

			_, err := e.m.Apply(ctx)
			require.ErrorIs(t, err, apply.ErrIntegrity)
			require.ErrorContains(t, err, "go run ./cmd adopt")

			dry, err := e.chk.Adopt(ctx, e.target, drift.AdoptOptions{DryRun: true})
			require.NoError(t, err)
			require.Equal(t, drift.StateWouldAdopt, branchReport(t, dry, "core").State)
			hist, err := e.m.History(ctx, "")
			require.NoError(t, err)
			require.Empty(t, hist, "--dry-run records nothing")

			rep, err := e.chk.Adopt(ctx, e.target, drift.AdoptOptions{})
			require.NoError(t, err)
			// The fixture has core's, image's and subtitles' tables
			// (core__subtitle_files, a legacy name subtitles claims); every
			// other registered plugin has none.
			adopted := map[string]bool{"core": true, "image": true, "subtitles": true}
			for _, b := range append([]string{"core"}, registered(t)...) {
				want := drift.StateNoTables
				if adopted[b] {
					want = drift.StateAdopted
				}
				br := branchReport(t, rep, b)
				require.Equal(t, want, br.State, b)
				require.Empty(t, br.Differences, b)
				if want == drift.StateAdopted {
					require.Equal(t, e.head(t, b), br.Version, b)
				}
			}
			require.NotEmpty(t, branchReport(t, rep, "core").Notes, "MediaGoblin's schema differs in behaviour-neutral ways")
			require.Equal(t, []string{"yourplugin__media_security"}, rep.Unowned)
			require.Len(t, rep.Foreign, 1)
			require.Equal(t, "alembic", rep.Foreign[0].System)
			require.Equal(t, []string{"a98c1a320e88", "afd3d1da5e29", "bcd2fbf24bfb", "cc3651803714"}, rep.Foreign[0].Revisions)

			res, err := e.m.Apply(ctx)
			require.NoError(t, err)
			require.Equal(t, everyBranch(t, map[string]int{"core": 0, "image": 0, "subtitles": 0}, shipped(t, d)), appliedFiles(res))
			after := dumpRows(t, e.db)
			for table, rows := range before {
				if table == "core__privileges" {
					require.Subset(t, after[table], rows, "existing privileges kept")
					continue
				}
				require.Equal(t, rows, after[table], "rows of %s", table)
			}
			require.Contains(t, after, "archivalook__featured_media")
			require.Contains(t, after, "mediasecurity__media_security")
			names := (&applyEnv{t: t, db: e.db}).privileges()
			require.ElementsMatch(t, []string{"admin", "moderator", "uploader", "reporter", "commenter", "active", "featurer"}, names)
			st, err := e.m.Status(ctx)
			require.NoError(t, err)
			for _, s := range st {
				if s.State != apply.StateEnabled {
					continue // a plugin off by default: no tables, no history
				}
				require.NotEmpty(t, s.Applied, "branch %s has a history", s.Branch)
				require.False(t, s.NeedsWork(), "%+v", s)
			}

			chk, err := e.chk.Check(ctx, e.target)
			require.NoError(t, err)
			require.False(t, chk.Drift(), "no drift right after adopt and apply: %+v", chk.Branches)
			require.Equal(t, []string{"yourplugin__media_security"}, chk.Unowned)
			comp, err := app.Composer()
			require.NoError(t, err)
			unowned, stray, err := drift.Unowned(ctx, e.db.DB, d, comp)
			require.NoError(t, err)
			require.Empty(t, stray)
			require.Equal(t, chk.Unowned, unowned, "status's cheap listing agrees with drift's")
			recs, err := drift.Records(ctx, e.db.DB, d)
			require.NoError(t, err)
			require.Len(t, recs, 1+len(defaultPlugins(t)), "every branch's check is recorded")

			hand := []string{"ALTER TABLE core__users ADD COLUMN x integer", "DROP INDEX ix_core__media_entries_created"}
			want := []string{`core__users: extra column "x" (integer NULL)`, `core__media_entries: index "ix_core__media_entries_created" missing (want INDEX (created))`}
			switch d {
			case "mysql":
				hand[1] = "DROP INDEX ix_core__media_entries_created ON core__media_entries"
				want[0] = `core__users: extra column "x" (int(11) NULL)`
				hand = append(hand, "ALTER TABLE core__media_entries ALTER COLUMN remote SET DEFAULT true")
				want = append(want, `core__media_entries: column "remote": default: want 0, live 1`)
			case "postgres":
				hand = append(hand, "ALTER TABLE core__media_entries ALTER COLUMN remote SET DEFAULT true")
				want = append(want, `core__media_entries: column "remote": default: want false, live true`)
			}
			for _, stmt := range hand {
				_, err := e.db.DB.Exec(stmt)
				require.NoError(t, err, stmt)
			}
			chk, err = e.chk.Check(ctx, e.target)
			require.NoError(t, err)
			require.True(t, chk.Drift())
			core := branchReport(t, chk, "core")
			require.Equal(t, drift.StateDrift, core.State)
			require.ElementsMatch(t, want, strs(core.Differences))
			recs, err = drift.Records(ctx, e.db.DB, d)
			require.NoError(t, err)
			require.Equal(t, len(want), recs["core"].Differences, "status sees the drift")
		})
	}
}

// TestAdoptAccept: a branch whose tables match no version is refused with
// the differences and nothing recorded; --accept records them, and drift
// shows them as accepted, not as drift.
func TestAdoptAccept(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		dialect string
		opts    mgOptions
		hand    []string
		want    []string
	}{
		"sqlite": {
			dialect: "sqlite",
			hand:    []string{"ALTER TABLE core__users ADD COLUMN nickname varchar", "DROP INDEX ix_core__notifications_seen"},
			want:    []string{`core__users: extra column "nickname" (varchar NULL)`, `core__notifications: index "ix_core__notifications_seen" missing (want INDEX (seen))`},
		},
		"postgres: transcoding_progress as MediaGoblin's migration made it": {
			dialect: "postgres",
			opts:    mgOptions{smallintProgress: true},
			want:    []string{`core__media_entries: column "transcoding_progress": type: want double precision, live smallint`},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newAdoptEnv(t, mediagoblin(t, c.dialect, c.opts), nil)
			for _, stmt := range c.hand {
				_, err := e.db.DB.Exec(stmt)
				require.NoError(t, err, stmt)
			}
			rep, err := e.chk.Adopt(ctx, e.target, drift.AdoptOptions{})
			require.ErrorIs(t, err, drift.ErrDifferences)
			require.ErrorContains(t, err, "go run ./cmd adopt --accept")
			core := branchReport(t, rep, "core")
			require.Equal(t, drift.StateRefused, core.State)
			require.ElementsMatch(t, c.want, strs(core.Differences))
			hist, err := e.m.History(ctx, "")
			require.NoError(t, err)
			require.Empty(t, hist, "a refusal records nothing, not even the branches that match")

			rep, err = e.chk.Adopt(ctx, e.target, drift.AdoptOptions{Accept: true})
			require.NoError(t, err)
			core = branchReport(t, rep, "core")
			require.Equal(t, drift.StateAdopted, core.State)
			require.Equal(t, "closest", core.Source)
			require.ElementsMatch(t, c.want, strs(core.Accepted))

			_, err = e.m.Apply(ctx)
			require.NoError(t, err)
			chk, err := e.chk.Check(ctx, e.target)
			require.NoError(t, err)
			require.False(t, chk.Drift(), "accepted differences are not drift")
			require.ElementsMatch(t, c.want, strs(branchReport(t, chk, "core").Accepted))
			recs, err := drift.Records(ctx, e.db.DB, c.dialect)
			require.NoError(t, err)
			require.Len(t, recs["core"].Accepted, len(c.want), "status shows the accepted differences")
		})
	}
}

// TestDeviationsOnTheRealDatabase re-checks docs/ent-deviations.md against
// the real MediaGoblin database: adopting it finds no difference, and its
// notes are exactly the documented deviations, each one observed.
func TestDeviationsOnTheRealDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAdoptEnv(t, mediagoblin(t, "sqlite", mgOptions{}), nil)
	rep, err := e.chk.Adopt(ctx, e.target, drift.AdoptOptions{DryRun: true})
	require.NoError(t, err)
	core := branchReport(t, rep, "core")
	require.Empty(t, core.Differences)
	count := map[string]int{}
	for _, n := range core.Notes {
		count[n.What]++
	}
	require.Equal(t, map[string]int{
		"form":          15, // unique constraints: UNIQUE (...) instead of unique indexes of the same columns
		"autoincrement": 20, // SQLite integer keys without AUTOINCREMENT
		"default":       8,  // boolean defaults the application sets itself
		"nullable":      1,  // core__clients.id
		"type":          1,  // transcoding_progress
		"columns":       1,  // core__nonce_timestamps' primary key
	}, count)
	require.Subset(t, strs(core.Notes), []string{
		`core__nonce_timestamps: primary key: columns: want (nonce), live (nonce, timestamp)`,
		`core__clients: column "id": nullable: want NOT NULL, live NULL`,
		`core__media_entries: column "transcoding_progress": type: want float, live smallint`,
		`core__media_entries: column "remote": default: want false, live none`,
		`core__users: column "id": autoincrement: want yes, live no`,
		`core__privileges: index "core__privileges_privilege_name_key": form: want UNIQUE INDEX (privilege_name), live UNIQUE (privilege_name)`,
	})
	image := branchReport(t, rep, "image")
	require.Empty(t, image.Differences)
	require.Empty(t, image.Notes, "image__mediadata is exactly as MediaGoblin made it")
}

// TestAdoptAtlasCLI: a core history the atlas CLI applied is adopted at
// exactly the version atlas recorded, even where a newer version's schema
// matches the tables too.
func TestAdoptAtlasCLI(t *testing.T) {
	t.Parallel()
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			env := newApplyEnv(t, d)
			// A second core version that changes no table: the tables match both.
			env.addFile("core", "29990101000000_touch.sql", "UPDATE core__users SET bio = bio WHERE 1 = 0;\n", true)
			e := newAdoptEnv(t, env.db, app.DiskSources(env.root))
			first := ""
			dir, err := e.sources.Dir("core", d)
			require.NoError(t, err)
			files, err := dir.Files()
			require.NoError(t, err)
			first = files[0].Version()
			stmts, err := files[0].Stmts()
			require.NoError(t, err)
			for _, s := range stmts { // what atlas migrate apply --env core ran
				_, err := e.db.DB.Exec(s)
				require.NoError(t, err)
			}

			rep, err := e.chk.Adopt(ctx, e.target, drift.AdoptOptions{DryRun: true})
			require.NoError(t, err)
			require.Equal(t, "29990101000000", branchReport(t, rep, "core").Version, "without atlas's history: the newest matching version")

			table := "atlas_schema_revisions"
			if d == "postgres" { // the atlas CLI's default place on PostgreSQL
				_, err := e.db.DB.Exec("CREATE SCHEMA atlas_schema_revisions")
				require.NoError(t, err)
				table = "atlas_schema_revisions.atlas_schema_revisions"
			}
			for _, s := range []string{
				"CREATE TABLE " + table + " (version varchar(255) NOT NULL PRIMARY KEY, description varchar(255) NOT NULL, type bigint NOT NULL DEFAULT 2, applied bigint NOT NULL DEFAULT 0, total bigint NOT NULL DEFAULT 0, executed_at timestamp NOT NULL, execution_time bigint NOT NULL, error text NULL, error_stmt text NULL, hash varchar(255) NOT NULL, partial_hashes text NULL, operator_version varchar(255) NOT NULL)",
				"INSERT INTO " + table + " (version, description, type, applied, total, executed_at, execution_time, hash, operator_version) VALUES ('.atlas_cloud_identifiers', '', 0, 0, 0, '2026-01-01 00:00:00', 0, '', 'Atlas CLI v0.38.0')",
				"INSERT INTO " + table + " (version, description, type, applied, total, executed_at, execution_time, hash, operator_version) VALUES ('" + first + "', 'initial', 2, 54, 54, '2026-01-01 00:00:00', 1000, 'x', 'Atlas CLI v0.38.0')",
			} {
				_, err := e.db.DB.Exec(s)
				require.NoError(t, err, s)
			}
			rep, err = e.chk.Adopt(ctx, e.target, drift.AdoptOptions{})
			require.NoError(t, err)
			core := branchReport(t, rep, "core")
			require.Equal(t, drift.StateAdopted, core.State)
			require.Equal(t, first, core.Version, "the version atlas recorded")
			require.Equal(t, table, core.Source)
			require.Empty(t, core.Differences)
			require.Len(t, rep.Foreign, 1)
			require.Equal(t, first, rep.Foreign[0].Latest)

			res, err := e.m.Apply(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, appliedFiles(res)["core"], "apply runs core's file after atlas's version")
			var n int
			require.NoError(t, e.db.DB.QueryRow("SELECT count(*) FROM "+table).Scan(&n))
			require.Equal(t, 2, n, "atlas's history is untouched")
		})
	}
}

// TestAdoptMediaGoblinPluginTables adds to the real MediaGoblin database the
// tables of every registered plugin the full v0.15 reference has (media
// types, openid, persona), created as MediaGoblin's Alembic creates them
// on SQLite (the reference's SQLite types, unnamed constraints, ix_ indexes),
// with a row each. Adopt records every such plugin's baseline with no
// difference, only drift's notes, whether the plugin is enabled by default
// or not; apply keeps every row and drift finds nothing.
func TestAdoptMediaGoblinPluginTables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mediagoblin(t, "sqlite", mgOptions{})
	comp, err := app.Composer()
	require.NoError(t, err)
	const ts = "'2024-05-06 07:08:09'"
	var made, inserts []string
	for _, rt := range pluginReference(t, comp) {
		var exists int
		require.NoError(t, db.DB.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", rt.name).Scan(&exists))
		if exists > 0 {
			continue // image__mediadata: MediaGoblin's default configuration has it
		}
		var defs, fks, names, vals []string
		for _, c := range rt.cols {
			def := c.name + " " + c.sqliteT
			if !c.nullable {
				def += " NOT NULL"
			}
			defs = append(defs, quoteIn("sqlite", c.name)+def[len(c.name):])
			if c.fk != "" {
				rtab, rcol, _ := strings.Cut(c.fk, ".")
				fks = append(fks, fmt.Sprintf("FOREIGN KEY(%s) REFERENCES %s (%s)", c.name, rtab, rcol))
			}
			names = append(names, quoteIn("sqlite", c.name))
			switch {
			case c.fk != "" || c.sqliteT == "INTEGER":
				vals = append(vals, "1") // media entry 1, user 1, blog 1
			case c.sqliteT == "VARCHAR":
				vals = append(vals, "'"+c.name+"'")
			case c.sqliteT == "TEXT":
				vals = append(vals, "'{}'")
			case c.sqliteT == "DATETIME":
				vals = append(vals, ts)
			case c.sqliteT == "FLOAT":
				vals = append(vals, "1.5")
			default:
				vals = append(vals, "7")
			}
		}
		defs = append(defs, "PRIMARY KEY ("+strings.Join(rt.pk, ", ")+")")
		stmts := []string{fmt.Sprintf("CREATE TABLE %s (\n\t%s\n)", rt.name, strings.Join(append(defs, fks...), ",\n\t"))}
		for name, cols := range rt.indexes {
			stmts = append(stmts, fmt.Sprintf("CREATE INDEX %s ON %s (%s)", name, rt.name, strings.Join(cols, ", ")))
		}
		for _, s := range stmts {
			_, err := db.DB.Exec(s)
			require.NoError(t, err, s)
		}
		inserts = append(inserts, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", rt.name, strings.Join(names, ", "), strings.Join(vals, ", ")))
		made = append(made, rt.name)
	}
	require.NotEmpty(t, made)
	// Rows last, each after the rows it references (blogpost__mediadata's
	// blog): a statement refused by a foreign key waits for the next pass.
	for pass := 0; len(inserts) > 0; pass++ {
		var later []string
		for _, s := range inserts {
			if _, err := db.DB.Exec(s); err != nil {
				require.Less(t, pass, len(made), "%s: %v", s, err)
				later = append(later, s)
			}
		}
		inserts = later
	}
	e := newAdoptEnv(t, db, nil)
	before := dumpRows(t, e.db)

	rep, err := e.chk.Adopt(ctx, e.target, drift.AdoptOptions{})
	require.NoError(t, err)
	require.Empty(t, rep.Warnings)
	adopted := map[string]bool{}
	for _, table := range made {
		b := comp.Owner(table)
		if adopted[b] {
			continue
		}
		adopted[b] = true
		br := branchReport(t, rep, b)
		require.Equal(t, drift.StateAdopted, br.State, b)
		require.Equal(t, e.head(t, b), br.Version, b)
		require.Empty(t, br.Differences, b)
		require.Empty(t, br.Accepted, b)
		t.Logf("%s: %s notes %v", b, br.Version, strs(br.Notes))
		for _, n := range br.Notes {
			require.Contains(t, []string{"autoincrement"}, n.What, "branch %s: only the SQLite AUTOINCREMENT note: %s", b, n)
		}
	}
	require.Equal(t, []string{"yourplugin__media_security"}, rep.Unowned)

	_, err = e.m.Apply(ctx)
	require.NoError(t, err)
	after := dumpRows(t, e.db)
	for _, table := range made {
		require.Len(t, before[table], 1, table)
		require.Equal(t, before[table], after[table], "rows of %s", table)
	}
	chk, err := e.chk.Check(ctx, e.target)
	require.NoError(t, err)
	require.False(t, chk.Drift(), "no drift after adopt and apply: %+v", chk.Branches)
	st, err := e.m.Status(ctx)
	require.NoError(t, err)
	for _, s := range st {
		require.False(t, s.NeedsWork(), "%+v", s)
		if adopted[s.Branch] {
			require.Equal(t, e.head(t, s.Branch), s.Applied, s.Branch)
		}
	}
}
