package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Invoice statuses.
const (
	InvoiceDraft = "draft"
	InvoiceOpen  = "open"
	InvoiceVoid  = "void"
)

// Groupings for an invoice made from time cards.
const (
	GroupPerServiceRate = "per_service_rate"
	GroupPerCard        = "per_card"
	// GroupPerServiceRateDetailed is one line per service and rate whose description
	// says the days and notes of the time it bills ("Design — 2, 3, 9 Mar: wireframes;
	// review").
	GroupPerServiceRateDetailed = "per_service_rate_detailed"
)

// Invoice bills a customer for lines of services.
type Invoice struct {
	ID          int64        `db:"id" json:"id"`
	AccountID   int64        `db:"account_id" json:"-"`
	CustomerID  int64        `db:"customer_id" json:"customer_id"`
	Number      string       `db:"number" json:"number"`
	InvoiceDate time.Time    `db:"invoice_date" json:"-"`
	DueDate     sql.NullTime `db:"due_date" json:"-"`
	Terms       string       `db:"terms" json:"terms"`
	Memo        string       `db:"memo" json:"memo"`
	Status      string       `db:"status" json:"status"`
	// NumberAuto: Hoursync chose Number (see insertInvoice).
	NumberAuto  bool          `db:"number_auto" json:"-"`
	DeletedAt   sql.NullTime  `db:"deleted_at" json:"-"`
	Version     int64         `db:"version" json:"version"`
	CreatedAt   time.Time     `db:"created_at" json:"created_at"`
	UpdatedAt   time.Time     `db:"updated_at" json:"updated_at"`
	TotalCents  int64         `db:"total_cents" json:"total_cents"`
	SyncStatus  string        `db:"sync_status" json:"sync_status"`
	SyncMessage string        `db:"sync_message" json:"sync_message"`
	Lines       []InvoiceLine `db:"-" json:"lines"`
	// TermID is the QBO term chosen (Terms then holds its name); DueDateExplicit says
	// the person set DueDate, rather than the term (or QBO, after a sync) giving it.
	TermID          sql.NullInt64 `db:"term_id" json:"-"`
	DueDateExplicit bool          `db:"due_date_explicit" json:"-"`
}

// InvoiceLine is one line: quantity (thousandths) × rate (cents) = amount (cents), or,
// for a line billed from time cards, Minutes × rate / 60 = amount (see MinutesAmount).
type InvoiceLine struct {
	ID            int64  `db:"id" json:"id"`
	InvoiceID     int64  `db:"invoice_id" json:"-"`
	Position      int    `db:"position" json:"position"`
	ServiceID     int64  `db:"service_id" json:"service_id"`
	Description   string `db:"description" json:"description"`
	QuantityMilli int64  `db:"quantity_milli" json:"quantity_milli"`
	RateCents     int64  `db:"rate_cents" json:"rate_cents"`
	AmountCents   int64  `db:"amount_cents" json:"amount_cents"`
	// Minutes is the cards' total on a line billed from time cards; 0 on a line typed by hand.
	Minutes int64 `db:"minutes" json:"minutes,omitempty"`
	// TaxCode is the line's QBO TaxCode id.
	TaxCode string `db:"tax_code" json:"tax_code"`
}

// InvoiceInput is an invoice's header and lines. An empty Number takes the next one.
type InvoiceInput struct {
	CustomerID  int64
	Number      string
	InvoiceDate time.Time
	DueDate     time.Time
	Terms       string
	Memo        string
	Lines       []LineInput
	// TermID picks one of the account's imported terms (0: none); a zero DueDate then
	// follows the term from InvoiceDate.
	TermID int64
	// Sales tax: GlobalTaxCalculation ("" for the company's default), the invoice's
	// code (US manual), a total tax the person typed (US; nil for none) and the
	// currency ("" for the customer's).
	TaxCalculation   string
	TaxCode          string
	TaxOverrideCents *int64
	Currency         string
}

func (in InvoiceInput) override() any {
	if in.TaxOverrideCents == nil {
		return nil
	}
	return *in.TaxOverrideCents
}

// LineInput is a line to write; its amount is computed. With Minutes (a line billed
// from time cards) the amount is MinutesAmount and QuantityMilli is derived from them.
type LineInput struct {
	ServiceID     int64
	Description   string
	QuantityMilli int64
	RateCents     int64
	Minutes       int64
	// TaxCode is the line's QBO TaxCode id ("" for none; the global model needs one).
	TaxCode string
}

