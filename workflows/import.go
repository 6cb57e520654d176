package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"
)

// importStep is one list an import brings in: its activity and where its count goes.
type importStep struct {
	name     string
	activity Activity[ConnectionRef, ImportListResult]
	count    *int
}

// Import brings the QBO company's income accounts, customers, services (all pages) and
// sales terms into the account and links the connecting user to their QBO Employee. A
// local object with the same name is linked, not duplicated. QBO's time activities and
// invoices are never imported: Hoursync is their source of truth.
func Import(ctx workflow.Context, in ImportInput) (ImportResult, error) {
	var res ImportResult
	progress := Progress{Total: 4, Message: "Importing from QuickBooks"}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (Progress, error) { return progress, nil }); err != nil {
		return res, err
	}
	qctx := qboActivity(ctx, longActivityTimeout)
	ref := ConnectionRef{AccountID: in.AccountID, RealmID: in.RealmID}

	// Income accounts first: services created later need one.
	steps := []importStep{
		{"income accounts", ActImportIncomeAccounts, &res.IncomeAccounts},
		{"customers", ActImportCustomers, &res.Customers},
		{"services", ActImportServices, &res.Services},
	}
	// Terms came later: histories of imports started before replay without the step.
	if workflow.GetVersion(ctx, "import-terms", workflow.DefaultVersion, 1) >= 1 {
		steps = append(steps, importStep{"terms", ActImportTerms, &res.Terms})
		progress.Total++
	}
	// So did sales tax (preferences, codes and rates): the same.
	if workflow.GetVersion(ctx, "import-taxes", workflow.DefaultVersion, 1) >= 1 {
		steps = append(steps, importStep{"sales tax", ActImportTaxes, &res.TaxCodes})
		progress.Total++
	}
	// Imports started since read every list at once: none needs another (the income
	// accounts are needed to create a service later, not to import one).
	if workflow.GetVersion(ctx, "import-lists-at-once", workflow.DefaultVersion, 1) == 1 {
		return importAtOnce(ctx, in, steps, &res, &progress)
	}
	for _, s := range steps {
		progress.Current = s.name
		var out ImportListResult
		if err := s.activity.Execute(qctx, ref).Get(ctx, &out); err != nil {
			_, msg := failureOf(err)
			progress.Failed++
			progress.Message = fmt.Sprintf("Import of %s failed: %s", s.name, msg)
			return res, err
		}
		*s.count = out.Imported
		progress.Done++
	}
	if in.ConnectingUserID != 0 {
		progress.Current = "your QuickBooks employee"
		err := ActLinkConnectingUser.Execute(qctx, LinkUserInput{AccountID: in.AccountID, RealmID: in.RealmID, UserID: in.ConnectingUserID}).Get(ctx, &res.UserLinked)
		if err != nil {
			return res, err
		}
	}
	return finishImport(&res, &progress), nil
}

func finishImport(res *ImportResult, progress *Progress) ImportResult {
	progress.Done = progress.Total
	progress.Current = ""
	res.Message = fmt.Sprintf("Imported %d customers, %d services and %d income accounts from QuickBooks.",
		res.Customers, res.Services, res.IncomeAccounts)
	progress.Message = res.Message
	return *res
}

// importAtOnce runs every step of the import, and the link of the connecting user, at
// the same time; the first step that failed (in the steps' order) fails the import once
// every step has ended.
func importAtOnce(ctx workflow.Context, in ImportInput, steps []importStep, res *ImportResult, progress *Progress) (ImportResult, error) {
	qctx := qboActivity(ctx, longActivityTimeout)
	ref := ConnectionRef{AccountID: in.AccountID, RealmID: in.RealmID}
	progress.Current = "income accounts, customers, services and terms"
	futures := make([]workflow.Future, len(steps))
	for i, s := range steps {
		futures[i] = s.activity.Execute(qctx, ref)
	}
	var link workflow.Future
	if in.ConnectingUserID != 0 {
		link = ActLinkConnectingUser.Execute(qctx, LinkUserInput{AccountID: in.AccountID, RealmID: in.RealmID, UserID: in.ConnectingUserID})
	}
	var failed error
	for i, s := range steps {
		var out ImportListResult
		if err := futures[i].Get(ctx, &out); err != nil {
			if failed == nil {
				_, msg := failureOf(err)
				progress.Failed++
				progress.Message = fmt.Sprintf("Import of %s failed: %s", s.name, msg)
				failed = err
			}
			continue
		}
		*s.count = out.Imported
		progress.Done++
	}
	if link != nil {
		if err := link.Get(ctx, &res.UserLinked); err != nil && failed == nil {
			failed = err
		}
	}
	if failed != nil {
		return *res, failed
	}
	return finishImport(res, progress), nil
}
