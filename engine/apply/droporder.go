package apply

import (
	"fmt"
	"slices"
	"strings"

	"ariga.io/atlas/sql/schema"
)

// dropOrder returns the tables named with prefix in an order they can be
// dropped: a table before the tables it references. A table of another
// owner that references one of them makes it refuse.
func dropOrder(tables []*schema.Table, prefix string) ([]string, error) {
	mine := map[string]*schema.Table{}
	for _, t := range tables {
		if strings.HasPrefix(t.Name, prefix) {
			mine[t.Name] = t
		}
	}
	for _, t := range tables {
		if mine[t.Name] != nil {
			continue
		}
		for _, fk := range t.ForeignKeys {
			if fk.RefTable != nil && mine[fk.RefTable.Name] != nil {
				return nil, fmt.Errorf("table %q references %q: it is not %s..., so removing the plugin would break it; drop that reference first", t.Name, fk.RefTable.Name, prefix)
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