// LineAmount is quantity × rate rounded half-up to cents, the amount of a line typed by
// hand. (The Qty sent to QBO is chosen so that QBO's Qty × UnitPrice check, fault 6070,
// gives back exactly this amount: qbo.SalesLineQty.)
func LineAmount(quantityMilli, rateCents int64) int64 {
	return (quantityMilli*rateCents + 500) / 1000
}

// MinutesAmount is minutes × rate (cents per hour) rounded half-up to the cent once, the
// amount of a line billed from time cards: 590 minutes at $120.00 is $1,180.00, not
// 9.833 h × $120.00 = $1,179.96.
func MinutesAmount(minutes, rateCents int64) int64 {
	return (minutes*rateCents + 30) / 60
}

// amount is the line's amount and the quantity it shows.
func (l LineInput) amount() (quantityMilli, amountCents int64) {
	if l.Minutes > 0 {
		return MinutesToQuantityMilli(l.Minutes), MinutesAmount(l.Minutes, l.RateCents)
	}
	return l.QuantityMilli, LineAmount(l.QuantityMilli, l.RateCents)
}

// MinutesToQuantityMilli converts minutes to hours in thousandths, rounded half-up.
func MinutesToQuantityMilli(minutes int64) int64 { return (minutes*1000 + 30) / 60 }

const invoiceSelect = `SELECT i.id, i.account_id, i.customer_id, i.number, i.invoice_date, i.due_date, i.terms, i.term_id, i.due_date_explicit, i.memo,
	i.status, i.number_auto, i.deleted_at, i.version, i.created_at, i.updated_at,
	COALESCE((SELECT sum(amount_cents) FROM invoice_lines l WHERE l.invoice_id = i.id), 0) AS total_cents,
	COALESCE(ss.status, 'never') AS sync_status, COALESCE(ss.message, '') AS sync_message
	FROM invoices i LEFT JOIN sync_states ss ON ss.account_id = i.account_id AND ss.object_type = 'invoice' AND ss.object_id = i.id`

func nullDate(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: t.Format(time.DateOnly), Valid: true}
}

// nextInvoiceNumber is one more than the largest numeric invoice number of the account.
func nextInvoiceNumber(ctx context.Context, tx *sqlx.Tx, accountID int64) (string, error) {
	// Serialise numbering per account so two invoices created at once get different numbers.
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, accountID); err != nil {
		return "", fmt.Errorf("store: lock invoice numbers: %w", err)
	}
	var max sql.NullInt64
	err := tx.GetContext(ctx, &max, `SELECT max(number::bigint) FROM invoices WHERE account_id = $1 AND number ~ '^[0-9]{1,18}$'`, accountID)
	if err != nil {
		return "", fmt.Errorf("store: next invoice number: %w", mapError(err))
	}
	return strconv.FormatInt(max.Int64+1, 10), nil
}

