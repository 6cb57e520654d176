package server

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The weekly grid's use cases (the page is web_grid.go): a person's week, or everyone's
// for an admin, as rows of customer × service (× person) by day, and saving the cells a
// person changed. A save goes through the time card use cases (CreateTimeCard,
// UpdateTimeCard, DeleteTimeCards), so a cell meets every rule a card does: inactive
// customers and services, billed and syncing cards, a synced card becoming "changed",
// a synced card's deletion going to QuickBooks once its undo window is over.

// gridRow is one row of the grid: a person's time for one customer and service.
type gridRow struct {
	UserID, CustomerID, ServiceID int64
}

// String is the row as a form names it: "user_customer_service".
func (r gridRow) String() string { return fmt.Sprintf("%d_%d_%d", r.UserID, r.CustomerID, r.ServiceID) }

// gridCell is one cell of the grid: a row's day (YYYY-MM-DD).
type gridCell struct {
	gridRow
	Date string
}

// String is the cell as a form names it: "user_customer_service_date".
func (k gridCell) String() string { return k.gridRow.String() + "_" + k.Date }

// compare orders cells by day, then by person, customer and service.
func (k gridCell) compare(o gridCell) int {
	return cmp.Or(strings.Compare(k.Date, o.Date), cmp.Compare(k.UserID, o.UserID),
		cmp.Compare(k.CustomerID, o.CustomerID), cmp.Compare(k.ServiceID, o.ServiceID))
}

// parseGridRow reads a row's name ("user_customer_service").
func parseGridRow(s string) (gridRow, bool) {
	parts := strings.Split(s, "_")
	if len(parts) != 3 {
		return gridRow{}, false
	}
	var ids [3]int64
	for i, p := range parts {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id <= 0 {
			return gridRow{}, false
		}
		ids[i] = id
	}
	return gridRow{UserID: ids[0], CustomerID: ids[1], ServiceID: ids[2]}, true
}

// parseGridCell reads a cell's name ("user_customer_service_date").
func parseGridCell(s string) (gridCell, bool) {
	i := strings.LastIndex(s, "_")
	if i < 0 {
		return gridCell{}, false
	}
	row, ok := parseGridRow(s[:i])
	if _, err := time.Parse(time.DateOnly, s[i+1:]); !ok || err != nil {
		return gridCell{}, false
	}
	return gridCell{gridRow: row, Date: s[i+1:]}, true
}

// cellOf is the cell a card fills.
func cellOf(tc timeCardJSON) gridCell {
	return gridCell{gridRow: gridRow{UserID: tc.UserID, CustomerID: tc.CustomerID, ServiceID: tc.ServiceID}, Date: tc.Date}
}

// weekGrid is a week of time cards by cell.
type weekGrid struct {
	From time.Time
	// UserID is the person whose week it is; 0 is everyone (for an admin).
	UserID int64
	Cards  map[gridCell][]timeCardJSON
}

// WeekGrid is the week from its first day of one person, or of everyone when an admin
// names nobody; a member gets their own week whoever they name.
func (a *app) WeekGrid(ctx context.Context, by actor, from time.Time, userID int64) (weekGrid, error) {
	if !by.admin() {
		userID = by.User.ID
	}
	g := weekGrid{From: from, UserID: userID, Cards: map[gridCell][]timeCardJSON{}}
	cards, err := a.AllTimeCards(ctx, by, timeCardQuery{From: from.Format(time.DateOnly), To: from.AddDate(0, 0, 6).Format(time.DateOnly), UserID: userID})
	if err != nil {
		return g, err
	}
	for _, tc := range cards {
		k := cellOf(tc)
		g.Cards[k] = append(g.Cards[k], tc)
	}
	return g, nil
}

// gridEdit is one cell as the person left it. Minutes is nil for a cell emptied;
// CardID and Version are the card the cell showed when the grid was drawn (0: none).
type gridEdit struct {
	Cell    gridCell
	Minutes *int
	CardID  int64
	Version int64
}

// gridSaved is what a save did, and why each cell it could not save was refused.
type gridSaved struct {
	Added, Changed, Deleted int
	// QuickBooks is what became of the deletions QuickBooks has to hear of (nil: none).
	QuickBooks *pushJSON
	Errs       map[gridCell]error
}

// SaveGrid applies each edit through the time card use cases: a new time in an empty
// cell records a card (billable, at the service's rate, as a new card is), a changed
// time replaces the card's minutes (its clock times are dropped: the grid sets a
// duration), an emptied cell deletes the card. Every cell is tried; the ones refused
// are in Errs and the others are saved.
func (a *app) SaveGrid(ctx context.Context, by actor, edits []gridEdit) gridSaved {
	out := gridSaved{Errs: map[gridCell]error{}}
	for _, e := range edits {
		if err := a.saveGridCell(ctx, by, e, &out); err != nil {
			out.Errs[e.Cell] = err
		}
	}
	return out
}

