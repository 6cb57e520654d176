package store

import (
	"context"
	"database/sql"
	"fmt"
)

// InactiveError reports a write naming a customer or service that is inactive. QBO
// refuses a TimeActivity or an invoice line naming an inactive one, so Hoursync
// refuses it when it is recorded instead of letting its sync fail later.
type InactiveError struct {
	// Field is the request's field: customer_id or service_id.
	Field string
	// ObjectType is ObjectCustomer or ObjectService.
	ObjectType string
	// Name is the customer's display name or the service's name.
	Name string
	// InQuickBooks says the object came from (or went to) QBO, so it is made active
	// again there; otherwise only in Hoursync.
	InQuickBooks bool
}

func (e *InactiveError) Error() string {
	return fmt.Sprintf("inactive %s %q (%s)", e.ObjectType, e.Name, e.Field)
}

// cardReferences is what cardReferenceError reads of a card's customer and service.
type cardReferences struct {
	ServiceActive  sql.NullBool `db:"service_active"`
	ServiceName    string       `db:"service_name"`
	ServiceLinked  bool         `db:"service_linked"`
	CustomerActive sql.NullBool `db:"customer_active"`
	CustomerName   string       `db:"customer_name"`
	CustomerLinked bool         `db:"customer_linked"`
}

// cardReferenceError says why a card's write matched no row: an unknown service or
// customer (a *ReferenceError), or an inactive one (an *InactiveError). It runs only
// after a write was refused, so the writes themselves stay one statement. It returns
// nil when nothing is wrong any more (the reference changed meanwhile).
func cardReferenceError(ctx context.Context, q queryer, accountID, customerID, serviceID int64) error {
	return referenceError(ctx, q, accountID, &customerID, &serviceID)
}

// referenceError is cardReferenceError of the references named (nil: not checked), as
// a change of some fields of many cards names them.
func referenceError(ctx context.Context, q queryer, accountID int64, customerID, serviceID *int64) error {
	if customerID == nil && serviceID == nil {
		return nil
	}
	var r cardReferences
	err := q.GetContext(ctx, &r, `SELECT s.active AS service_active, COALESCE(s.name, '') AS service_name,
		EXISTS (SELECT 1 FROM qbo_links l WHERE l.account_id = $1 AND l.object_type = 'service' AND l.object_id = $3
			AND NOT l.qbo_deleted) AS service_linked,
		k.active AS customer_active, COALESCE(k.display_name, '') AS customer_name,
		EXISTS (SELECT 1 FROM qbo_links l WHERE l.account_id = $1 AND l.object_type = 'customer' AND l.object_id = $2
			AND NOT l.qbo_deleted) AS customer_linked
		FROM (SELECT 1) one
		LEFT JOIN services s ON s.account_id = $1 AND s.id = $3
		LEFT JOIN customers k ON k.account_id = $1 AND k.id = $2`, accountID, customerID, serviceID)
	if err != nil {
		return fmt.Errorf("store: check time card references: %w", mapError(err))
	}
	service, customer := serviceID != nil, customerID != nil
	switch {
	case service && !r.ServiceActive.Valid:
		return &ReferenceError{Field: "service_id", Constraint: "time_cards_account_id_service_id_fkey"}
	case customer && !r.CustomerActive.Valid:
		return &ReferenceError{Field: "customer_id", Constraint: "time_cards_account_id_customer_id_fkey"}
	case customer && !r.CustomerActive.Bool:
		return &InactiveError{Field: "customer_id", ObjectType: ObjectCustomer, Name: r.CustomerName, InQuickBooks: r.CustomerLinked}
	case service && !r.ServiceActive.Bool:
		return &InactiveError{Field: "service_id", ObjectType: ObjectService, Name: r.ServiceName, InQuickBooks: r.ServiceLinked}
	}
	return nil
}

// InQuickBooks reports whether an object is linked (in any realm) to a QBO object that
// Hoursync has not deleted or voided there: a void of such an invoice still has to reach
// QBO, and an inactive customer or service of this kind is made active again in
// QuickBooks, not here.
func (s *Store) InQuickBooks(ctx context.Context, accountID int64, objectType string, id int64) (bool, error) {
	var linked bool
	err := s.db.GetContext(ctx, &linked, `SELECT EXISTS (SELECT 1 FROM qbo_links
		WHERE account_id = $1 AND object_type = $2 AND object_id = $3 AND NOT qbo_deleted)`, accountID, objectType, id)
	if err != nil {
		return false, fmt.Errorf("store: in quickbooks: %w", mapError(err))
	}
	return linked, nil
}