func insertInvoice(ctx context.Context, tx *sqlx.Tx, accountID int64, in InvoiceInput) (int64, error) {
	number := strings.TrimSpace(in.Number)
	// auto: Hoursync chose the number, so it may take the next free one when QBO has
	// the number already (a number the person typed is never changed behind their back).
	auto := number == ""
	if auto {
		var err error
		if number, err = nextInvoiceNumber(ctx, tx, accountID); err != nil {
			return 0, err
		}
	}
	terms, err := resolveInvoiceTerms(ctx, tx, accountID, in)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.GetContext(ctx, &id, `INSERT INTO invoices (account_id, customer_id, number, invoice_date, due_date, terms, memo, number_auto,
		term_id, due_date_explicit, tax_calculation, tax_code, tax_override_cents, currency)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		accountID, in.CustomerID, number, in.InvoiceDate.Format(time.DateOnly), terms.dueDate, terms.text, in.Memo, auto,
		terms.termID, terms.explicit, in.TaxCalculation, in.TaxCode, in.override(), in.Currency)
	if err != nil {
		return 0, fmt.Errorf("store: create invoice: %w", mapError(err))
	}
	return id, writeLines(ctx, tx, accountID, id, in.Lines)
}

func writeLines(ctx context.Context, tx *sqlx.Tx, accountID, invoiceID int64, lines []LineInput) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM invoice_lines WHERE account_id = $1 AND invoice_id = $2`, accountID, invoiceID); err != nil {
		return fmt.Errorf("store: replace invoice lines: %w", mapError(err))
	}
	for i, l := range lines {
		qty, amount := l.amount()
		if _, err := tx.ExecContext(ctx, `INSERT INTO invoice_lines (account_id, invoice_id, position, service_id, description,
			quantity_milli, rate_cents, amount_cents, minutes, tax_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			accountID, invoiceID, i+1, l.ServiceID, l.Description, qty, l.RateCents, amount,
			sql.NullInt64{Int64: l.Minutes, Valid: l.Minutes > 0}, l.TaxCode); err != nil {
			return fmt.Errorf("store: write invoice line %d: %w", i+1, mapError(err))
		}
	}
	return nil
}

// CreateInvoice creates an invoice by hand.
func (s *Store) CreateInvoice(ctx context.Context, accountID int64, in InvoiceInput) (Invoice, error) {
	var id int64
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		id, err = insertInvoice(ctx, tx, accountID, in)
		return err
	})
	if err != nil {
		return Invoice{}, err
	}
	return s.GetInvoice(ctx, accountID, id)
}

// CreateInvoiceFromTimeCards bills the selected unbilled cards of one customer: one
// line per service and rate, or one line per card. The cards are marked billed.
func (s *Store) CreateInvoiceFromTimeCards(ctx context.Context, accountID int64, header InvoiceInput, cardIDs []int64, grouping string) (Invoice, error) {
	if len(cardIDs) == 0 {
		return Invoice{}, &ConflictError{Reason: "select at least one time card"}
	}
	var id int64
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var cards []TimeCard
		if err := tx.SelectContext(ctx, &cards, timeCardSelect+` WHERE t.account_id = $1 AND t.id = ANY($2) AND t.deleted_at IS NULL
			ORDER BY t.work_date, t.id FOR UPDATE OF t`, accountID, pq.Array(cardIDs)); err != nil {
			return fmt.Errorf("store: invoice from time cards: %w", mapError(err))
		}
		if len(cards) != len(uniqueIDs(cardIDs)) {
			return fmt.Errorf("store: invoice from time cards: %w", ErrNotFound)
		}
		var services map[int64]Service
		lines, customerID, err := linesFromCards(cards, grouping)
		if err != nil {
			return err
		}
		if header.CustomerID != 0 && header.CustomerID != customerID {
			return &ConflictError{Reason: "the selected times belong to another customer"}
		}
		header.CustomerID = customerID
		services, err = servicesByID(ctx, tx, accountID)
		if err != nil {
			return err
		}
		for i := range lines {
			switch {
			case lines[i].Description == "":
				lines[i].Description = services[lines[i].ServiceID].Name
			case grouping == GroupPerServiceRateDetailed:
				lines[i].Description = services[lines[i].ServiceID].Name + " — " + lines[i].Description
			}
		}
		header.Lines = lines
		if id, err = insertInvoice(ctx, tx, accountID, header); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE time_cards SET invoice_id = $3, updated_at = now() WHERE account_id = $1 AND id = ANY($2)`,
			accountID, pq.Array(cardIDs), id); err != nil {
			return fmt.Errorf("store: mark time cards billed: %w", mapError(err))
		}
		return nil
	})
	if err != nil {
		return Invoice{}, err
	}
	return s.GetInvoice(ctx, accountID, id)
}

