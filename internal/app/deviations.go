package app

import "github.com/plugmig/plugmig/engine/drift"

// Deviations are the differences between this application's core schema and
// MediaGoblin's that adopt and drift tolerate, each with its reason. Every
// one is a row of docs/ent-deviations.md; the rest of that table is covered
// by drift's built-in rules (unique constraints, SQLite affinities and
// AUTOINCREMENT, SERIAL keys, defaults the application sets itself).
func Deviations() []drift.Deviation {
	return []drift.Deviation{
		{
			Table: "core__nonce_timestamps", Kind: drift.KindPrimaryKey, What: "columns",
			Reason: "MediaGoblin's key is (nonce, timestamp); ent allows composite keys only on edge schemas, so the key here is (nonce). The application looks nonces up by nonce alone either way.",
		},
		{
			Table: "core__mediafiles", Kind: drift.KindColumn, Name: "name_id", What: "type", Dialects: []string{"postgres", "mysql"},
			Reason: "MediaGoblin declares SMALLINT for a key that references an INTEGER id; the file key names are a handful of rows, far below SMALLINT's limit.",
		},
	}
}
