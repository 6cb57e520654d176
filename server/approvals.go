package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"hoursync/internal/store"
)

// Week approval (QuickBooks Time style): an admin approves a person's week, which
// locks it for that person. The lock is kept by the database for every writer of time
// cards (store.WeekLockedError); here are approving and reopening, the lock as pages
// show it, and the words of the refusal.

// weekApprovalInput names a person's week: any date of it.
type weekApprovalInput struct {
	UserID int64  `json:"user_id" openapi:"required"`
	Week   string `json:"week" openapi:"required"`
}

// weekApprovalJSON is an approved week.
type weekApprovalJSON struct {
	UserID int64 `json:"user_id"`
	// WeekStart and WeekEnd are the week's first and last days (YYYY-MM-DD).
	WeekStart string `json:"week_start"`
	WeekEnd   string `json:"week_end"`
	// ApprovedBy names the admin who approved it.
	ApprovedBy string    `json:"approved_by"`
	ApprovedAt time.Time `json:"approved_at"`
}

func toWeekApprovalJSON(a store.WeekApproval) weekApprovalJSON {
	return weekApprovalJSON{UserID: a.UserID, WeekStart: a.WeekStart.Format(time.DateOnly),
		WeekEnd: a.WeekStart.AddDate(0, 0, 6).Format(time.DateOnly), ApprovedBy: a.ApproverName, ApprovedAt: a.ApprovedAt}
}

// weekLocked is the refusal of a change to time in an approved week, on its date.
func weekLocked(e *store.WeekLockedError) *apiError {
	return &apiError{Status: http.StatusConflict, Code: codeWeekLocked, Field: "date", Message: lockWords(e.ApprovedBy, e.ApprovedOn)}
}

// lockWords tell a member why a week is locked: "This week was approved by Ann on 3
// Mar; ask an admin to reopen it".
func lockWords(approvedBy, approvedOn string) string {
	return fmt.Sprintf("This week was approved by %s on %s; ask an admin to reopen it", approvedBy, approvedOn)
}

// approvalWeek validates the input into the person and the first day of their week.
func (a *app) approvalWeek(ctx context.Context, by actor, in weekApprovalInput) (int64, time.Time, error) {
	if err := requireAdmin(by); err != nil {
		return 0, time.Time{}, err
	}
	var p problems
	if in.UserID <= 0 {
		p.add(invalid("user_id", "choose a person"))
	}
	day, err := parseDate("week", in.Week, true)
	p.add(err)
	if err := p.err(); err != nil {
		return 0, time.Time{}, err
	}
	if _, err := a.store.GetUser(ctx, by.AccountID, in.UserID); err != nil {
		return 0, time.Time{}, notFound("user_id", "person")
	}
	acct, err := a.store.GetAccount(ctx, by.AccountID)
	if err != nil {
		return 0, time.Time{}, err
	}
	return in.UserID, weekOf(day, acct.WeekStart), nil
}

// ApproveWeek approves a person's week (admins): from now on their time dated in it
// cannot be recorded, changed or deleted by them. Approving it again keeps the first
// approval.
func (a *app) ApproveWeek(ctx context.Context, by actor, in weekApprovalInput) (weekApprovalJSON, error) {
	userID, start, err := a.approvalWeek(ctx, by, in)
	if err != nil {
		return weekApprovalJSON{}, err
	}
	ap, err := a.store.ApproveWeek(ctx, by.AccountID, userID, start, by.User.ID, a.now())
	if err != nil {
		return weekApprovalJSON{}, err
	}
	return toWeekApprovalJSON(ap), nil
}

// ReopenWeek withdraws the approval of a person's week (admins), unlocking it;
// reopening a week that is not approved does nothing.
func (a *app) ReopenWeek(ctx context.Context, by actor, in weekApprovalInput) error {
	userID, start, err := a.approvalWeek(ctx, by, in)
	if err != nil {
		return err
	}
	_, err = a.store.ReopenWeek(ctx, by.AccountID, userID, start)
	return err
}

// weekApprovalsQuery narrows the approvals listed: weeks starting from From to To
// (default: the last year), of one person (members: themselves).
type weekApprovalsQuery struct {
	From, To string
	UserID   int64
}

// WeekApprovals lists approved weeks by week and person; members see their own.
func (a *app) WeekApprovals(ctx context.Context, by actor, q weekApprovalsQuery) ([]weekApprovalJSON, error) {
	var p problems
	from, err := parseDate("from", q.From, false)
	p.add(err)
	to, err := parseDate("to", q.To, false)
	p.add(err)
	if err := p.err(); err != nil {
		return nil, err
	}
	if to.IsZero() {
		to = a.now().UTC().AddDate(0, 0, 7)
	}
	if from.IsZero() {
		from = to.AddDate(-1, 0, 0)
	}
	if !by.admin() {
		if q.UserID != 0 && q.UserID != by.User.ID {
			return []weekApprovalJSON{}, nil
		}
		q.UserID = by.User.ID
	}
	list, err := a.store.ListWeekApprovals(ctx, by.AccountID, q.UserID, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]weekApprovalJSON, 0, len(list))
	for _, ap := range list {
		out = append(out, toWeekApprovalJSON(ap))
	}
	return out, nil
}

// weekApprovalsOf maps the people approved for the week starting start to their
// approval (of userID only, unless 0).
func (a *app) weekApprovalsOf(ctx context.Context, accountID, userID int64, start time.Time) (map[int64]weekApprovalJSON, error) {
	list, err := a.store.ListWeekApprovals(ctx, accountID, userID, start, start)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]weekApprovalJSON, len(list))
	for _, ap := range list {
		out[ap.UserID] = toWeekApprovalJSON(ap)
	}
	return out, nil
}