func uniqueIDs(ids []int64) map[int64]bool {
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// detailOf says which days and notes a line bills: "2, 3, 9 Mar: wireframes; review"
// (the cards come in date order; the service's name is put before it by the caller).
func detailOf(cards []TimeCard) string {
	var days, notes []string
	seenDay, seenNote := map[string]bool{}, map[string]bool{}
	lastMonth := ""
	for i, c := range cards {
		month := c.WorkDate.Format("Jan")
		if i > 0 && month != lastMonth && len(days) > 0 {
			days[len(days)-1] += " " + lastMonth
		}
		lastMonth = month
		if d := c.WorkDate.Format("2") + "/" + month; !seenDay[d] {
			seenDay[d] = true
			days = append(days, c.WorkDate.Format("2"))
		}
		if n := strings.TrimSpace(c.Notes); n != "" && !seenNote[n] {
			seenNote[n] = true
			notes = append(notes, n)
		}
	}
	out := strings.Join(days, ", ") + " " + lastMonth
	if len(notes) > 0 {
		out += ": " + strings.Join(notes, "; ")
	}
	return out
}

func linesFromCards(cards []TimeCard, grouping string) ([]LineInput, int64, error) {
	customerID := cards[0].CustomerID
	for _, c := range cards {
		if c.CustomerID != customerID {
			return nil, 0, &ConflictError{Reason: "the selected times belong to more than one customer; an invoice bills one customer"}
		}
		if c.InvoiceID.Valid {
			return nil, 0, &ConflictError{Reason: fmt.Sprintf("time card %d is already billed", c.ID)}
		}
		if !c.Billable {
			return nil, 0, &ConflictError{Reason: fmt.Sprintf("time card %d is not billable", c.ID)}
		}
	}
	switch grouping {
	case GroupPerCard:
		lines := make([]LineInput, 0, len(cards))
		for _, c := range cards {
			desc := c.Date()
			if c.Notes != "" {
				desc += " " + c.Notes
			}
			lines = append(lines, LineInput{ServiceID: c.ServiceID, Description: desc,
				QuantityMilli: MinutesToQuantityMilli(int64(c.Minutes)), RateCents: c.RateCents, Minutes: int64(c.Minutes)})
		}
		return lines, customerID, nil
	case GroupPerServiceRate, GroupPerServiceRateDetailed, "":
		type key struct{ service, rate int64 }
		minutes := map[key]int64{}
		cardsOf := map[key][]TimeCard{}
		var order []key
		for _, c := range cards {
			k := key{c.ServiceID, c.RateCents}
			if _, seen := minutes[k]; !seen {
				order = append(order, k)
			}
			minutes[k] += int64(c.Minutes)
			cardsOf[k] = append(cardsOf[k], c)
		}
		sort.SliceStable(order, func(i, j int) bool { return order[i].service < order[j].service })
		lines := make([]LineInput, 0, len(order))
		for _, k := range order {
			line := LineInput{ServiceID: k.service, QuantityMilli: MinutesToQuantityMilli(minutes[k]), RateCents: k.rate, Minutes: minutes[k]}
			if grouping == GroupPerServiceRateDetailed {
				line.Description = detailOf(cardsOf[k])
			}
			lines = append(lines, line)
		}
		return lines, customerID, nil
	}
	return nil, 0, &ConflictError{Reason: fmt.Sprintf("unknown grouping %q", grouping)}
}

func servicesByID(ctx context.Context, tx *sqlx.Tx, accountID int64) (map[int64]Service, error) {
	var ss []Service
	if err := tx.SelectContext(ctx, &ss, `SELECT `+serviceColumns+` FROM services WHERE account_id = $1`, accountID); err != nil {
		return nil, fmt.Errorf("store: services: %w", mapError(err))
	}
	m := make(map[int64]Service, len(ss))
	for _, s := range ss {
		m[s.ID] = s
	}
	return m, nil
}

// GetInvoice returns a live invoice with its lines.
func (s *Store) GetInvoice(ctx context.Context, accountID, id int64) (Invoice, error) {
	return s.getInvoice(ctx, accountID, id, false)
}

// GetInvoiceForSync returns an invoice with its lines, including a deleted one whose
// deletion has not reached QBO yet.
func (s *Store) GetInvoiceForSync(ctx context.Context, accountID, id int64) (Invoice, error) {
	return s.getInvoice(ctx, accountID, id, true)
}

func (s *Store) getInvoice(ctx context.Context, accountID, id int64, withDeleted bool) (Invoice, error) {
	var inv Invoice
	q := invoiceSelect + ` WHERE i.account_id = $1 AND i.id = $2`
	if !withDeleted {
		q += ` AND i.deleted_at IS NULL`
	}
	if err := s.db.GetContext(ctx, &inv, q, accountID, id); err != nil {
		return Invoice{}, fmt.Errorf("store: get invoice: %w", mapError(err))
	}
	if err := s.db.SelectContext(ctx, &inv.Lines, `SELECT id, invoice_id, position, service_id, description, quantity_milli,
		rate_cents, amount_cents, COALESCE(minutes, 0) AS minutes, tax_code FROM invoice_lines WHERE account_id = $1 AND invoice_id = $2 ORDER BY position`, accountID, id); err != nil {
		return Invoice{}, fmt.Errorf("store: get invoice lines: %w", mapError(err))
	}
	return inv, nil
}

// RenumberInvoiceFromQBO stores the number QBO gave the invoice when the one Hoursync had
// chosen was taken there by someone else's invoice. The version does not move: the
// invoice did not change in Hoursync, QBO just has it under another number.
func (s *Store) RenumberInvoiceFromQBO(ctx context.Context, accountID, id int64, number string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE invoices SET number = $3, updated_at = now() WHERE account_id = $1 AND id = $2`, accountID, id, number)
	if err != nil {
		return fmt.Errorf("store: renumber invoice: %w", mapError(err))
	}
	return nil
}

// InvoiceNumberTaken reports whether another live invoice of the account has the number.
func (s *Store) InvoiceNumberTaken(ctx context.Context, accountID, exceptID int64, number string) (bool, error) {
	var taken bool
	err := s.db.GetContext(ctx, &taken, `SELECT EXISTS (SELECT 1 FROM invoices WHERE account_id = $1 AND id <> $2
		AND lower(number) = lower($3) AND deleted_at IS NULL)`, accountID, exceptID, number)
	if err != nil {
		return false, fmt.Errorf("store: invoice number taken: %w", mapError(err))
	}
	return taken, nil
}

// InvoiceTimeCardIDs lists the cards billed on the invoice.
func (s *Store) InvoiceTimeCardIDs(ctx context.Context, accountID, invoiceID int64) ([]int64, error) {
	var ids []int64
	err := s.db.SelectContext(ctx, &ids, `SELECT id FROM time_cards WHERE account_id = $1 AND invoice_id = $2 AND deleted_at IS NULL ORDER BY id`, accountID, invoiceID)
	if err != nil {
		return nil, fmt.Errorf("store: invoice time cards: %w", mapError(err))
	}
	return ids, nil
}

// InvoiceFilter narrows a list of invoices.
type InvoiceFilter struct {
	CustomerID int64
	Status     string // draft, open, void
}

// ListInvoices lists live invoices, newest first.
func (s *Store) ListInvoices(ctx context.Context, accountID int64, f InvoiceFilter, p Page) ([]Invoice, error) {
	var out []Invoice
	err := s.db.SelectContext(ctx, &out, invoiceSelect+` WHERE i.account_id = $1 AND i.deleted_at IS NULL
		AND ($2 = 0 OR i.customer_id = $2) AND ($3 = '' OR i.status = $3)
		ORDER BY i.invoice_date DESC, i.id DESC LIMIT $4 OFFSET $5`, accountID, f.CustomerID, f.Status, p.limit(), p.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: list invoices: %w", mapError(err))
	}
	return out, nil
}

func lockInvoice(ctx context.Context, tx *sqlx.Tx, accountID, id int64) (Invoice, error) {
	var inv Invoice
	if err := tx.GetContext(ctx, &inv, invoiceSelect+` WHERE i.account_id = $1 AND i.id = $2 AND i.deleted_at IS NULL FOR UPDATE OF i`, accountID, id); err != nil {
		return Invoice{}, fmt.Errorf("store: lock invoice: %w", mapError(err))
	}
	if inv.SyncStatus == StatusSyncing {
		return Invoice{}, &ConflictError{Reason: "this invoice is being synced with QuickBooks right now; try again when the sync finishes"}
	}
	return inv, nil
}

// UpdateInvoice replaces an invoice's header and lines and bumps its version; a synced
// invoice becomes "changed" and re-syncs to the same QBO Invoice.
func (s *Store) UpdateInvoice(ctx context.Context, accountID, id int64, in InvoiceInput) (Invoice, error) {
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		inv, err := lockInvoice(ctx, tx, accountID, id)
		if err != nil {
			return err
		}
		if inv.Status == InvoiceVoid {
			return &ConflictError{Reason: "a voided invoice cannot be changed"}
		}
		number := strings.TrimSpace(in.Number)
		if number == "" {
			number = inv.Number
		}
		// A number the person types is theirs: it is never renumbered for them.
		terms, err := resolveInvoiceTerms(ctx, tx, accountID, in)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE invoices SET number = $3, invoice_date = $4, due_date = $5, terms = $6, memo = $7,
			number_auto = (number_auto AND lower(number) = lower($3)), term_id = $8, due_date_explicit = $9,
			tax_calculation = $10, tax_code = $11, tax_override_cents = $12, currency = $13,
			version = version + 1, updated_at = now() WHERE account_id = $1 AND id = $2`,
			accountID, id, number, in.InvoiceDate.Format(time.DateOnly), terms.dueDate, terms.text, in.Memo,
			terms.termID, terms.explicit, in.TaxCalculation, in.TaxCode, in.override(), in.Currency); err != nil {
			return fmt.Errorf("store: update invoice: %w", mapError(err))
		}
		lines, err := keepCardMinutes(ctx, tx, accountID, id, in.Lines)
		if err != nil {
			return err
		}
		if err := writeLines(ctx, tx, accountID, id, lines); err != nil {
			return err
		}
		return markChanged(ctx, tx, accountID, ObjectInvoice, id)
	})
	if err != nil {
		return Invoice{}, err
	}
	return s.GetInvoice(ctx, accountID, id)
}

