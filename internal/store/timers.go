package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Timer is a person's running timer. A person has at most one (timers' unique key on
// account and user); stopping it records a time card and deletes the timer in one
// transaction, so a timer stopped on two devices at once makes one card.
type Timer struct {
	ID         int64     `db:"id"`
	AccountID  int64     `db:"account_id"`
	UserID     int64     `db:"user_id"`
	CustomerID int64     `db:"customer_id"`
	ServiceID  int64     `db:"service_id"`
	Notes      string    `db:"notes"`
	Billable   bool      `db:"billable"`
	StartedAt  time.Time `db:"started_at"`
	CreatedAt  time.Time `db:"created_at"`
	// CustomerName and ServiceName name the timer's work ("Acme — Design").
	CustomerName string `db:"customer_name"`
	ServiceName  string `db:"service_name"`
}

// TimerInput is a timer to start.
type TimerInput struct {
	UserID     int64
	CustomerID int64
	ServiceID  int64
	Notes      string
	Billable   bool
	StartedAt  time.Time
}

// TimerRunningError refuses a second timer for a person: Running is the one that runs.
// errors.Is(err, ErrConflict) holds.
type TimerRunningError struct {
	Running Timer
}

func (e *TimerRunningError) Error() string {
	return fmt.Sprintf("a timer is already running for %s — %s", e.Running.CustomerName, e.Running.ServiceName)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *TimerRunningError) Is(target error) bool { return target == ErrConflict }

// timerSelect reads a timer t with the names of its customer and service.
const timerSelect = timerColumns + ` FROM timers t ` + timerJoins

// timerColumns and timerJoins read a timer t (the table, or a statement's rows named
// t) with the names of its customer and service.
const (
	timerColumns = `SELECT t.id, t.account_id, t.user_id, t.customer_id, t.service_id, t.notes, t.billable, t.started_at, t.created_at,
	c.display_name AS customer_name, s.name AS service_name`
	timerJoins = `JOIN customers c ON c.account_id = t.account_id AND c.id = t.customer_id
	JOIN services s ON s.account_id = t.account_id AND s.id = t.service_id`
)

// startTimerSQL starts a timer when its customer and service are active and the person
// has none running; otherwise no row comes back (an unknown user breaks a foreign key).
const startTimerSQL = `WITH ok AS (SELECT 1 FROM services WHERE account_id = $1 AND id = $4 AND active
			AND EXISTS (SELECT 1 FROM customers WHERE account_id = $1 AND id = $3 AND active)),
		t AS (INSERT INTO timers (account_id, user_id, customer_id, service_id, notes, billable, started_at)
			SELECT $1, $2, $3, $4, $5, $6, $7 FROM ok
			ON CONFLICT (account_id, user_id) DO NOTHING
			RETURNING *)
	` + timerColumns + ` FROM t ` + timerJoins

// timerFields maps the timers table's foreign keys to the fields a person would fix.
var timerFields = map[string]string{
	"timers_account_id_user_id_fkey":     "user_id",
	"timers_account_id_customer_id_fkey": "customer_id",
	"timers_account_id_service_id_fkey":  "service_id",
}

// timerError maps a PostgreSQL error of the timers table to the package's errors.
func timerError(err error) error {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23503" {
		if field, ok := timerFields[pqErr.Constraint]; ok {
			return &ReferenceError{Field: field, Constraint: pqErr.Constraint}
		}
	}
	return mapError(err)
}

// GetTimer is the person's running timer; ErrNotFound when none runs.
func (s *Store) GetTimer(ctx context.Context, accountID, userID int64) (Timer, error) {
	t, err := getTimer(ctx, s.db, accountID, userID)
	if err != nil {
		return Timer{}, fmt.Errorf("store: get timer: %w", err)
	}
	return t, nil
}

func getTimer(ctx context.Context, q queryer, accountID, userID int64) (Timer, error) {
	var t Timer
	err := q.GetContext(ctx, &t, timerSelect+` WHERE t.account_id = $1 AND t.user_id = $2`, accountID, userID)
	return t, mapError(err)
}

