package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Reports: the time of a date range summed by customer, service, person, date or week,
// with the weekly series of its chart, in one GROUP BY query; and the range's cards
// one by one for the detail export. A card's billable amount is its minutes × rate
// rounded half up to the cent once, per card, as the timesheet and the detail export
// show it, so every total is the exact sum of the amounts of its cards.

// Report groupings.
const (
	GroupByCustomer = "customer"
	GroupByService  = "service"
	GroupByPerson   = "person"
	GroupByDate     = "date"
	GroupByWeek     = "week"
)

// ReportGroupings are the groupings a report can have, in the order a form offers them.
var ReportGroupings = []string{GroupByCustomer, GroupByService, GroupByPerson, GroupByDate, GroupByWeek}

// ReportFilter selects the cards a report sums. From and To are inclusive work dates
// (dates in the account's time zone); zero ids do not narrow.
type ReportFilter struct {
	From, To                      time.Time
	UserID, CustomerID, ServiceID int64
	// Billable and Synced narrow to billable or non-billable time, and to time whose
	// QuickBooks state is "synced" or any other; nil does not narrow.
	Billable, Synced *bool
	// WeekStart is the account's first day of the week (0 is Sunday): weeks, in the
	// series and the week grouping, start on it.
	WeekStart int
}

// ReportFigures are the sums of a set of cards.
type ReportFigures struct {
	Entries         int64 `db:"entries"`
	Minutes         int64 `db:"minutes"`
	BillableMinutes int64 `db:"billable_minutes"`
	// BillableCents is the sum of each billable card's amount (minutes × rate rounded
	// half up to the cent).
	BillableCents int64 `db:"billable_cents"`
	// Unbilled is the billable time on no invoice: work in progress.
	UnbilledMinutes int64 `db:"unbilled_minutes"`
	UnbilledCents   int64 `db:"unbilled_cents"`
	// Synced is the time whose QuickBooks state is "synced"; the rest is not (never
	// synced, changed since, syncing or failed).
	SyncedEntries int64 `db:"synced_entries"`
	SyncedMinutes int64 `db:"synced_minutes"`
}

// NonBillableMinutes is the time that is not billable.
func (f ReportFigures) NonBillableMinutes() int64 { return f.Minutes - f.BillableMinutes }

// ReportGroup is one row of a report: a customer, service or person (ID and Name), or
// a date or the first day of a week (Date).
type ReportGroup struct {
	ID   int64
	Name string
	Date time.Time
	ReportFigures
}

// ReportWeek is one week of the chart's series; Start is its first day, which may lie
// before the range's first day.
type ReportWeek struct {
	Start time.Time
	ReportFigures
}

// Report is the sums of a range: in total, by the grouping, and per week (only the
// weeks with time; the caller fills the gaps).
type Report struct {
	Totals ReportFigures
	Groups []ReportGroup
	Weeks  []ReportWeek
}

// reportFilterSQL is the WHERE clause of f for the account, over time_cards t and its
// sync state ss, and its arguments ($1 the account).
func reportFilterSQL(accountID int64, f ReportFilter) (string, []any) {
	c := conds{where: []string{"t.account_id = $1", "t.deleted_at IS NULL", "t.work_date BETWEEN $2 AND $3"},
		args: []any{accountID, f.From.Format(time.DateOnly), f.To.Format(time.DateOnly)}}
	c.cards(f.UserID, f.CustomerID, f.ServiceID, f.Billable)
	if f.Synced != nil {
		c.add("(ss.status IS NOT DISTINCT FROM 'synced') = ?", *f.Synced)
	}
	return c.sql(), c.args
}

// weekOfSQL is the first day of the week of the date column day, weeks starting on
// the day the parameter :week names (0 is Sunday): days counted from Sunday 4 January
// 1970, in integers (EXTRACT answers numerics, slower over a year of cards).
func weekOfSQL(day string) string {
	return `(` + day + ` - ((` + day + ` - DATE '1970-01-04' - :week::int + 7) % 7))`
}

