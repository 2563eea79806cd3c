package plan

import (
	"fmt"

	"ariga.io/atlas/sql/schema"
)

// Which way a branch's migrations and its ent schema differ.
const (
	SchemaAhead     = "schema ahead"     // the ent schema has what the migrations do not create yet
	MigrationsAhead = "migrations ahead" // the migrations create what the ent schema lacks
	BothWays        = "both ways"        // some of each, or a change of something both have
)

// Direction says which way the branch's migrations and its ent schema
// differ ("" when in sync). A diff writes what the ent schema has, so when
// the migrations are ahead (a hand-written file created something the
// schema lacks) it would write a DROP.
func (pd *Pending) Direction() string {
	return direction(pd.Changes)
}

// direction says which way changes (from the replayed history to the ent
// schema) go: SchemaAhead when they only add, MigrationsAhead when they
// only drop, BothWays otherwise, "" for none.
func direction(changes []schema.Change) string {
	adds, drops, other := 0, 0, 0
	count := func(c schema.Change) {
		switch c.(type) {
		case *schema.AddTable, *schema.AddColumn, *schema.AddIndex, *schema.AddForeignKey, *schema.AddCheck:
			adds++
		case *schema.DropTable, *schema.DropColumn, *schema.DropIndex, *schema.DropForeignKey, *schema.DropCheck:
			drops++
		default:
			other++
		}
	}
	for _, c := range changes {
		if m, ok := c.(*schema.ModifyTable); ok {
			for _, tc := range m.Changes {
				count(tc)
			}
			continue
		}
		count(c)
	}
	switch {
	case adds+drops+other == 0:
		return ""
	case drops == 0 && other == 0:
		return SchemaAhead
	case adds == 0 && other == 0:
		return MigrationsAhead
	}
	return BothWays
}

// Explain is the message for a branch out of sync: which way, what differs
// and the one thing to do.
func (pd *Pending) Explain() string {
	diff := fmt.Sprintf("go run ./cmd diff --branch %s --name <description>", pd.Branch)
	switch pd.Direction() {
	case SchemaAhead:
		return fmt.Sprintf("the ent schema is ahead of the migrations (a diff would %s): run %s", pd.Summary(), diff)
	case MigrationsAhead:
		return fmt.Sprintf("the migrations are ahead of the ent schema: they create what the schema lacks (a diff would %s, dropping it): add it to the ent schema and run go generate ./...", pd.Summary())
	case BothWays:
		return fmt.Sprintf("the ent schema and the migrations differ (a diff would %s): where the migrations are right, change the ent schema and run go generate ./...; then run %s for the rest", pd.Summary(), diff)
	}
	return "the migrations match the ent schema"
}
