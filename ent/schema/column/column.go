// Package column holds the per-dialect column types that reproduce the DDL
// MediaGoblin's SQLAlchemy models emit, so core and plugin schemas can share them.
//
// Use them with an ent field's SchemaType:
//
//	field.String("title").SchemaType(column.Varchar)
//	field.Int("width").SchemaType(column.Integer)
//
// A dialect that is missing from a map keeps ent's default type (for example
// MySQL keeps varchar(255), because MySQL has no unbounded VARCHAR).
package column

import "entgo.io/ent/dialect"

var (
	// Varchar is SQLAlchemy's Unicode/String without a length: VARCHAR on
	// SQLite, unbounded character varying on PostgreSQL, varchar(255) on MySQL.
	Varchar = map[string]string{dialect.SQLite: "varchar", dialect.Postgres: "varchar"}

	// Integer is a 32-bit INTEGER on every dialect (ent's default for int is bigint).
	Integer = map[string]string{dialect.SQLite: "integer", dialect.Postgres: "integer", dialect.MySQL: "int"}

	// SmallInt is SQLAlchemy's SmallInteger.
	SmallInt = map[string]string{dialect.SQLite: "smallint", dialect.Postgres: "smallint", dialect.MySQL: "smallint"}

	// Timestamp is a naive DateTime: DATETIME on SQLite and MySQL,
	// timestamp without time zone on PostgreSQL.
	Timestamp = map[string]string{dialect.SQLite: "datetime", dialect.Postgres: "timestamp", dialect.MySQL: "datetime"}

	// Date is SQLAlchemy's Date.
	Date = map[string]string{dialect.SQLite: "date", dialect.Postgres: "date", dialect.MySQL: "date"}

	// Float is SQLAlchemy's Float: FLOAT on SQLite, double precision elsewhere.
	Float = map[string]string{dialect.SQLite: "float", dialect.Postgres: "double precision", dialect.MySQL: "double"}
)