// reportGroupings are each grouping's keys: over the cards t, an id and the day the
// cards are first summed by (the work date, or for all but the date grouping its
// week's first day: fewer rows); over those sums d, the group's date; and the join
// that names an id of the result g.
var reportGroupings = map[string]struct{ id, day, date, name, join string }{
	GroupByCustomer: {"t.customer_id", weekOfSQL("t.work_date"), "NULL::date", "n.display_name", "LEFT JOIN customers n ON n.account_id = $1 AND n.id = g.gid"},
	GroupByService:  {"t.service_id", weekOfSQL("t.work_date"), "NULL::date", "n.name", "LEFT JOIN services n ON n.account_id = $1 AND n.id = g.gid"},
	GroupByPerson:   {"t.user_id", weekOfSQL("t.work_date"), "NULL::date", "btrim(n.first_name || ' ' || n.last_name)", "LEFT JOIN users n ON n.account_id = $1 AND n.id = g.gid"},
	GroupByDate:     {"0::bigint", "t.work_date", "d.day", "''", ""},
	GroupByWeek:     {"0::bigint", weekOfSQL("t.work_date"), "d.day", "''", ""},
}

// reportRow is one row of the report query: a group, a week or the total.
type reportRow struct {
	Kind string         `db:"kind"`
	GID  sql.NullInt64  `db:"gid"`
	Date sql.NullTime   `db:"gdate"`
	Week sql.NullTime   `db:"wk"`
	Name sql.NullString `db:"name"`
	ReportFigures
}

