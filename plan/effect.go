package plan

import (
	"context"
	"fmt"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/devdb"
)

// CheckFile replays the branch's history for the dialect on dev (reset
// first), executes file on top of it and refuses the file if what it
// changed — compared by inspecting the database before and after — touches
// a table the branch does not own.
func (p *Project) CheckFile(ctx context.Context, dev *devdb.DB, branch string, file migrate.File) error {
	b, err := p.Composer.Branch(branch)
	if err != nil {
		return err
	}
	if err := dev.Reset(ctx); err != nil {
		return err
	}
	created, err := p.replay(ctx, dev, b.Owners)
	if err != nil {
		return fmt.Errorf("branch %q (%s): %w", branch, dev.Dialect, err)
	}
	before, err := dev.Driver.InspectSchema(ctx, "", nil)
	if err != nil {
		return err
	}
	stmts, err := file.Stmts()
	if err != nil {
		return fmt.Errorf("%s: %w", file.Name(), err)
	}
	for _, st := range stmts {
		if _, err := dev.Driver.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("branch %q (%s): %s: statement %q: %w", branch, dev.Dialect, file.Name(), st, err)
		}
	}
	after, err := dev.Driver.InspectSchema(ctx, "", nil)
	if err != nil {
		return err
	}
	changes, err := dev.Driver.SchemaDiff(before, after)
	if err != nil {
		return err
	}
	return p.checkOwnership(&Pending{Branch: branch, Dialect: dev.Dialect, Changes: changes}, created)
}
