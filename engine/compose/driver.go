package compose

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
)

// Open wraps an open database in Atlas's driver for the dialect.
func Open(d string, db *sql.DB) (migrate.Driver, error) {
	switch d {
	case SQLite:
		return sqlite.Open(db)
	case Postgres:
		return postgres.Open(db)
	case MySQL:
		return mysql.Open(db)
	}
	_, err := entDialect(d)
	return nil, err
}

// Drift returns the changes that would turn the database's current schema
// (the connection's default schema) into want, leaving out the tables
// named in ignore (such as the history table). None means they are equal.
// An enum's CHECK constraint whose values changed is a change too (Atlas
// alone matches named checks by name).
func Drift(ctx context.Context, drv migrate.Driver, want *schema.Schema, ignore ...string) ([]schema.Change, error) {
	got, err := drv.InspectSchema(ctx, "", nil)
	if err != nil {
		return nil, fmt.Errorf("inspect database: %w", err)
	}
	got.Tables = slices.DeleteFunc(got.Tables, func(t *schema.Table) bool { return slices.Contains(ignore, t.Name) })
	w := *want
	w.Name, w.Realm, w.Attrs = got.Name, got.Realm, got.Attrs
	tables := make([]*schema.Table, len(want.Tables))
	for i, t := range want.Tables {
		ct := *t
		ct.Schema = &w
		if gt, ok := got.Table(t.Name); ok {
			ct.Columns = inOrderOf(gt.Columns, t.Columns)
		}
		tables[i] = &ct
	}
	w.Tables = tables
	changes, err := drv.SchemaDiff(got, &w)
	if err != nil {
		return nil, err
	}
	return CheckChanges(changes, got, &w, SameEnumCheck), nil
}

// inOrderOf returns want's columns with those the table already has first,
// in its order, then the new ones: column order carries no meaning, and on
// SQLite a column added in the middle would rebuild the whole table where
// ALTER TABLE ADD COLUMN appends it.
func inOrderOf(got, want []*schema.Column) []*schema.Column {
	out := make([]*schema.Column, 0, len(want))
	for _, g := range got {
		for _, c := range want {
			if c.Name == g.Name {
				out = append(out, c)
			}
		}
	}
	for _, c := range want {
		if !slices.ContainsFunc(got, func(g *schema.Column) bool { return g.Name == c.Name }) {
			out = append(out, c)
		}
	}
	return out
}
