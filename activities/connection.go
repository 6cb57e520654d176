package activities

import (
	"context"
	"errors"

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

// QBOCompanies is how the activities reach an account's QBO company: a client from the
// connection store, with the options every call shares (base URL, cross-process
// limiter, logger).
type QBOCompanies struct {
	Connections Connections
	Options     qbo.Options
}

// options is what every client shares. A limiter that watches QBO's answers as well
// (qbo.DBLimiter pauses a realm's requests after a 429) is told of each one, beside the
// observer configured.
func (q *QBOCompanies) options() qbo.Options {
	opts := q.Options
	if watcher, ok := opts.Limiter.(qbo.Observer); ok {
		opts.Observer = observers{opts.Observer, watcher}
	}
	return opts
}

// observers tells each of several observers of every request.
type observers []qbo.Observer

func (os observers) ObserveQBORequest(realmID, kind string, status int) {
	for _, o := range os {
		if o != nil {
			o.ObserveQBORequest(realmID, kind, status)
		}
	}
}

// company opens the account's QBO client and says what the connection knows of the
// company; without a connection to use it fails with the application error the
// workflows branch on (NotConnected, NeedsReconnect).
func (a *Activities) company(ctx context.Context, accountID int64) (*qbo.Client, workflows.ConnectionInfo, error) {
	cl, conn, err := a.QBO.Connections.Client(ctx, accountID, a.QBO.options())
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
