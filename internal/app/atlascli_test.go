package app_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"
	"time"

	"ariga.io/atlas/sql/migrate"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/plugin"
)

// TestAtlasCLIAndPlugmigShareCoreHistory: a team applies core with the
// atlas CLI ("atlas migrate apply --env core", its atlas_schema_revisions
// table) and with plugmig, in any order (issue 21, item 7: each failed on
// the other's change, "column nickname already exists", and no command got
// out of it). The CLI is played by Atlas's own migrate.Executor over a
// revisions table of the CLI's layout, as the CLI runs it: core's first
// file by the CLI, then plugmig (records it, runs only the plugins), a new
// core file by plugmig (which never writes the CLI's table but names the
// CLI's own command, atlas migrate set, that records it there), the CLI
// again (nothing to do), another core file by the CLI, plugmig again
// (records it): no error, status up to date, every core version in both
// histories.
func TestAtlasCLIAndPlugmigShareCoreHistory(t *testing.T) {
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			cli := newAtlasCLI(t, e)

			require.Equal(t, 1, cli.apply(), "the CLI applies core's first file")
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err, "plugmig after the CLI")
			core, err := e.migrator().History(ctx, plugin.Core)
			require.NoError(t, err)
			require.Len(t, core, 1)
			require.Equal(t, apply.AtlasOperator, core[0].OperatorVersion, "recorded as the CLI's, not run again")

			hint, err := e.migrator().AtlasBehind(ctx)
			require.NoError(t, err)
			require.Empty(t, hint, "nothing to tell the CLI: it ran core's only version")

			e.addFile(plugin.Core, "29990101000000_nickname.sql", "ALTER TABLE core__users ADD COLUMN nickname varchar(100) NULL;\n", true)
			_, err = e.migrator().Apply(ctx)
			require.NoError(t, err)
			// plugmig never writes the CLI's table; it names the CLI's command.
			require.Len(t, cli.versions(), 1)
			hint, err = e.migrator().AtlasBehind(ctx)
			require.NoError(t, err)
			require.Contains(t, hint, "atlas migrate set 29990101000000 --env core")
			cli.set("29990101000000") // what that command does
			hint, err = e.migrator().AtlasBehind(ctx)
			require.NoError(t, err)
			require.Empty(t, hint)
			require.Equal(t, 0, cli.apply(), "the CLI knows plugmig ran core's new file")

			e.addFile(plugin.Core, "29990101000001_nickname2.sql", "ALTER TABLE core__users ADD COLUMN nickname2 varchar(100) NULL;\n", true)
			require.Equal(t, 1, cli.apply(), "the CLI applies the next core file")
			_, err = e.migrator().Apply(ctx)
			require.NoError(t, err, "plugmig after the CLI's new file")

			st, err := e.migrator().Status(ctx)
			require.NoError(t, err)
			for _, s := range st {
				require.False(t, s.NeedsWork(), "%+v", s)
			}
			core, err = e.migrator().History(ctx, plugin.Core)
			require.NoError(t, err)
			require.Len(t, core, 3)
			require.Len(t, cli.versions(), 3, "the CLI's table has every core version")
			require.Equal(t, 0, cli.apply())
			hint, err = e.migrator().AtlasBehind(ctx)
			require.NoError(t, err)
			require.Empty(t, hint)
		})
	}
}

// atlasCLI applies core's folder as "atlas migrate apply --env core" does:
// Atlas's Executor with a revision store on atlas_schema_revisions (on
// PostgreSQL in the schema of that name, the CLI's default).
type atlasCLI struct {
	t     *testing.T
	e     *applyEnv
	table string
}

func newAtlasCLI(t *testing.T, e *applyEnv) *atlasCLI {
	c := &atlasCLI{t: t, e: e, table: "atlas_schema_revisions"}
	ddl := map[string][]string{
		compose.SQLite: {`CREATE TABLE atlas_schema_revisions (version text NOT NULL, description text NOT NULL, type integer NOT NULL DEFAULT 2, applied integer NOT NULL DEFAULT 0, total integer NOT NULL DEFAULT 0, executed_at datetime NOT NULL, execution_time integer NOT NULL, error text NULL, error_stmt text NULL, hash text NOT NULL, partial_hashes json NULL, operator_version text NOT NULL, PRIMARY KEY (version))`},
		compose.Postgres: {`CREATE SCHEMA atlas_schema_revisions`,
			`CREATE TABLE atlas_schema_revisions.atlas_schema_revisions (version character varying NOT NULL, description character varying NOT NULL, type bigint NOT NULL DEFAULT 2, applied bigint NOT NULL DEFAULT 0, total bigint NOT NULL DEFAULT 0, executed_at timestamptz NOT NULL, execution_time bigint NOT NULL, error text NULL, error_stmt text NULL, hash character varying NOT NULL, partial_hashes jsonb NULL, operator_version character varying NOT NULL, PRIMARY KEY (version))`},
		compose.MySQL: {"CREATE TABLE `atlas_schema_revisions` (`version` varchar(255) NOT NULL, `description` varchar(255) NOT NULL, `type` bigint unsigned NOT NULL DEFAULT 2, `applied` bigint NOT NULL DEFAULT 0, `total` bigint NOT NULL DEFAULT 0, `executed_at` timestamp(6) NOT NULL, `execution_time` bigint NOT NULL, `error` longtext NULL, `error_stmt` longtext NULL, `hash` varchar(255) NOT NULL, `partial_hashes` json NULL, `operator_version` varchar(255) NOT NULL, PRIMARY KEY (`version`)) CHARSET utf8mb4 COLLATE utf8mb4_bin"},
	}[e.db.Dialect]
	if e.db.Dialect == compose.Postgres {
		c.table = "atlas_schema_revisions.atlas_schema_revisions"
	}
	for _, s := range ddl {
		_, err := e.db.DB.Exec(s)
		require.NoError(t, err)
	}
	return c
}