func (a *app) saveGridCell(ctx context.Context, by actor, e gridEdit, out *gridSaved) error {
	k := e.Cell
	if e.CardID == 0 {
		if e.Minutes == nil {
			return nil
		}
		user := k.UserID
		_, err := a.CreateTimeCard(ctx, by, timeCardInput{UserID: &user, CustomerID: k.CustomerID, ServiceID: k.ServiceID, Date: k.Date, Minutes: e.Minutes})
		if err == nil {
			out.Added++
		}
		return err
	}
	cur, err := a.GetTimeCard(ctx, by, e.CardID)
	if err != nil {
		return err
	}
	if cur.Version != e.Version || cellOf(cur) != k {
		// Someone changed it since the grid was drawn: say so rather than overwrite.
		return &apiError{Status: http.StatusConflict, Code: codeConflict,
			Message: fmt.Sprintf("this time was changed elsewhere since the grid was opened (it is %s now); save again to replace it with yours", hm(cur.Minutes))}
	}
	if e.Minutes == nil {
		del, err := a.DeleteTimeCards(ctx, by, []int64{e.CardID})
		if err == nil {
			out.Deleted++
			if del.QuickBooks != nil {
				out.QuickBooks = del.QuickBooks
			}
		}
		return err
	}
	if *e.Minutes == cur.Minutes {
		return nil
	}
	user, billable := cur.UserID, cur.Billable
	_, err = a.UpdateTimeCard(ctx, by, e.CardID, timeCardInput{UserID: &user, CustomerID: cur.CustomerID, ServiceID: cur.ServiceID,
		Date: cur.Date, Minutes: e.Minutes, Billable: &billable, Rate: decimal{Text: cur.Rate, Set: true}, Notes: cur.Notes})
	if err == nil {
		out.Changed++
	}
	return err
}

// parseCellDuration reads the time typed into a grid cell: "1:30" (h:mm), "1.5" or
// "1,5" (hours), "2h", "45m", "1h30m". Empty or zero is no time (set is false). A
// time that reads as none of these, is negative or is over 24:00 is an error on
// field, the cell's control.
func parseCellDuration(field, text string) (minutes int, set bool, err error) {
	v := strings.ToLower(strings.Join(strings.Fields(text), ""))
	if v == "" {
		return 0, false, nil
	}
	if strings.HasPrefix(v, "-") || strings.HasPrefix(v, "−") {
		return 0, false, invalid(field, "a time cannot be negative")
	}
	ok := false
	switch {
	case strings.Contains(v, ":"):
		h, m, _ := strings.Cut(v, ":")
		hours, ok1 := wholeNumber(h)
		mins, ok2 := wholeNumber(m)
		minutes, ok = hours*60+mins, ok1 && ok2 && len(m) == 2 && mins < 60
	case strings.Contains(v, "h"):
		h, m, _ := strings.Cut(v, "h")
		minutes, ok = decimalHours(h)
		if m = strings.TrimSuffix(strings.TrimSuffix(m, "min"), "m"); ok && m != "" {
			mins, okm := wholeNumber(m)
			minutes, ok = minutes+mins, okm
		}
	case strings.HasSuffix(v, "min"), strings.HasSuffix(v, "m"):
		minutes, ok = wholeNumber(strings.TrimSuffix(strings.TrimSuffix(v, "min"), "m"))
	default:
		minutes, ok = decimalHours(v)
	}
	switch {
	case !ok:
		return 0, false, invalid(field, "type the time as 1:30, 1.5, 2h or 45m")
	case minutes > 24*60:
		return 0, false, invalid(field, "a day holds at most 24:00")
	}
	return minutes, minutes > 0, nil
}

// wholeNumber reads up to six digits ("" is not a number).
func wholeNumber(s string) (int, bool) {
	if s == "" || len(s) > 6 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

// decimalHours reads hours with a decimal point or comma ("1.5", "1,5", ".25") as
// minutes, rounded half up, without floating point.
func decimalHours(s string) (int, bool) {
	whole, frac, _ := strings.Cut(strings.ReplaceAll(s, ",", "."), ".")
	if whole == "" && frac == "" || len(frac) > 6 {
		return 0, false
	}
	h := 0
	if whole != "" {
		var ok bool
		if h, ok = wholeNumber(whole); !ok {
			return 0, false
		}
	}
	m := h * 60
	if frac != "" {
		n, ok := wholeNumber(frac)
		if !ok {
			return 0, false
		}
		den := 1
		for range frac {
			den *= 10
		}
		m += (n*60*2 + den) / (2 * den)
	}
	return m, true
}
