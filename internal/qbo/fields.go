package qbo

// Readers of fields QBO leaves out when they hold their default, so code reading an
// entity does not repeat the nil checks.

// isActive is QBO's reading of an absent Active: names-list objects are active unless
// they say otherwise.
func isActive(b *bool) bool { return b == nil || *b }

// IsActive reports whether the customer is active (QBO omits Active on some answers).
func (c Customer) IsActive() bool { return isActive(c.Active) }

// IsActive reports whether the employee is active.
func (e Employee) IsActive() bool { return isActive(e.Active) }

// IsActive reports whether the item is active.
func (i Item) IsActive() bool { return isActive(i.Active) }

// IsActive reports whether the account is active.
func (a Account) IsActive() bool { return isActive(a.Active) }

// IsActive reports whether the term is active.
func (t Term) IsActive() bool { return isActive(t.Active) }

// Email is the customer's primary e-mail address, "" when it has none.
func (c Customer) Email() string { return c.PrimaryEmailAddr.address() }

// Email is the employee's primary e-mail address, "" when it has none.
func (e Employee) Email() string { return e.PrimaryEmailAddr.address() }

func (e *EmailAddress) address() string {
	if e == nil {
		return ""
	}
	return e.Address
}

// ID is the referenced object's Id, "" for no reference.
func (r *Ref) ID() string {
	if r == nil {
		return ""
	}
	return r.Value
}

// UnitPriceCents is the item's unit price in cents (0 when it has none).
func (i Item) UnitPriceCents() int64 {
	if i.UnitPrice == nil {
		return 0
	}
	return i.UnitPrice.Cents()
}

// Billed reports whether QBO has billed the time (an invoice links it).
func (t TimeActivity) Billed() bool { return t.BillableStatus == BillableStatusBilled }

// TxnTypeTimeActivity is the LinkedTxn type of a link to a TimeActivity.
const TxnTypeTimeActivity = "TimeActivity"

// TimeActivityIDs are the TimeActivities the invoice bills: linked from the invoice or
// from one of its lines.
func (inv Invoice) TimeActivityIDs() []string {
	var ids []string
	for _, l := range inv.LinkedTxn {
		if l.TxnType == TxnTypeTimeActivity {
			ids = append(ids, l.TxnID)
		}
	}
	for _, l := range inv.Line {
		for _, lt := range l.LinkedTxn {
			if lt.TxnType == TxnTypeTimeActivity {
				ids = append(ids, lt.TxnID)
			}
		}
	}
	return ids
}

// OtherLinks are the invoice's links to transactions other than time (payments…).
func (inv Invoice) OtherLinks() []LinkedTxn {
	var out []LinkedTxn
	for _, l := range inv.LinkedTxn {
		if l.TxnType != TxnTypeTimeActivity {
			out = append(out, l)
		}
	}
	return out
}

// CustomerName is the invoice's customer as QBO names it, "" when QBO gave no name.
func (inv Invoice) CustomerName() string {
	if inv.CustomerRef == nil {
		return ""
	}
	return inv.CustomerRef.Name
}

// TotalCents is the invoice's total as QBO computed it (0 before it did).
func (inv Invoice) TotalCents() int64 {
	if inv.TotalAmt == nil {
		return 0
	}
	return inv.TotalAmt.Cents()
}

// HasCode reports whether the fault's first error carries one of codes.
func (f *Fault) HasCode(codes ...string) bool {
	c := f.Code()
	for _, want := range codes {
		if c == want {
			return true
		}
	}
	return false
}
