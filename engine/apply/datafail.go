package apply

import (
	"regexp"
	"strings"
)

// dataErrors are the database errors a statement gets from the rows it
// meets, not from its text: SQLite's constraint failures, PostgreSQL's
// SQLSTATE classes 22 (data exception) and 23 (integrity constraint
// violation), MySQL/MariaDB's duplicate, NULL, foreign key, truncation,
// incorrect value and check errors.
var dataErrors = regexp.MustCompile(`constraint failed|SQLSTATE 2[23][0-9A-Z]{3}|Error (1048|1062|1216|1217|1264|1265|1292|1366|1406|1451|1452|1690|3819|4025)\b`)

// dataCaused reports whether a failed statement's database error comes
// from the rows in the database.
func dataCaused(msg string) bool { return dataErrors.MatchString(msg) }

// dataOutcome is what to do about a data-caused failure; stillApplied
// says what of the file was applied (the outcome of a failed statement
// otherwise).
func dataOutcome(stillApplied string) string {
	return "the statement is fine as SQL: the rows already in the database break it (duplicates, NULLs, values out of range, rows another table references). Fix those rows and run go run ./cmd apply again (the file need not change); or, if the migration should deal with such rows, change it, run go run ./cmd hash, and apply again. " + stillApplied
}

// dataNext is status's way out of a data-caused failure.
func dataNext(file, stmt string) string {
	return "fix the rows that break " + file + " (the statement that failed: " + stmt + "; the database's error says which), then go run ./cmd apply"
}

// hasData reports whether the error text names a data-caused failure.
func hasData(errText string) bool { return strings.TrimSpace(errText) != "" && dataCaused(errText) }
