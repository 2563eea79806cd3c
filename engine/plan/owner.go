package plan

import (
	"fmt"
	"strings"

	"ariga.io/atlas/sql/schema"

	"github.com/plugmig/plugmig/engine/plugin"
)

// checkOwnership refuses a pending change to a table the branch does not
// own. created says which branch's history created each existing table.
func (p *Project) checkOwnership(pd *Pending, created map[string]string) error {
	var problems []string
	for _, c := range pd.Changes {
		verb, table := describe(c)
		owner := p.OwnerOf(table, created)
		if table != "" && owner == pd.Branch {
			continue
		}
		problems = append(problems, fmt.Sprintf("  %s %s, %s", verb, quote(table), p.remedy(pd.Branch, owner, table, direction([]schema.Change{c}))))
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: branch %q (%s) would change what it does not own; nothing was written:\n%s",
		ErrNotOwned, pd.Branch, pd.Dialect, strings.Join(problems, "\n"))
}

// OwnerOf returns who owns a named object: the owner ent declares it in;
// else the plugin that claims it as a legacy name, or core or the
// registered plugin its "<owner>__" prefix names (plugin.Registry's
// OwnerByName); else the branch whose history created it (created maps
// names to branches; it may be nil). "" means no branch owns it.
func (p *Project) OwnerOf(name string, created map[string]string) string {
	if o := p.Composer.Owner(name); o != "" {
		return o
	}
	if o := p.Composer.Plugins().OwnerByName(name); o != "" {
		return o
	}
	return created[name]
}

// remedy says what to do about a change the branch would make to a table
// it does not own; dir is the change's direction (see direction). When
// the owner's migrations are ahead of its ent schema (a hand-written file
// created what the schema lacks), a diff of the owner would drop it: the
// fix is the owner's ent schema, not a diff.
func (p *Project) remedy(branch, owner, table, dir string) string {
	who := "core"
	if owner != plugin.Core {
		who = fmt.Sprintf("plugin %q", owner)
	}
	if table != "" && owner != "" && owner != branch && branch != plugin.Core {
		switch dir {
		case MigrationsAhead:
			return fmt.Sprintf("owned by %s, whose migrations are ahead of its ent schema: they create what the schema lacks (branch %s's own PL303 says so too); add it to %s's ent schema and run go generate ./... (a diff of branch %s would drop it)", who, owner, owner, owner)
		case BothWays:
			return fmt.Sprintf("owned by %s, whose ent schema and migrations differ: fix branch %s first (its own PL303 says which way)", who, owner)
		}
	}
	switch {
	case table == "":
		return "which no branch owns: report this as a bug with the branch's schema"
	case owner == "":
		return "which no branch declares or created: if a hand-written migration created it, rename it with the branch's prefix"
	case branch == plugin.Core:
		return fmt.Sprintf("owned by plugin %q: core's history must not hold plugin tables; move that migration to the plugin's folder", owner)
	case owner == plugin.Core:
		return "owned by core: core's ent schema changed but its migration was not generated; run go run ./cmd diff --branch core --name <description> first (or change the plugin's edge if it put a column into a core table)"
	}
	return fmt.Sprintf("owned by plugin %q: run go run ./cmd diff --branch %s --name <description> first (a plugin never changes another plugin's tables)", owner, owner)
}

// describe names what a change does and the table it does it to.
func describe(c schema.Change) (verb, table string) {
	switch c := c.(type) {
	case *schema.AddTable:
		return "create table", c.T.Name
	case *schema.DropTable:
		return "drop table", c.T.Name
	case *schema.ModifyTable:
		var parts []string
		for _, tc := range c.Changes {
			parts = append(parts, describeTableChange(tc))
		}
		return "alter table (" + strings.Join(parts, ", ") + ")", c.T.Name
	case *schema.RenameTable:
		return "rename table to " + quote(c.To.Name), c.From.Name
	}
	return fmt.Sprintf("change %T", c), ""
}

func describeTableChange(c schema.Change) string {
	switch c := c.(type) {
	case *schema.AddColumn:
		return "add column " + quote(c.C.Name)
	case *schema.DropColumn:
		return "drop column " + quote(c.C.Name)
	case *schema.ModifyColumn:
		return "modify column " + quote(c.To.Name)
	case *schema.RenameColumn:
		return "rename column " + quote(c.From.Name)
	case *schema.AddIndex:
		return "add index " + quote(c.I.Name)
	case *schema.DropIndex:
		return "drop index " + quote(c.I.Name)
	case *schema.ModifyIndex:
		return "modify index " + quote(c.To.Name)
	case *schema.RenameIndex:
		return "rename index " + quote(c.From.Name)
	case *schema.AddForeignKey:
		return "add foreign key " + quote(c.F.Symbol)
	case *schema.DropForeignKey:
		return "drop foreign key " + quote(c.F.Symbol)
	case *schema.ModifyForeignKey:
		return "modify foreign key " + quote(c.To.Symbol)
	case *schema.AddPrimaryKey, *schema.DropPrimaryKey, *schema.ModifyPrimaryKey:
		return "change primary key"
	}
	return fmt.Sprintf("%T", c)
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