// keepCardMinutes gives a line sent back as it was shown (same service, rate and
// quantity, no minutes: an edit form knows only the quantity) the minutes of the line
// billed from time cards it came from, so editing an invoice's other fields keeps that
// line's exact amount. A line whose quantity or rate changed is typed by hand.
func keepCardMinutes(ctx context.Context, tx *sqlx.Tx, accountID, invoiceID int64, in []LineInput) ([]LineInput, error) {
	var old []InvoiceLine
	if err := tx.SelectContext(ctx, &old, `SELECT service_id, quantity_milli, rate_cents, minutes FROM invoice_lines
		WHERE account_id = $1 AND invoice_id = $2 AND minutes IS NOT NULL ORDER BY position`, accountID, invoiceID); err != nil {
		return nil, fmt.Errorf("store: invoice lines: %w", mapError(err))
	}
	out := make([]LineInput, len(in))
	copy(out, in)
	used := make([]bool, len(old))
	for i := range out {
		if out[i].Minutes > 0 {
			continue
		}
		for j, o := range old {
			if !used[j] && o.ServiceID == out[i].ServiceID && o.RateCents == out[i].RateCents && o.QuantityMilli == out[i].QuantityMilli {
				used[j], out[i].Minutes = true, o.Minutes
				break
			}
		}
	}
	return out, nil
}