// StartTimer starts the person's timer. A timer already running is a
// *TimerRunningError naming it; an unknown customer or service of the account a
// *ReferenceError, an inactive one an *InactiveError, each naming the field.
func (s *Store) StartTimer(ctx context.Context, accountID int64, in TimerInput) (Timer, error) {
	t, err := startTimer(ctx, s.db, accountID, in)
	if err != nil {
		return Timer{}, fmt.Errorf("store: start timer: %w", err)
	}
	return t, nil
}

func startTimer(ctx context.Context, q queryer, accountID int64, in TimerInput) (Timer, error) {
	var t Timer
	err := q.GetContext(ctx, &t, startTimerSQL, accountID, in.UserID, in.CustomerID, in.ServiceID, in.Notes, in.Billable, in.StartedAt)
	if err == nil {
		return t, nil
	}
	if err = timerError(err); !errors.Is(err, ErrNotFound) {
		return Timer{}, err
	}
	// No row: a timer runs already, or the customer or service is unknown or inactive.
	running, err := getTimer(ctx, q, accountID, in.UserID)
	switch {
	case err == nil:
		return Timer{}, &TimerRunningError{Running: running}
	case !errors.Is(err, ErrNotFound):
		return Timer{}, err
	}
	if err := cardReferenceError(ctx, q, accountID, in.CustomerID, in.ServiceID); err != nil {
		return Timer{}, err
	}
	// The timer that ran was stopped, or the customer or service made active again,
	// between the insert and the look: nothing was written, so say so.
	return Timer{}, &ConflictError{Reason: "the timer, customer or service changed while the timer was started; try again"}
}

// StopTimer records card, the time of timer timerID, and deletes the timer, in one
// transaction. ErrNotFound means the timer is gone (stopped or discarded elsewhere,
// perhaps on another device a moment ago): no card is written. The card is checked as
// CreateTimeCard checks it (the same statement).
func (s *Store) StopTimer(ctx context.Context, accountID, timerID int64, card TimeCardInput) (TimeCard, error) {
	var tc TimeCard
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if err = deleteTimer(ctx, tx, accountID, timerID); err != nil {
			return err
		}
		tc, err = insertCard(ctx, tx, accountID, card)
		return err
	})
	if err != nil {
		return TimeCard{}, fmt.Errorf("store: stop timer: %w", err)
	}
	return tc, nil
}

// SwitchTimer stops timer timerID, recording card, and starts next, in one
// transaction: either both happen or neither does. ErrNotFound means the timer that
// ran is gone (stopped elsewhere meanwhile).
func (s *Store) SwitchTimer(ctx context.Context, accountID, timerID int64, card TimeCardInput, next TimerInput) (TimeCard, Timer, error) {
	var (
		tc TimeCard
		t  Timer
	)
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if err = deleteTimer(ctx, tx, accountID, timerID); err != nil {
			return err
		}
		if tc, err = insertCard(ctx, tx, accountID, card); err != nil {
			return err
		}
		t, err = startTimer(ctx, tx, accountID, next)
		return err
	})
	if err != nil {
		return TimeCard{}, Timer{}, fmt.Errorf("store: switch timer: %w", err)
	}
	return tc, t, nil
}

// DiscardTimer deletes the person's running timer without recording anything; a
// timerID other than 0 deletes it only if it is still that timer, so a discard
// pressed on an old page never throws away a timer started since. ErrNotFound when
// there is no such timer.
func (s *Store) DiscardTimer(ctx context.Context, accountID, userID, timerID int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM timers WHERE account_id = $1 AND user_id = $2 AND ($3::bigint = 0 OR id = $3::bigint)`,
		accountID, userID, timerID)
	if err != nil {
		return fmt.Errorf("store: discard timer: %w", mapError(err))
	}
	return expectOne(res, "store: discard timer")
}

// deleteTimer deletes a timer inside a transaction. A second stop of the same timer
// waits here for the first to commit and then finds nothing, which is what keeps two
// devices from recording it twice.
func deleteTimer(ctx context.Context, tx *sqlx.Tx, accountID, timerID int64) error {
	var id int64
	err := tx.GetContext(ctx, &id, `DELETE FROM timers WHERE account_id = $1 AND id = $2 RETURNING id`, accountID, timerID)
	return mapError(err)
}
