package activities

import (
	"context"
	"strings"

	"hoursync/internal/qbo"
)

// Small helpers over internal/qbo's generic calls: the activities build and read
// internal/qbo's entities themselves, with no model of their own in between.

// everyRow runs q over active rows, then inactive ones (QBO hides inactive names-list
// rows unless asked), handing fn pages of up to 1000.
func everyRow[T qbo.Entity](ctx context.Context, c *qbo.Client, q qbo.Query, fn func([]T) error) error {
	for _, query := range []qbo.Query{q, q.Where("Active", qbo.Eq, false)} {
		page := make([]T, 0, qbo.MaxPageSize)
		for row, err := range qbo.All[T](ctx, c, query.OrderBy("Id", false), qbo.MaxPageSize) {
			if err != nil {
				return err
			}
			page = append(page, row)
			if len(page) == qbo.MaxPageSize {
				if err := fn(page); err != nil {
					return err
				}
				page = page[:0]
			}
		}
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return err
			}
		}
	}
	return nil
}

// allRows lists every row of q, active and inactive.
func allRows[T qbo.Entity](ctx context.Context, c *qbo.Client, q qbo.Query) ([]T, error) {
	var out []T
	err := everyRow(ctx, c, q, func(page []T) error {
		out = append(out, page...)
		return nil
	})
	return out, err
}

// findByName looks a names-list object up by name (field DisplayName or Name) among
// active and inactive rows.
func findByName[T qbo.Entity](ctx context.Context, c *qbo.Client, field, name string) (T, bool, error) {
	var zero T
	base := qbo.From[T]().Where(field, qbo.Eq, strings.TrimSpace(name))
	for _, query := range []qbo.Query{base, base.Where("Active", qbo.Eq, false)} {
		rows, err := qbo.QueryPage[T](ctx, c, query)
		if err != nil {
			return zero, false, err
		}
		if len(rows) > 0 {
			return rows[0], true, nil
		}
	}
	return zero, false, nil
}

// ref points at a QBO object, or at none for "".
func ref(id string) *qbo.Ref {
	if id == "" {
		return nil
	}
	return &qbo.Ref{Value: id}
}

func boolp(b bool) *bool { return &b }

func email(addr string) *qbo.EmailAddress {
	if addr == "" {
		return nil
	}
	return &qbo.EmailAddress{Address: addr}
}