// Report sums the account's live cards that f selects, grouped by groupBy (one of
// ReportGroupings), with the weekly series and the total, in one query.
func (s *Store) Report(ctx context.Context, accountID int64, f ReportFilter, groupBy string) (Report, error) {
	g, ok := reportGroupings[groupBy]
	if !ok {
		return Report{}, fmt.Errorf("store: report: unknown grouping %q", groupBy)
	}
	where, args := reportFilterSQL(accountID, f)
	args = append(args, f.WeekStart)
	week := fmt.Sprintf("$%d", len(args))
	// The cards are summed once per key and day or week (a few thousand rows for a
	// busy year); GROUPING SETS then add those up into the groups, the weeks and the total
	// in one pass, the GROUPING() bits saying which set a row belongs to. Synced time
	// is the cards with a "synced" state, so only those states are joined.
	q := `WITH d AS (
		SELECT ` + g.id + ` AS gid, ` + g.day + ` AS day, count(*) AS entries, sum(t.minutes) AS minutes,
			sum(t.minutes) FILTER (WHERE t.billable) AS billable_minutes,
			sum((t.minutes::bigint * t.rate_cents + 30) / 60) FILTER (WHERE t.billable) AS billable_cents,
			sum(t.minutes) FILTER (WHERE t.billable AND t.invoice_id IS NULL) AS unbilled_minutes,
			sum((t.minutes::bigint * t.rate_cents + 30) / 60) FILTER (WHERE t.billable AND t.invoice_id IS NULL) AS unbilled_cents,
			count(ss.object_id) AS synced_entries, sum(t.minutes) FILTER (WHERE ss.object_id IS NOT NULL) AS synced_minutes
		FROM time_cards t
		LEFT JOIN sync_states ss ON ss.account_id = t.account_id AND ss.object_type = 'time_card' AND ss.object_id = t.id AND ss.status = 'synced'
		WHERE ` + where + `
		GROUP BY 1, 2
	), g AS (
		SELECT CASE WHEN GROUPING(gid, gdate) = 0 THEN 'group' WHEN GROUPING(wk) = 0 THEN 'week' ELSE 'total' END AS kind,
			gid, gdate, wk, COALESCE(sum(entries), 0)::bigint AS entries, COALESCE(sum(minutes), 0)::bigint AS minutes,
			COALESCE(sum(billable_minutes), 0)::bigint AS billable_minutes, COALESCE(sum(billable_cents), 0)::bigint AS billable_cents,
			COALESCE(sum(unbilled_minutes), 0)::bigint AS unbilled_minutes, COALESCE(sum(unbilled_cents), 0)::bigint AS unbilled_cents,
			COALESCE(sum(synced_entries), 0)::bigint AS synced_entries, COALESCE(sum(synced_minutes), 0)::bigint AS synced_minutes
		FROM (SELECT d.*, ` + g.date + ` AS gdate, ` + weekOfSQL("d.day") + ` AS wk FROM d) d
		GROUP BY GROUPING SETS ((gid, gdate), (wk), ())
	)
	SELECT g.*, ` + g.name + ` AS name FROM g ` + g.join
	q = strings.ReplaceAll(q, ":week", week)
	var rows []reportRow
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		// The planner cannot tell how few (key, week) pairs a year of cards makes and,
		// under the default work_mem, sorts 50,000 rows on disk instead of hashing a
		// few thousand groups: this query may use more memory, this transaction only.
		if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '32MB'`); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &rows, q, args...)
	})
	if err != nil {
		return Report{}, fmt.Errorf("store: report: %w", mapError(err))
	}
	var out Report
	for _, r := range rows {
		switch r.Kind {
		case "group":
			out.Groups = append(out.Groups, ReportGroup{ID: r.GID.Int64, Name: r.Name.String, Date: r.Date.Time, ReportFigures: r.ReportFigures})
		case "week":
			out.Weeks = append(out.Weeks, ReportWeek{Start: r.Week.Time, ReportFigures: r.ReportFigures})
		default:
			out.Totals = r.ReportFigures
		}
	}
	sort.Slice(out.Groups, func(i, j int) bool {
		a, b := out.Groups[i], out.Groups[j]
		if !a.Date.Equal(b.Date) {
			return a.Date.Before(b.Date)
		}
		if la, lb := strings.ToLower(a.Name), strings.ToLower(b.Name); la != lb {
			return la < lb
		}
		return a.ID < b.ID
	})
	sort.Slice(out.Weeks, func(i, j int) bool { return out.Weeks[i].Start.Before(out.Weeks[j].Start) })
	return out, nil
}

// ReportEntry is one card of a report's range, named, for the detail export.
type ReportEntry struct {
	ID          int64     `db:"id"`
	WorkDate    time.Time `db:"work_date"`
	Person      string    `db:"person"`
	Customer    string    `db:"customer"`
	Service     string    `db:"service"`
	Notes       string    `db:"notes"`
	Minutes     int64     `db:"minutes"`
	Billable    bool      `db:"billable"`
	RateCents   int64     `db:"rate_cents"`
	AmountCents int64     `db:"amount_cents"`
	InvoiceID   int64     `db:"invoice_id"`
	Invoice     string    `db:"invoice_number"`
	SyncStatus  string    `db:"sync_status"`
	SyncMessage string    `db:"sync_message"`
}

// Date is the work date as YYYY-MM-DD.
func (e ReportEntry) Date() string { return e.WorkDate.Format(time.DateOnly) }

// EachReportEntry calls fn with every card f selects, by date, person and id, as the
// rows arrive: an export of a busy year never holds all its cards at once. An error
// from fn stops the walk and is returned.
func (s *Store) EachReportEntry(ctx context.Context, accountID int64, f ReportFilter, fn func(ReportEntry) error) error {
	where, args := reportFilterSQL(accountID, f)
	q := `SELECT t.id, t.work_date, btrim(u.first_name || ' ' || u.last_name) AS person, cu.display_name AS customer,
			sv.name AS service, t.notes, t.minutes, t.billable, t.rate_cents,
			CASE WHEN t.billable THEN (t.minutes::bigint * t.rate_cents + 30) / 60 ELSE 0 END AS amount_cents,
			COALESCE(t.invoice_id, 0) AS invoice_id, COALESCE(i.number, '') AS invoice_number,
			COALESCE(ss.status, 'never') AS sync_status, COALESCE(ss.message, '') AS sync_message
		FROM time_cards t
		JOIN users u ON u.account_id = t.account_id AND u.id = t.user_id
		JOIN customers cu ON cu.account_id = t.account_id AND cu.id = t.customer_id
		JOIN services sv ON sv.account_id = t.account_id AND sv.id = t.service_id
		LEFT JOIN invoices i ON i.account_id = t.account_id AND i.id = t.invoice_id
		LEFT JOIN sync_states ss ON ss.account_id = t.account_id AND ss.object_type = 'time_card' AND ss.object_id = t.id
		WHERE ` + where + `
		ORDER BY t.work_date, person, t.id`
	rows, err := s.db.QueryxContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: report entries: %w", mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		var e ReportEntry
		if err := rows.StructScan(&e); err != nil {
			return fmt.Errorf("store: report entries: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: report entries: %w", mapError(err))
	}
	return nil
}