// VoidInvoice voids an invoice and releases its time cards for billing again.
func (s *Store) VoidInvoice(ctx context.Context, accountID, id int64) (Invoice, error) {
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		inv, err := lockInvoice(ctx, tx, accountID, id)
		if err != nil {
			return err
		}
		if inv.Status == InvoiceVoid {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE invoices SET status = 'void', version = version + 1, updated_at = now()
			WHERE account_id = $1 AND id = $2`, accountID, id); err != nil {
			return fmt.Errorf("store: void invoice: %w", mapError(err))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE time_cards SET invoice_id = NULL, updated_at = now() WHERE account_id = $1 AND invoice_id = $2`, accountID, id); err != nil {
			return fmt.Errorf("store: release time cards: %w", mapError(err))
		}
		return markChanged(ctx, tx, accountID, ObjectInvoice, id)
	})
	if err != nil {
		return Invoice{}, err
	}
	return s.GetInvoice(ctx, accountID, id)
}

// DeleteInvoice deletes an invoice and releases its time cards. An invoice that reached
// QBO is kept, marked deleted, until its next sync deletes it there; it reports whether
// that is still to happen.
func (s *Store) DeleteInvoice(ctx context.Context, accountID, id int64) (pendingQBO bool, err error) {
	err = s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := lockInvoice(ctx, tx, accountID, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE time_cards SET invoice_id = NULL, updated_at = now() WHERE account_id = $1 AND invoice_id = $2`, accountID, id); err != nil {
			return fmt.Errorf("store: release time cards: %w", mapError(err))
		}
		var err error
		pendingQBO, err = deleteOrTombstone(ctx, tx, accountID, ObjectInvoice, id)
		return err
	})
	return pendingQBO, err
}
