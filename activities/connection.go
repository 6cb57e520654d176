package activities

import (
	"context"
	"errors"
	"strings"

	"hoursync/internal/intuit"
	"hoursync/internal/qbo"
	"hoursync/workflows"
)

// Connections is what the activities need of the connection store (intuit.Connections).
type Connections interface {
	Client(ctx context.Context, accountID int64, opts qbo.Options) (*qbo.Client, intuit.Connection, error)
	Refresh(ctx context.Context, accountID int64) error
	Disconnect(ctx context.Context, accountID int64) error
	UpdatePlan(ctx context.Context, accountID int64, plan qbo.Plan) error
}

// QBOCompanies opens an account's QBO company through the connection store, with the
// client options every call shares (base URL, cross-process limiter, logger).
type QBOCompanies struct {
	Connections Connections
	Options     qbo.Options
}

// company opens the account's QBO client and says what the connection knows of the
// company; without a connection to use it fails with the application error the
// workflows branch on (NotConnected, NeedsReconnect).
func (a *Activities) company(ctx context.Context, accountID int64) (*qbo.Client, workflows.ConnectionInfo, error) {
	cl, conn, err := a.QBO.Connections.Client(ctx, accountID, a.QBO.Options)
	info := workflows.ConnectionInfo{AccountID: accountID, RealmID: conn.RealmID, CompanyName: conn.CompanyName,
		Plan: conn.Plan.Name, CanSyncTime: conn.Plan.CanSyncTime()}
	if err != nil {
		return nil, info, qboError(subject{what: "QuickBooks connection"}, err)
	}
	return cl, info, nil
}

// RefreshTokens refreshes the connection's tokens now.
func (a *Activities) RefreshTokens(ctx context.Context, in workflows.AccountInput) (string, error) {
	if err := a.QBO.Connections.Refresh(ctx, in.AccountID); err != nil {
		return "", qboError(subject{what: "QuickBooks connection"}, err)
	}
	return "QuickBooks tokens refreshed", nil
}

// DisconnectQBO revokes the grant at Intuit and deletes the tokens; links stay.
func (a *Activities) DisconnectQBO(ctx context.Context, in workflows.AccountInput) error {
	err := a.QBO.Connections.Disconnect(ctx, in.AccountID)
	if errors.Is(err, intuit.ErrNotConnected) {
		return nil // already disconnected: nothing left to do
	}
	return qboError(subject{what: "QuickBooks connection"}, err)
}

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
