package apply

import (
	"fmt"
	"slices"

	"ariga.io/atlas/sql/schema"
)

// dropOrder returns those of the tables named in drop that exist, in an
// order they can be dropped: a table before the tables it references. A
// table not in drop that references one of them makes it refuse.
func dropOrder(tables []*schema.Table, drop []string) ([]string, error) {
	mine := map[string]*schema.Table{}
	for _, t := range tables {
		if slices.Contains(drop, t.Name) {
			mine[t.Name] = t
		}
	}
	for _, t := range tables {
		if mine[t.Name] != nil {
			continue
		}
		for _, fk := range t.ForeignKeys {
			if fk.RefTable != nil && mine[fk.RefTable.Name] != nil {
				return nil, fmt.Errorf("table %q references %q: it is not the plugin's, so removing the plugin would break it; drop that reference first (nothing was dropped)", t.Name, fk.RefTable.Name)
			}
		}
	}
	var order []string
	for len(mine) > 0 {
		var free []string
		for name := range mine {
			referenced := false
			for other, t := range mine {
				if other == name {
					continue
				}
				for _, fk := range t.ForeignKeys {
					if fk.RefTable != nil && fk.RefTable.Name == name {
						referenced = true
					}
				}
			}
			if !referenced {
				free = append(free, name)
			}
		}
		if len(free) == 0 {
			// A cycle: drop in name order; the database reports what it refuses.
			for name := range mine {
				free = append(free, name)
			}
		}
		slices.Sort(free)
		for _, n := range free {
			order = append(order, n)
			delete(mine, n)
		}
	}
	return order, nil
}