// apply runs every pending core file and returns how many ran.
func (c *atlasCLI) apply() int {
	c.t.Helper()
	dir, err := migrate.NewLocalDir(c.e.folder(plugin.Core))
	require.NoError(c.t, err)
	drv, err := compose.Open(c.e.db.Dialect, c.e.db.DB)
	require.NoError(c.t, err)
	// The CLI leaves its own revisions schema out of its "clean" check.
	ex, err := migrate.NewExecutor(drv, dir, c, migrate.WithOperatorVersion("atlas CLI (test)"), migrate.WithAllowDirty(true))
	require.NoError(c.t, err)
	pending, err := ex.Pending(context.Background())
	if errors.Is(err, migrate.ErrNoPendingFiles) {
		return 0
	}
	require.NoError(c.t, err)
	require.NoError(c.t, ex.ExecuteN(context.Background(), len(pending)))
	return len(pending)
}

// set is "atlas migrate set <v>": every file up to v counts as applied.
func (c *atlasCLI) set(v string) {
	c.t.Helper()
	dir, err := migrate.NewLocalDir(c.e.folder(plugin.Core))
	require.NoError(c.t, err)
	files, err := dir.Files()
	require.NoError(c.t, err)
	sum, err := dir.Checksum()
	require.NoError(c.t, err)
	have := c.versions()
	for _, f := range files {
		if f.Version() > v || slices.Contains(have, f.Version()) {
			continue
		}
		h, err := sum.SumByName(f.Name())
		require.NoError(c.t, err)
		require.NoError(c.t, c.WriteRevision(context.Background(), &migrate.Revision{
			Version: f.Version(), Description: f.Desc(), Type: migrate.RevisionTypeResolved,
			ExecutedAt: time.Now(), Hash: h, OperatorVersion: "atlas CLI (test)",
		}))
	}
}

func (c *atlasCLI) versions() []string {
	revs, err := c.ReadRevisions(context.Background())
	require.NoError(c.t, err)
	var vs []string
	for _, r := range revs {
		vs = append(vs, r.Version)
	}
	return vs
}

func (c *atlasCLI) q(s string) string { return apply.Rebind(c.e.db.Dialect, s) }

func (c *atlasCLI) Ident() *migrate.TableIdent {
	return &migrate.TableIdent{Name: "atlas_schema_revisions"}
}

func (c *atlasCLI) ReadRevisions(ctx context.Context) ([]*migrate.Revision, error) {
	rows, err := c.e.db.DB.QueryContext(ctx, "SELECT version, description, type, applied, total, executed_at, execution_time, error, error_stmt, hash, operator_version FROM "+c.table+" ORDER BY version")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var revs []*migrate.Revision
	for rows.Next() {
		var (
			r           migrate.Revision
			took        int64
			errMsg, stm sql.NullString
		)
		if err := rows.Scan(&r.Version, &r.Description, &r.Type, &r.Applied, &r.Total, &r.ExecutedAt, &took, &errMsg, &stm, &r.Hash, &r.OperatorVersion); err != nil {
			return nil, err
		}
		r.ExecutionTime, r.Error, r.ErrorStmt = time.Duration(took), errMsg.String, stm.String
		revs = append(revs, &r)
	}
	return revs, rows.Err()
}

func (c *atlasCLI) ReadRevision(ctx context.Context, v string) (*migrate.Revision, error) {
	revs, err := c.ReadRevisions(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range revs {
		if r.Version == v {
			return r, nil
		}
	}
	return nil, migrate.ErrRevisionNotExist
}

func (c *atlasCLI) WriteRevision(ctx context.Context, r *migrate.Revision) error {
	if _, err := c.e.db.DB.ExecContext(ctx, c.q("DELETE FROM "+c.table+" WHERE version = ?"), r.Version); err != nil {
		return err
	}
	_, err := c.e.db.DB.ExecContext(ctx, c.q("INSERT INTO "+c.table+" (version, description, type, applied, total, executed_at, execution_time, error, error_stmt, hash, operator_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		r.Version, r.Description, uint(r.Type), r.Applied, r.Total, r.ExecutedAt.UTC(), int64(r.ExecutionTime), r.Error, r.ErrorStmt, r.Hash, r.OperatorVersion)
	return err
}

func (c *atlasCLI) DeleteRevision(ctx context.Context, v string) error {
	_, err := c.e.db.DB.ExecContext(ctx, c.q("DELETE FROM "+c.table+" WHERE version = ?"), v)
	return err
}
