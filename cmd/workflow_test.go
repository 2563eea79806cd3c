package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/internal/testdb"
)

// TestSchemaLintWorkflowLintsEveryDialect: the pull-request workflow lints
// every dialect the project keeps, each server dialect with a service and
// a dev URL, and never narrows lint to fewer dialects (it linted SQLite and
// PostgreSQL only, so a plugin's MariaDB files were linted by nobody before
// merge: issue 22, item 10).
func TestSchemaLintWorkflowLintsEveryDialect(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testdb.Root(t), ".github", "workflows", "schema-lint.yml"))
	require.NoError(t, err)
	wf := string(b)
	services := map[string]string{compose.Postgres: `(?m)^\s+image: postgres:`, compose.MySQL: `(?m)^\s+image: mariadb:`}
	envs := map[string]string{compose.Postgres: `(?m)^\s+DEV_URL_POSTGRES: postgres://`, compose.MySQL: `(?m)^\s+DEV_URL_MYSQL: mysql://`}
	for _, d := range compose.Dialects {
		if d == compose.SQLite {
			continue // in memory
		}
		require.Regexp(t, services[d], wf, "a %s service", d)
		require.Regexp(t, envs[d], wf, "the %s dev URL", d)
	}
	require.Regexp(t, `go run ./cmd lint\s`, wf)
	require.NotContains(t, wf, "--dialects", "lint takes the project's dialects (plugmig.json), not a narrower list")
}
