package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/internal/app"
)

// interrupt leaves the database as a run killed while statement applied+1
// of a core file ran: the statements up to ran (1-based, inclusive) took
// effect, the history says applied of them did.
func interrupt(t *testing.T, e *applyEnv, version, body string, applied, ran int) {
	t.Helper()
	stmts := strings.SplitAfter(strings.TrimSpace(body), ";\n")
	for _, s := range stmts[:ran] {
		_, err := e.db.DB.Exec(s)
		require.NoError(t, err, s)
	}
	var partial []string
	h := sha256.New()
	for _, s := range stmts[:applied] {
		h.Write([]byte(strings.TrimSpace(s)))
		partial = append(partial, "h1:"+base64.StdEncoding.EncodeToString(h.Sum(nil)))
	}
	p, _ := json.Marshal(partial)
	_, err := e.db.DB.Exec(apply.Rebind(e.db.Dialect, `INSERT INTO plugmig_history (branch, version, description, type, applied, total, executed_at, duration_us, hash, partial_hashes, operator_version)
		VALUES ('core', ?, 'x', 'partial', ?, ?, '2026-01-01T00:00:00.000000000Z', 1, 'h1:x', ?, 'plugmig')`), version, applied, len(stmts), string(p))
	require.NoError(t, err)
}

// TestMySQLResumeDecidesInterruptedStatement: after a kill -9, MariaDB has
// finished the statement the dead client sent but the history does not say
// so. apply decides from the schema whether it took effect and goes on
// without manual work; when the schema cannot tell (a data statement), it
// says what to check and which flag settles it (issue 11, item 2).
func TestMySQLResumeDecidesInterruptedStatement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, compose.MySQL)
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)

	ddl := "CREATE TABLE core__a (id int NOT NULL, PRIMARY KEY (id));\nCREATE TABLE core__b (id int NOT NULL);\nCREATE INDEX core__b_id ON core__b (id);\nALTER TABLE core__a ADD COLUMN x int NULL;\nINSERT INTO core__a (id) VALUES (1);\n"
	e.addFile("core", "29990101000000_ddl.sql", ddl, true)
	for _, c := range []struct {
		name         string
		applied, ran int
		wantDecision string
	}{
		{"create table ran", 1, 2, "statement 2 had taken effect (table core__b exists with the statement's columns)"},
		{"create index ran", 2, 3, "statement 3 had taken effect (index core__b_id of core__b exists)"},
		{"add column ran", 3, 4, "statement 4 had taken effect (column x of core__a exists)"},
		{"add column did not run", 3, 3, "statement 4 had not taken effect (column x of core__a does not exist)"},
		{"nothing ran", 0, 0, "statement 1 had not taken effect (table core__a does not exist)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, tbl := range []string{"core__a", "core__b"} {
				_, err := e.db.DB.Exec("DROP TABLE IF EXISTS " + tbl)
				require.NoError(t, err)
			}
			_, err := e.db.DB.Exec("DELETE FROM plugmig_history WHERE version = '29990101000000'")
			require.NoError(t, err)
			interrupt(t, e, "29990101000000", ddl, c.applied, c.ran)
			var progress strings.Builder
			comp, _ := app.Composer()
			m, err := apply.New(e.db.DB, compose.MySQL, comp, app.DiskSources(e.root), apply.WithScratchURL(e.db.URL), apply.WithProgress(&progress))
			require.NoError(t, err)
			_, err = m.Apply(ctx)
			require.NoError(t, err)
			require.Contains(t, progress.String(), c.wantDecision)
			var n int
			require.NoError(t, e.db.DB.QueryRow("SELECT count(*) FROM core__a").Scan(&n))
			require.Equal(t, 1, n)
			revs, _ := e.migrator().History(ctx, "core")
			last := revs[len(revs)-1]
			require.Equal(t, 5, last.Applied)
			require.Equal(t, apply.TypeApplied, last.TypeName())
		})
	}

	// A data statement: the schema cannot tell.
	data := "INSERT INTO core__a (id) VALUES (2);\nCREATE TABLE core__c (id int NOT NULL);\n"
	e.addFile("core", "29990102000000_data.sql", data, true)
	interrupt(t, e, "29990102000000", data, 0, 1)
	_, err = e.migrator().Apply(ctx)
	require.ErrorIs(t, err, apply.ErrInterrupted)
	require.ErrorContains(t, err, "statement 1 (INSERT INTO core__a (id) VALUES (2);) was running when an earlier apply was interrupted")
	require.ErrorContains(t, err, "go run ./cmd apply --interrupted=ran if it took effect, or go run ./cmd apply --interrupted=rerun if it did not")
	comp, _ := app.Composer()
	m, err := apply.New(e.db.DB, compose.MySQL, comp, app.DiskSources(e.root), apply.WithScratchURL(e.db.URL), apply.WithInterrupted(apply.InterruptedRan))
	require.NoError(t, err)
	_, err = m.Apply(ctx)
	require.NoError(t, err)
	var n int
	require.NoError(t, e.db.DB.QueryRow("SELECT count(*) FROM core__a WHERE id = 2").Scan(&n))
	require.Equal(t, 1, n, "not inserted twice")
	_, err = apply.New(e.db.DB, compose.MySQL, comp, app.DiskSources(e.root), apply.WithInterrupted("maybe"))
	require.ErrorContains(t, err, `--interrupted must be "ran" or "rerun"`)
}
