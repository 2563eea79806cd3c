package apply

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/plugin"
)

// The atlas CLI's history of core: when a team applies core with
// "atlas migrate apply --env core" as well as with plugmig, both tools must
// know what the other ran, or each fails on the other's change. So a
// database holding the CLI's revisions table (atlas_schema_revisions, in
// the connection's schema or, on PostgreSQL, in the schema of that name)
// is read as core's history too: a core version the CLI applied completely
// counts as applied (read by Plan, recorded by Apply). That table is never
// written: when plugmig ran core further, AtlasBehind names the CLI's own
// command that records it there (atlas migrate set).

// AtlasOperator marks core's history rows of versions the atlas CLI applied.
const AtlasOperator = "atlas CLI (atlas_schema_revisions)"

// AtlasRevisionsTable is the atlas CLI's history table.
const AtlasRevisionsTable = "atlas_schema_revisions"

// AtlasHistory finds the atlas CLI's revisions table of db, in the
// connection's schema or (PostgreSQL) in the schema of the same name, the
// CLI's default, and returns its name as messages show it ("" when the
// database has none) and its revisions, the CLI's own bookkeeping rows
// (".atlas_cloud_identifiers") left out. It reads only.
func AtlasHistory(ctx context.Context, db *sql.DB, dialect string) (string, []*migrate.Revision, error) {
	places := []string{""}
	if dialect == "postgres" {
		places = append(places, AtlasRevisionsTable)
	}
	for _, schema := range places {
		ok, err := atlasTableIn(ctx, db, dialect, schema)
		if err != nil {
			return "", nil, fmt.Errorf("look for %s: %w", AtlasRevisionsTable, err)
		}
		if !ok {
			continue
		}
		name, quoted := AtlasRevisionsTable, quoteIdent(dialect, AtlasRevisionsTable)
		if schema != "" {
			name, quoted = schema+"."+name, quoteIdent(dialect, schema)+"."+quoted
		}
		revs, err := readAtlasRevisions(ctx, db, quoted)
		if err != nil {
			return "", nil, fmt.Errorf("read %s: %w", name, err)
		}
		return name, revs, nil
	}
	return "", nil, nil
}

func (m *Migrator) atlasRevisions(ctx context.Context) (string, []*migrate.Revision, error) {
	return AtlasHistory(ctx, m.db, m.dialect)
}

func atlasTableIn(ctx context.Context, db *sql.DB, dialect, schema string) (bool, error) {
	var query string
	args := []any{AtlasRevisionsTable}
	switch {
	case dialect == "sqlite":
		query = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	case dialect == "postgres" && schema == "":
		query = "SELECT count(*) FROM pg_catalog.pg_class WHERE relnamespace = current_schema()::regnamespace AND relname = ? AND relkind IN ('r', 'p')"
	case dialect == "postgres":
		query, args = "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')", []any{schema, AtlasRevisionsTable}
	default:
		query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
	}
	var n int
	err := db.QueryRowContext(ctx, Rebind(dialect, query), args...).Scan(&n)
	return n > 0, err
}

func readAtlasRevisions(ctx context.Context, db *sql.DB, table string) ([]*migrate.Revision, error) {
	rows, err := db.QueryContext(ctx, "SELECT version, description, type, applied, total, executed_at, execution_time, error, hash FROM "+table+" ORDER BY version")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var revs []*migrate.Revision
	for rows.Next() {
		var (
			r      migrate.Revision
			errMsg sql.NullString
			at     sql.NullTime
			took   int64
		)
		if err := rows.Scan(&r.Version, &r.Description, &r.Type, &r.Applied, &r.Total, &at, &took, &errMsg, &r.Hash); err != nil {
			return nil, err
		}
		if strings.HasPrefix(r.Version, ".") { // the CLI's own bookkeeping rows
			continue
		}
		r.ExecutedAt, r.ExecutionTime, r.Error = at.Time, time.Duration(took), errMsg.String
		revs = append(revs, &r)
	}
	return revs, rows.Err()
}

// fromAtlas returns core's revisions the atlas CLI applied completely and
// core's history (revs) does not hold, as core's history rows.
func fromAtlas(atlas []*migrate.Revision, revs []*migrate.Revision) []Revision {
	var out []Revision
	for _, a := range atlas {
		// Executed, baselined, or marked applied (atlas migrate set): what
		// the CLI itself counts as applied.
		complete := a.Applied == a.Total && a.Error == "" && a.Type != migrate.RevisionTypeUnknown
		if !complete || slices.ContainsFunc(revs, func(r *migrate.Revision) bool { return r.Version == a.Version }) {
			continue
		}
		r := *a
		if r.Type != migrate.RevisionTypeBaseline {
			r.Type = migrate.RevisionTypeExecute
		}
		r.OperatorVersion = AtlasOperator
		out = append(out, Revision{Branch: plugin.Core, Revision: &r})
	}
	return out
}

// AtlasBehind returns, when the database has the atlas CLI's revisions
// table and core's history here is ahead of it, the one command that tells
// the CLI (plugmig never writes another tool's table): without it, the
// CLI's next "migrate apply --env core" would run again what plugmig ran.
func (m *Migrator) AtlasBehind(ctx context.Context) (string, error) {
	table, atlas, err := m.atlasRevisions(ctx)
	if err != nil || table == "" {
		return "", err
	}
	core, err := m.store.read(ctx, plugin.Core)
	if err != nil {
		return "", err
	}
	head := ""
	for _, r := range core {
		// Applied, or baselined/adopted; never a failed or partial
		// attempt, nor a down.
		if r.Applied == r.Total && r.Error == "" && !IsDownKey(r.Version) &&
			(r.Type == migrate.RevisionTypeExecute || r.Type == migrate.RevisionTypeBaseline) {
			head = max(head, r.Version)
		}
	}
	for _, a := range atlas {
		if a.Version >= head && a.Applied == a.Total && a.Error == "" {
			return "", nil
		}
	}
	if head == "" {
		return "", nil
	}
	return fmt.Sprintf("core is at %s here, and the atlas CLI's history (%s) is behind it: before the next atlas migrate apply --env core, run atlas migrate set %s --env core --url <this database's URL>", head, table, head), nil
}

// recordAtlas writes core's history rows of the versions the atlas CLI
// applied (found by Plan).
func (m *Migrator) recordAtlas(ctx context.Context) error {
	if len(m.fromAtlas) == 0 {
		return nil
	}
	if err := m.store.create(ctx); err != nil {
		return fmt.Errorf("create %s: %w", HistoryTable, err)
	}
	for _, r := range m.fromAtlas {
		fmt.Fprintf(m.progress, "%-14s %s  applied by the atlas CLI: recorded in core's history\n", plugin.Core, r.Version)
	}
	return m.store.writeAll(ctx, m.fromAtlas)
}

// quoteIdent quotes a name with the dialect's quoting.
func quoteIdent(dialect, name string) string {
	if dialect == "mysql" {
		return "`" + strings.ReplaceAll(name, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
