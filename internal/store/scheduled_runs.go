package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ScheduledRun is the latest run of one of an account's scheduled jobs.
type ScheduledRun struct {
	AccountID int64        `db:"account_id" json:"-"`
	Kind      string       `db:"kind" json:"kind"`
	OK        bool         `db:"ok" json:"ok"`
	Message   string       `db:"message" json:"message"`
	RanAt     time.Time    `db:"ran_at" json:"ran_at"`
	LastOKAt  sql.NullTime `db:"last_ok_at" json:"-"`
}

// RecordScheduledRun stores how a scheduled job of the account ended and counts it
// (hoursync_scheduled_runs_total).
func (s *Store) RecordScheduledRun(ctx context.Context, accountID int64, kind string, ok bool, message string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO scheduled_runs (account_id, kind, ok, message, ran_at, last_ok_at)
		VALUES ($1, $2, $3, $4, now(), CASE WHEN $3 THEN now() END)
		ON CONFLICT (account_id, kind) DO UPDATE SET ok = EXCLUDED.ok, message = EXCLUDED.message, ran_at = now(),
		last_ok_at = COALESCE(EXCLUDED.last_ok_at, scheduled_runs.last_ok_at)`, accountID, kind, ok, message)
	if err != nil {
		return fmt.Errorf("store: record scheduled run: %w", mapError(err))
	}
	outcome := "succeeded"
	if !ok {
		outcome = "failed"
	}
	s.counters.countScheduled(kind, outcome)
	return nil
}

// ListScheduledRuns lists the latest run of each of the account's scheduled jobs.
func (s *Store) ListScheduledRuns(ctx context.Context, accountID int64) ([]ScheduledRun, error) {
	var out []ScheduledRun
	if err := s.db.SelectContext(ctx, &out, `SELECT account_id, kind, ok, message, ran_at, last_ok_at FROM scheduled_runs
		WHERE account_id = $1 ORDER BY kind`, accountID); err != nil {
		return nil, fmt.Errorf("store: list scheduled runs: %w", mapError(err))
	}
	return out, nil
}
