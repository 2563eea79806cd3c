package apply

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/internal/testdb"
)

// TestWriteAllManyRows: a single-transaction run's history goes in 500
// rows to a statement; 1,201 revisions (three statements) are all written,
// and a row already there (a failed attempt) is replaced, on SQLite,
// PostgreSQL and MySQL.
func TestWriteAllManyRows(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, d)
			s := store{dialect: d, db: db.DB}
			if err := s.create(ctx); err != nil {
				t.Fatal(err)
			}
			failed := &migrate.Revision{Version: "00000", Description: "x", Type: migrate.RevisionTypeExecute, Total: 1, Error: "boom", ExecutedAt: time.Now()}
			if err := s.insert(ctx, "p", failed); err != nil {
				t.Fatal(err)
			}
			var revs []Revision
			for i := range 1201 {
				revs = append(revs, Revision{Branch: "p", Revision: &migrate.Revision{
					Version: fmt.Sprintf("%05d", i), Description: "x", Type: migrate.RevisionTypeExecute,
					Applied: 1, Total: 1, Hash: "h", ExecutedAt: time.Now(),
				}})
			}
			if err := s.writeAll(ctx, revs); err != nil {
				t.Fatal(err)
			}
			got, err := s.read(ctx, "p")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1201 {
				t.Fatalf("%d rows, want 1201", len(got))
			}
			if got[0].Version != "00000" || got[0].Error != "" || got[0].Applied != 1 {
				t.Fatalf("the failed attempt's row was not replaced: %+v", got[0])
			}
		})
	}
}
