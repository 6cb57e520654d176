package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OutboxMail is one e-mail Hoursync sent. Without SMTP (development) this table is
// where mail lands, and the UI shows it.
type OutboxMail struct {
	ID        int64         `db:"id" json:"id"`
	AccountID sql.NullInt64 `db:"account_id" json:"-"`
	To        string        `db:"to_addr" json:"to"`
	Subject   string        `db:"subject" json:"subject"`
	Body      string        `db:"body" json:"body"`
	CreatedAt time.Time     `db:"created_at" json:"created_at"`
	SentAt    sql.NullTime  `db:"sent_at" json:"-"`
	Error     string        `db:"error" json:"error"`
}

const outboxColumns = `id, account_id, to_addr, subject, body, created_at, sent_at, error`

// AddOutboxMail records a mail; accountID 0 means it belongs to no account.
func (s *Store) AddOutboxMail(ctx context.Context, accountID int64, to, subject, body string) (OutboxMail, error) {
	var m OutboxMail
	acct := sql.NullInt64{Int64: accountID, Valid: accountID != 0}
	err := s.db.GetContext(ctx, &m, `INSERT INTO outbox_mail (account_id, to_addr, subject, body)
		VALUES ($1, $2, $3, $4) RETURNING `+outboxColumns, acct, to, subject, body)
	if err != nil {
		return OutboxMail{}, fmt.Errorf("store: add outbox mail: %w", mapError(err))
	}
	return m, nil
}

// MarkOutboxMailSent records the outcome of delivering a mail over SMTP.
func (s *Store) MarkOutboxMailSent(ctx context.Context, id int64, deliveryErr string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE outbox_mail SET sent_at = CASE WHEN $2 = '' THEN now() END, error = $2 WHERE id = $1`, id, deliveryErr)
	if err != nil {
		return fmt.Errorf("store: mark outbox mail sent: %w", mapError(err))
	}
	return nil
}

// ListOutboxMail lists the account's mail, newest first.
func (s *Store) ListOutboxMail(ctx context.Context, accountID int64, p Page) ([]OutboxMail, error) {
	out := []OutboxMail{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+outboxColumns+` FROM outbox_mail WHERE account_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, accountID, p.limit(), p.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: list outbox mail: %w", mapError(err))
	}
	return out, nil
}

// ListOutboxMailTo lists the mail sent to an address, newest first (the dev outbox
// shows a signed-out person their reset link).
func (s *Store) ListOutboxMailTo(ctx context.Context, to string, p Page) ([]OutboxMail, error) {
	out := []OutboxMail{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+outboxColumns+` FROM outbox_mail WHERE lower(to_addr) = lower(btrim($1))
		ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, to, p.limit(), p.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: list outbox mail: %w", mapError(err))
	}
	return out, nil
}
