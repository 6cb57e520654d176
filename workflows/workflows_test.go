package workflows_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"hoursync/workflows"
)

// registerPlaceholders registers every activity the workflows call with its real
// signature, so the tests mock them with env.OnActivity without importing the
// activities package. A workflow calling an activity missing from
// workflows.AllActivities fails its test here, as the worker would not register it.
func registerPlaceholders(env *testsuite.TestWorkflowEnvironment) {
	for _, a := range workflows.AllActivities() {
		fn := reflect.MakeFunc(a.Signature(), func([]reflect.Value) []reflect.Value { panic("mock me") })
		env.RegisterActivityWithOptions(fn.Interface(), activity.RegisterOptions{Name: a.Name()})
	}
}

type WorkflowSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env *testsuite.TestWorkflowEnvironment
	// recorded collects outcomes the workflow recorded itself.
	recorded []workflows.Outcome
}

func TestWorkflows(t *testing.T) { suite.Run(t, new(WorkflowSuite)) }

func (s *WorkflowSuite) SetupTest() {
	s.env = s.NewTestWorkflowEnvironment()
	s.env.RegisterWorkflow(workflows.Import)
	s.env.RegisterWorkflow(workflows.TimeCardSync)
	s.env.RegisterWorkflow(workflows.InvoiceSync)
	s.env.RegisterWorkflow(workflows.Resync)
	s.env.RegisterWorkflow(workflows.TokenKeepAlive)
	s.env.RegisterWorkflow(workflows.Disconnect)
	registerPlaceholders(s.env)
	s.recorded = nil
	s.env.OnActivity(workflows.ActRecordSyncOutcome.Name(), mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.RecordOutcomeInput) error {
			s.recorded = append(s.recorded, in.Outcomes...)
			return nil
		}).Maybe()
	s.env.OnActivity(workflows.ActMarkSyncing.Name(), mock.Anything, mock.Anything).Return(nil).Maybe()
}

func (s *WorkflowSuite) AfterTest(_, _ string) { s.env.AssertExpectations(s.T()) }

func appErr(errType string) error {
	return temporal.NewNonRetryableApplicationError("from QBO", errType, nil)
}

func (s *WorkflowSuite) TestImportBringsEveryListAndLinksTheConnectingUser() {
	s.env.OnActivity(workflows.ActImportIncomeAccounts.Name(), mock.Anything, mock.Anything).Return(workflows.ImportListResult{Imported: 2}, nil).Once()
	s.env.OnActivity(workflows.ActImportCustomers.Name(), mock.Anything, mock.Anything).Return(workflows.ImportListResult{Imported: 2500}, nil).Once()
	s.env.OnActivity(workflows.ActImportServices.Name(), mock.Anything, mock.Anything).Return(workflows.ImportListResult{Imported: 3}, nil).Once()
	s.env.OnActivity(workflows.ActImportTerms.Name(), mock.Anything, mock.Anything).Return(workflows.ImportListResult{Imported: 4}, nil).Once()
	s.env.OnActivity(workflows.ActImportTaxes.Name(), mock.Anything, mock.Anything).Return(workflows.ImportListResult{Imported: 6}, nil).Once()
	s.env.OnActivity(workflows.ActLinkConnectingUser.Name(), mock.Anything, workflows.LinkUserInput{AccountID: 1, RealmID: "r", UserID: 9}).Return(true, nil).Once()
	s.env.ExecuteWorkflow(workflows.Import, workflows.ImportInput{AccountID: 1, RealmID: "r", ConnectingUserID: 9})
	s.True(s.env.IsWorkflowCompleted())
	s.NoError(s.env.GetWorkflowError())
	var res workflows.ImportResult
	s.NoError(s.env.GetWorkflowResult(&res))
	s.Equal(workflows.ImportResult{IncomeAccounts: 2, Customers: 2500, Services: 3, Terms: 4, TaxCodes: 6, UserLinked: true,
		Message: "Imported 2500 customers, 3 services and 2 income accounts from QuickBooks."}, res)
}

func (s *WorkflowSuite) TestImportStartedBeforeTermsRunsWithoutTheTermsStep() {
	s.env.OnGetVersion("import-terms", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	s.env.OnGetVersion("import-taxes", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	for _, n := range []string{workflows.ActImportIncomeAccounts.Name(), workflows.ActImportCustomers.Name(), workflows.ActImportServices.Name()} {
		s.env.OnActivity(n, mock.Anything, mock.Anything).Return(workflows.ImportListResult{Imported: 1}, nil).Once()
	}
	s.env.ExecuteWorkflow(workflows.Import, workflows.ImportInput{AccountID: 1, RealmID: "r"})
	s.NoError(s.env.GetWorkflowError())
	s.env.AssertNotCalled(s.T(), workflows.ActImportTerms.Name(), mock.Anything, mock.Anything)
	s.env.AssertNotCalled(s.T(), workflows.ActImportTaxes.Name(), mock.Anything, mock.Anything)
	var res workflows.ImportResult
	s.NoError(s.env.GetWorkflowResult(&res))
	s.Equal(0, res.Terms)
}

func (s *WorkflowSuite) TestImportWithRevokedGrantFailsWithoutRetrying() {
	s.env.OnActivity(workflows.ActImportIncomeAccounts.Name(), mock.Anything, mock.Anything).Return(workflows.ImportListResult{}, appErr(workflows.ErrTypeNeedsReconnect)).Once()
	s.env.ExecuteWorkflow(workflows.Import, workflows.ImportInput{AccountID: 1, RealmID: "r"})
	var ae *temporal.ApplicationError
	s.True(errors.As(s.env.GetWorkflowError(), &ae))
	s.Equal(workflows.ErrTypeNeedsReconnect, ae.Type())
}

// mockHappyCards wires activities for cards that all sync.
func (s *WorkflowSuite) mockHappyCards(refs func([]int64) []workflows.TimeCardRef) (pushed *[][]workflows.TimeActivityOp) {
	var batches [][]workflows.TimeActivityOp
	s.env.OnActivity(workflows.ActCheckPlan.Name(), mock.Anything, workflows.CheckPlanInput{AccountID: 1, NeedTime: true}).Return(
		workflows.ConnectionInfo{AccountID: 1, RealmID: "r", CanSyncTime: true}, nil)
	onLoad(s.env, refs, nil)
	for _, n := range []string{workflows.ActEnsureEmployee.Name(), workflows.ActEnsureCustomer.Name(), workflows.ActEnsureService.Name()} {
		s.env.OnActivity(n, mock.Anything, mock.Anything).Return(workflows.EnsureResult{QBOID: "1"}, nil).Maybe()
	}
	s.env.OnActivity(workflows.ActPrepareTimeActivity.Name(), mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.PrepareInput) ([]workflows.TimeActivityOp, error) {
			ops := make([]workflows.TimeActivityOp, len(in.IDs))
			for i, id := range in.IDs {
				ops[i] = workflows.TimeActivityOp{CardID: id, Version: 1, Op: workflows.OpCreate}
			}
			return ops, nil
		})
	s.env.OnActivity(workflows.ActPushTimeActivities.Name(), mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.PushTimeActivitiesInput) ([]workflows.Outcome, error) {
			batches = append(batches, in.Ops)
			out := make([]workflows.Outcome, len(in.Ops))
			for i, op := range in.Ops {
				out[i] = workflows.Outcome{Object: workflows.ObjectRef{Type: workflows.ObjectTimeCard, ID: op.CardID}, Succeeded: true}
			}
			return out, nil
		})
	return &batches
}

func simpleRefs(ids []int64) []workflows.TimeCardRef {
	out := make([]workflows.TimeCardRef, len(ids))
	for i, id := range ids {
		out[i] = workflows.TimeCardRef{CardID: id, UserID: 1, CustomerID: 2, ServiceID: 3}
	}
	return out
}

func (s *WorkflowSuite) progress() workflows.Progress {
	v, err := s.env.QueryWorkflow(workflows.QueryProgress)
	s.Require().NoError(err)
	var p workflows.Progress
	s.Require().NoError(v.Get(&p))
	return p
}

func (s *WorkflowSuite) TestOverlappingSelectionsSyncEachCardOnceInBatchesOfThirty() {
	batches := s.mockHappyCards(simpleRefs)
	ids := func(from, to int64) []int64 {
		var out []int64
		for i := from; i <= to; i++ {
			out = append(out, i)
		}
		return out
	}
	// A second selection overlapping the first arrives while the first is queued.
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(workflows.SignalSyncTimeCards, workflows.SyncTimeCardsRequest{CardIDs: ids(20, 45)})
	}, 0)
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: ids(1, 40)})
	s.NoError(s.env.GetWorkflowError())
	seen := map[int64]int{}
	for _, b := range *batches {
		s.LessOrEqual(len(b), workflows.BatchSize)
		for _, op := range b {
			seen[op.CardID]++
		}
	}
	s.Len(seen, 45)
	for id, n := range seen {
		s.Equalf(1, n, "card %d synced %d times", id, n)
	}
	p := s.progress()
	s.Equal(45, p.Total)
	s.Equal(45, p.Done)
	s.Equal(0, p.Failed)
	s.Equal("", p.Current)
	s.Equal("Synced 45 time cards with QuickBooks.", p.Message)
}

func (s *WorkflowSuite) TestBatchRequestIDIsFixedByItsMembers() {
	a := workflows.BatchRequestID("r", []string{"create:1:1", "update:2:3"})
	s.Equal(a, workflows.BatchRequestID("r", []string{"update:2:3", "create:1:1"}))
	s.NotEqual(a, workflows.BatchRequestID("r", []string{"create:1:1", "update:2:4"}))
	s.NotEqual(a, workflows.BatchRequestID("r2", []string{"create:1:1", "update:2:3"}))
	s.LessOrEqual(len(a), 36)
}

func (s *WorkflowSuite) TestSimpleStartFailsEveryCardWithThePlanMessageBeforeWriting() {
	s.env.OnActivity(workflows.ActCheckPlan.Name(), mock.Anything, mock.Anything).Return(workflows.ConnectionInfo{}, appErr(workflows.ErrTypePlan)).Once()
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: []int64{1, 2, 3}})
	s.NoError(s.env.GetWorkflowError())
	s.Len(s.recorded, 3)
	for _, o := range s.recorded {
		s.Equal(workflows.MsgPlan, o.Message)
		s.Equal(workflows.ErrTypePlan, o.ErrorType)
	}
	s.env.AssertNotCalled(s.T(), workflows.ActPushTimeActivities.Name(), mock.Anything, mock.Anything)
}

func (s *WorkflowSuite) TestRevokedGrantFailsRemainingCardsWithReconnect() {
	s.env.OnActivity(workflows.ActCheckPlan.Name(), mock.Anything, mock.Anything).Return(workflows.ConnectionInfo{RealmID: "r", CanSyncTime: true}, nil)
	onLoad(s.env, simpleRefs, nil)
	s.env.OnActivity(workflows.ActEnsureEmployee.Name(), mock.Anything, mock.Anything).Return(workflows.EnsureResult{}, appErr(workflows.ErrTypeNeedsReconnect))
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: []int64{1, 2}})
	s.NoError(s.env.GetWorkflowError())
	s.Len(s.recorded, 2)
	for _, o := range s.recorded {
		s.Equal(workflows.MsgReconnect, o.Message)
	}
}

func (s *WorkflowSuite) TestOneFailingCustomerBlocksOnlyItsCards() {
	s.env.OnActivity(workflows.ActCheckPlan.Name(), mock.Anything, mock.Anything).Return(workflows.ConnectionInfo{RealmID: "r", CanSyncTime: true}, nil)
	onLoad(s.env, func([]int64) []workflows.TimeCardRef {
		return []workflows.TimeCardRef{{CardID: 1, UserID: 1, CustomerID: 10, ServiceID: 3}, {CardID: 2, UserID: 1, CustomerID: 20, ServiceID: 3}}
	}, nil)
	s.env.OnActivity(workflows.ActEnsureEmployee.Name(), mock.Anything, mock.Anything).Return(workflows.EnsureResult{QBOID: "5"}, nil)
	s.env.OnActivity(workflows.ActEnsureService.Name(), mock.Anything, mock.Anything).Return(workflows.EnsureResult{QBOID: "6"}, nil)
	s.env.OnActivity(workflows.ActEnsureCustomer.Name(), mock.Anything, workflows.EnsureInput{AccountID: 1, RealmID: "r", ObjectID: 10}).Return(
		workflows.EnsureResult{}, temporal.NewNonRetryableApplicationError(`The customer "Acme" is inactive in QuickBooks: make it active there, or pick another customer`, workflows.ErrTypeInactiveInQBO, nil))
	s.env.OnActivity(workflows.ActEnsureCustomer.Name(), mock.Anything, workflows.EnsureInput{AccountID: 1, RealmID: "r", ObjectID: 20}).Return(workflows.EnsureResult{QBOID: "7"}, nil)
	s.env.OnActivity(workflows.ActPrepareTimeActivity.Name(), mock.Anything, workflows.PrepareInput{AccountID: 1, RealmID: "r", IDs: []int64{2}}).Return(
		[]workflows.TimeActivityOp{{CardID: 2, Version: 1, Op: workflows.OpCreate}}, nil).Once()
	s.env.OnActivity(workflows.ActPushTimeActivities.Name(), mock.Anything, mock.Anything).Return(
		[]workflows.Outcome{{Object: workflows.ObjectRef{Type: workflows.ObjectTimeCard, ID: 2}, Succeeded: true}}, nil).Once()
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: []int64{1, 2}})
	s.NoError(s.env.GetWorkflowError())
	s.Require().Len(s.recorded, 1)
	s.Equal(int64(1), s.recorded[0].Object.ID)
	// The message names the customer already; it reaches the card as it is, with its type.
	s.Equal(`The customer "Acme" is inactive in QuickBooks: make it active there, or pick another customer`, s.recorded[0].Message)
	s.Equal(workflows.ErrTypeInactiveInQBO, s.recorded[0].ErrorType)
	p := s.progress()
	s.Equal(2, p.Done)
	s.Equal(1, p.Failed)
}

// cardsPerRun is how many cards a run of the time-card sync takes on before it
// continues as new (lanesCardsPerRun; 600 for runs started before the lanes).
const cardsPerRun = 3000

func (s *WorkflowSuite) TestLongSyncContinuesAsNewCarryingPendingCards() {
	s.mockHappyCards(simpleRefs)
	var pending []int64
	for i := int64(1); i <= cardsPerRun+100; i++ {
		pending = append(pending, i)
	}
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: pending})
	var can *workflow.ContinueAsNewError
	s.Require().True(errors.As(s.env.GetWorkflowError(), &can), "got %v", s.env.GetWorkflowError())
	s.Equal("TimeCardSync", can.WorkflowType.Name)
}

func (s *WorkflowSuite) TestIdleSyncEndsAfterWaitingForMoreSelections() {
	s.mockHappyCards(simpleRefs)
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(workflows.SignalSyncTimeCards, workflows.SyncTimeCardsRequest{CardIDs: []int64{7}})
	}, 10*time.Second)
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: []int64{1}})
	s.NoError(s.env.GetWorkflowError())
	s.Equal(2, s.progress().Done)
}

func (s *WorkflowSuite) TestInvoiceSyncEnsuresCustomerAndServicesThenPushesOnce() {
	s.env.OnActivity(workflows.ActCheckPlan.Name(), mock.Anything, workflows.CheckPlanInput{AccountID: 1}).Return(workflows.ConnectionInfo{RealmID: "r"}, nil).Once()
	s.env.OnActivity(workflows.ActLoadInvoice.Name(), mock.Anything, mock.Anything).Return(workflows.InvoiceRef{InvoiceID: 5, CustomerID: 2, ServiceIDs: []int64{3, 4}, Number: "1001"}, nil)
	s.env.OnActivity(workflows.ActEnsureCustomer.Name(), mock.Anything, workflows.EnsureInput{AccountID: 1, RealmID: "r", ObjectID: 2}).Return(workflows.EnsureResult{QBOID: "8"}, nil).Once()
	s.env.OnActivity(workflows.ActEnsureService.Name(), mock.Anything, mock.Anything).Return(workflows.EnsureResult{QBOID: "9"}, nil).Twice()
	s.env.OnActivity(workflows.ActPrepareInvoice.Name(), mock.Anything, mock.Anything).Return(workflows.InvoiceOp{InvoiceID: 5, Version: 3, Op: workflows.OpCreate}, nil)
	var gotID string
	s.env.OnActivity(workflows.ActPushInvoice.Name(), mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.PushInvoiceInput) (workflows.Outcome, error) {
			gotID = in.RequestID
			return workflows.Outcome{Object: workflows.ObjectRef{Type: workflows.ObjectInvoice, ID: 5}, Succeeded: true}, nil
		}).Once()
	s.env.ExecuteWorkflow(workflows.InvoiceSync, workflows.InvoiceSyncInput{AccountID: 1, InvoiceID: 5})
	s.NoError(s.env.GetWorkflowError())
	s.Equal(workflows.RequestID("r", "invoice", "5", "3", "create"), gotID)
	var res workflows.InvoiceSyncResult
	s.NoError(s.env.GetWorkflowResult(&res))
	s.True(res.Outcome.Succeeded)
}

func (s *WorkflowSuite) TestVoidedInvoiceSkipsEnsuringAndVoidsInQBO() {
	s.env.OnActivity(workflows.ActCheckPlan.Name(), mock.Anything, mock.Anything).Return(workflows.ConnectionInfo{RealmID: "r"}, nil)
	s.env.OnActivity(workflows.ActLoadInvoice.Name(), mock.Anything, mock.Anything).Return(workflows.InvoiceRef{InvoiceID: 5, CustomerID: 2, Void: true}, nil)
	s.env.OnActivity(workflows.ActPrepareInvoice.Name(), mock.Anything, mock.Anything).Return(workflows.InvoiceOp{InvoiceID: 5, Version: 4, Op: workflows.OpVoid, QBOID: "12"}, nil)
	s.env.OnActivity(workflows.ActPushInvoice.Name(), mock.Anything, mock.Anything).Return(workflows.Outcome{Succeeded: true}, nil).Once()
	s.env.ExecuteWorkflow(workflows.InvoiceSync, workflows.InvoiceSyncInput{AccountID: 1, InvoiceID: 5})
	s.NoError(s.env.GetWorkflowError())
	s.env.AssertNotCalled(s.T(), workflows.ActEnsureCustomer.Name(), mock.Anything, mock.Anything)
}

func (s *WorkflowSuite) TestInvoiceSyncInactiveCustomerIsRecordedWithQBOsReason() {
	s.env.OnActivity(workflows.ActCheckPlan.Name(), mock.Anything, mock.Anything).Return(workflows.ConnectionInfo{RealmID: "r"}, nil)
	s.env.OnActivity(workflows.ActLoadInvoice.Name(), mock.Anything, mock.Anything).Return(workflows.InvoiceRef{InvoiceID: 5, CustomerID: 2}, nil)
	s.env.OnActivity(workflows.ActEnsureCustomer.Name(), mock.Anything, mock.Anything).Return(workflows.EnsureResult{},
		temporal.NewNonRetryableApplicationError("Customer \"Acme\" was made inactive in QuickBooks", workflows.ErrTypeDeletedInQBO, nil))
	s.env.ExecuteWorkflow(workflows.InvoiceSync, workflows.InvoiceSyncInput{AccountID: 1, InvoiceID: 5})
	s.NoError(s.env.GetWorkflowError())
	s.Require().Len(s.recorded, 1)
	s.Equal(workflows.ErrTypeDeletedInQBO, s.recorded[0].ErrorType)
	s.Contains(s.recorded[0].Message, "inactive")
}

func (s *WorkflowSuite) mockImport() {
	for _, n := range []string{workflows.ActImportIncomeAccounts.Name(), workflows.ActImportCustomers.Name(), workflows.ActImportServices.Name(), workflows.ActImportTerms.Name(),
		workflows.ActImportTaxes.Name()} {
		s.env.OnActivity(n, mock.Anything, mock.Anything).Return(workflows.ImportListResult{Imported: 1}, nil)
	}
}

func (s *WorkflowSuite) TestScheduledResyncPullsChangesPushesEditsAndFeedsChangedCardsAndInvoices() {
	// By CDC: the connection as stored (no read), one pull, no import.
	s.env.OnActivity(workflows.ActConnection.Name(), mock.Anything, workflows.AccountInput{AccountID: 1}).Return(workflows.ConnectionInfo{RealmID: "r"}, nil)
	s.env.OnActivity(workflows.ActPullChanges.Name(), mock.Anything, workflows.ConnectionRef{AccountID: 1, RealmID: "r"}).Return(
		workflows.PullResult{Customers: 1, Message: "Brought in QuickBooks' changes."}, nil).Once()
	s.env.OnActivity(workflows.ActRecordScheduledRun.Name(), mock.Anything, mock.Anything).Return(nil).Once()
	s.env.OnActivity(workflows.ActListChanged.Name(), mock.Anything, workflows.ConnectionRef{AccountID: 1, RealmID: "r"}).Return(
		workflows.ChangedObjects{Customers: []int64{4}, Services: []int64{5, 6}, TimeCards: []int64{7, 8}, Invoices: []int64{9}}, nil)
	s.env.OnActivity(workflows.ActEnsureCustomer.Name(), mock.Anything, mock.Anything).Return(workflows.EnsureResult{QBOID: "1"}, nil).Once()
	s.env.OnActivity(workflows.ActEnsureService.Name(), mock.Anything, workflows.EnsureInput{AccountID: 1, RealmID: "r", ObjectID: 5}).Return(workflows.EnsureResult{QBOID: "2"}, nil).Once()
	s.env.OnActivity(workflows.ActEnsureService.Name(), mock.Anything, workflows.EnsureInput{AccountID: 1, RealmID: "r", ObjectID: 6}).Return(
		workflows.EnsureResult{}, appErr(workflows.ErrTypeValidation)).Once()
	s.env.OnActivity(workflows.ActFeedSyncs.Name(), mock.Anything, workflows.FeedInput{AccountID: 1, TimeCards: []int64{7, 8}, Invoices: []int64{9}}).Return(
		workflows.FeedResult{WorkflowIDs: []string{"timecard-sync/1", "invoice-sync/1/9"}}, nil).Once()
	s.env.ExecuteWorkflow(workflows.Resync, workflows.ResyncInput{AccountID: 1, Scope: workflows.ScopeChanged})
	s.NoError(s.env.GetWorkflowError())
	var res workflows.ResyncResult
	s.NoError(s.env.GetWorkflowResult(&res))
	s.Equal(1, res.PushedCustomers)
	s.Equal(1, res.PushedServices)
	s.Equal(1, res.Failed)
	s.Len(res.Fed.WorkflowIDs, 2)
	s.Require().Len(s.recorded, 1)
	s.Equal(int64(6), s.recorded[0].Object.ID)
	s.env.AssertNotCalled(s.T(), workflows.ActImportCustomers.Name(), mock.Anything, mock.Anything)
}

func (s *WorkflowSuite) TestScheduledResyncImportsAllWhenCDCCannotTell() {
	s.env.OnActivity(workflows.ActConnection.Name(), mock.Anything, mock.Anything).Return(workflows.ConnectionInfo{RealmID: "r"}, nil)
	watermark := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s.env.OnActivity(workflows.ActPullChanges.Name(), mock.Anything, mock.Anything).Return(
		workflows.PullResult{NeedsFullImport: true, Watermark: watermark}, nil).Once()
	s.mockImport()
	s.env.OnActivity(workflows.ActMarkPulled.Name(), mock.Anything, workflows.MarkPulledInput{AccountID: 1, RealmID: "r", Watermark: watermark}).Return(nil).Once()
	s.env.OnActivity(workflows.ActListChanged.Name(), mock.Anything, mock.Anything).Return(workflows.ChangedObjects{}, nil)
	s.env.OnActivity(workflows.ActRecordScheduledRun.Name(), mock.Anything, mock.Anything).Return(nil).Once()
	s.env.ExecuteWorkflow(workflows.Resync, workflows.ResyncInput{AccountID: 1, Scope: workflows.ScopeChanged})
	s.NoError(s.env.GetWorkflowError())
}

func (s *WorkflowSuite) TestCustomersResyncDoesNotTouchCardsOrInvoices() {
	s.env.OnActivity(workflows.ActCheckPlan.Name(), mock.Anything, mock.Anything).Return(workflows.ConnectionInfo{RealmID: "r"}, nil)
	s.mockImport()
	s.env.OnActivity(workflows.ActListChanged.Name(), mock.Anything, mock.Anything).Return(workflows.ChangedObjects{TimeCards: []int64{7}}, nil)
	s.env.ExecuteWorkflow(workflows.Resync, workflows.ResyncInput{AccountID: 1, Scope: workflows.ScopeCustomers})
	s.NoError(s.env.GetWorkflowError())
	s.env.AssertNotCalled(s.T(), workflows.ActFeedSyncs.Name(), mock.Anything, mock.Anything)
}

func (s *WorkflowSuite) TestScheduledResyncOfDisconnectedAccountEndsQuietly() {
	// The scheduled re-sync takes the connection as stored: no QBO read to find it gone.
	s.env.OnActivity(workflows.ActConnection.Name(), mock.Anything, mock.Anything).Return(workflows.ConnectionInfo{}, appErr(workflows.ErrTypeNotConnected))
	s.env.ExecuteWorkflow(workflows.Resync, workflows.ResyncInput{AccountID: 1, Scope: workflows.ScopeChanged})
	s.NoError(s.env.GetWorkflowError())
	var res workflows.ResyncResult
	s.NoError(s.env.GetWorkflowResult(&res))
	s.Equal(workflows.MsgNotConnected, res.Message)
}

func (s *WorkflowSuite) TestKeepAliveRefreshesAndReportsAGrantThatIsGone() {
	s.env.OnActivity(workflows.ActRefreshTokens.Name(), mock.Anything, workflows.AccountInput{AccountID: 1}).Return("", appErr(workflows.ErrTypeNeedsReconnect)).Once()
	// The failure is recorded on the account (Settings, metrics), not only returned.
	s.env.OnActivity(workflows.ActRecordScheduledRun.Name(), mock.Anything, workflows.ScheduledRunInput{AccountID: 1,
		Kind: workflows.KindKeepAlive, OK: false, Message: workflows.MsgReconnect}).Return(nil).Once()
	s.env.ExecuteWorkflow(workflows.TokenKeepAlive, workflows.AccountInput{AccountID: 1})
	s.NoError(s.env.GetWorkflowError())
	var msg string
	s.NoError(s.env.GetWorkflowResult(&msg))
	s.Equal(workflows.MsgReconnect, msg)
}

func (s *WorkflowSuite) TestKeepAliveThatRefreshedIsRecordedAsSucceeded() {
	s.env.OnActivity(workflows.ActRefreshTokens.Name(), mock.Anything, workflows.AccountInput{AccountID: 1}).Return("QuickBooks tokens refreshed", nil).Once()
	s.env.OnActivity(workflows.ActRecordScheduledRun.Name(), mock.Anything, workflows.ScheduledRunInput{AccountID: 1,
		Kind: workflows.KindKeepAlive, OK: true, Message: "QuickBooks tokens refreshed"}).Return(nil).Once()
	s.env.ExecuteWorkflow(workflows.TokenKeepAlive, workflows.AccountInput{AccountID: 1})
	s.NoError(s.env.GetWorkflowError())
}

func (s *WorkflowSuite) TestDisconnectRevokesThenPausesSchedules() {
	var order []string
	s.env.OnActivity(workflows.ActDisconnect.Name(), mock.Anything, mock.Anything).Return(func(context.Context, workflows.AccountInput) error {
		order = append(order, "revoke")
		return nil
	}).Once()
	s.env.OnActivity(workflows.ActPauseSchedules.Name(), mock.Anything, mock.Anything).Return(func(context.Context, workflows.AccountInput) error {
		order = append(order, "pause")
		return nil
	}).Once()
	s.env.ExecuteWorkflow(workflows.Disconnect, workflows.AccountInput{AccountID: 1})
	s.NoError(s.env.GetWorkflowError())
	s.Equal([]string{"revoke", "pause"}, order)
}

// selectionProgress asks the workflow for one selection's progress.
func (s *WorkflowSuite) selectionProgress(env *testsuite.TestWorkflowEnvironment, id string) workflows.Progress {
	v, err := env.QueryWorkflow(workflows.QuerySelectionProgress, id)
	s.Require().NoError(err)
	var p workflows.Progress
	s.Require().NoError(v.Get(&p))
	return p
}

// mockOutcomes wires a sync whose push fails card 2 and finds card 3 up to date.
func (s *WorkflowSuite) mockOutcomes(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(workflows.ActCheckPlan.Name(), mock.Anything, mock.Anything).Return(workflows.ConnectionInfo{AccountID: 1, RealmID: "r", CanSyncTime: true}, nil)
	onLoad(env, simpleRefs, nil)
	for _, n := range []string{workflows.ActEnsureEmployee.Name(), workflows.ActEnsureCustomer.Name(), workflows.ActEnsureService.Name()} {
		env.OnActivity(n, mock.Anything, mock.Anything).Return(workflows.EnsureResult{QBOID: "1"}, nil).Maybe()
	}
	env.OnActivity(workflows.ActPrepareTimeActivity.Name(), mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.PrepareInput) ([]workflows.TimeActivityOp, error) {
			ops := make([]workflows.TimeActivityOp, len(in.IDs))
			for i, id := range in.IDs {
				ops[i] = workflows.TimeActivityOp{CardID: id, Version: 1, Op: workflows.OpCreate}
			}
			return ops, nil
		})
	env.OnActivity(workflows.ActPushTimeActivities.Name(), mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.PushTimeActivitiesInput) ([]workflows.Outcome, error) {
			out := make([]workflows.Outcome, len(in.Ops))
			for i, op := range in.Ops {
				o := workflows.Outcome{Object: workflows.ObjectRef{Type: workflows.ObjectTimeCard, ID: op.CardID}, Succeeded: true}
				switch op.CardID % 10 {
				case 2:
					o = workflows.Outcome{Object: o.Object, ErrorType: workflows.ErrTypeInactiveInQBO, Message: "inactive"}
				case 3:
					o.Skipped = true
				}
				out[i] = o
			}
			return out, nil
		})
}

func (s *WorkflowSuite) TestEachSelectionHasItsOwnHonestProgress() {
	s.mockOutcomes(s.env)
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(workflows.SignalSyncTimeCards, workflows.SyncTimeCardsRequest{CardIDs: []int64{1, 2, 3}, SelectionID: "a"})
	}, 0)
	// A later click while the workflow is still open: its own count, not added to the first.
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(workflows.SignalSyncTimeCards, workflows.SyncTimeCardsRequest{CardIDs: []int64{4, 2}, SelectionID: "b"})
	}, 10*time.Second)
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1})
	s.NoError(s.env.GetWorkflowError())
	a := s.selectionProgress(s.env, "a")
	s.Equal(workflows.Progress{Total: 3, Done: 3, Synced: 1, Failed: 1, Skipped: 1, SelectionID: "a",
		Message: "Synced 1 time cards; 1 already up to date; 1 failed."}, a)
	b := s.selectionProgress(s.env, "b")
	s.Equal(2, b.Total)
	s.Equal(1, b.Synced)
	s.Equal(1, b.Failed) // card 2 again: failed again, never counted as synced
	var res workflows.TimeCardSyncResult
	s.NoError(s.env.GetWorkflowResult(&res))
	s.Equal(workflows.TimeCardSyncResult{Synced: 2, Failed: 2, Skipped: 1, Message: "Synced 2 time cards; 1 already up to date; 2 failed."}, res)
}

func (s *WorkflowSuite) TestContinueAsNewCarriesSelectionsWithoutCountingAgain() {
	const total = cardsPerRun + 100
	var ids []int64
	for i := int64(1); i <= total; i++ {
		ids = append(ids, i*10+1) // every card syncs
	}
	s.mockOutcomes(s.env)
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(workflows.SignalSyncTimeCards, workflows.SyncTimeCardsRequest{CardIDs: ids, SelectionID: "big"})
	}, 0)
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1})
	var can *workflow.ContinueAsNewError
	s.Require().True(errors.As(s.env.GetWorkflowError(), &can), "want continue-as-new, got %v", s.env.GetWorkflowError())
	var next workflows.TimeCardSyncInput
	s.Require().NoError(converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	s.NotEmpty(next.Pending)
	s.Equal(total, next.Progress.Total)
	s.Equal(total, next.Progress.Done+len(next.Pending))
	// The connection checked in this run goes with it: the next run does not check again.
	s.Require().NotNil(next.Connection)
	s.Equal("r", next.Connection.RealmID)

	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(workflows.TimeCardSync)
	registerPlaceholders(env)
	env.OnActivity(workflows.ActMarkSyncing.Name(), mock.Anything, mock.Anything).Return(nil).Maybe()
	s.mockOutcomes(env)
	env.ExecuteWorkflow(workflows.TimeCardSync, next)
	s.NoError(env.GetWorkflowError())
	env.AssertNotCalled(s.T(), workflows.ActCheckPlan.Name(), mock.Anything, mock.Anything)
	p := s.selectionProgress(env, "big")
	s.Equal(total, p.Total)
	s.Equal(total, p.Done)
	s.Equal(total, p.Synced)
}

// A sync started before the lanes (its history has no version marker) goes on as it
// began: one batch after the other, continuing as new after 600 cards, checking the
// plan again in the next run.
func (s *WorkflowSuite) TestSyncStartedBeforeLanesGoesOnOneBatchAtATime() {
	s.env.OnGetVersion("concurrent-batches", workflow.DefaultVersion, 2).Return(workflow.DefaultVersion)
	batches := s.mockHappyCards(simpleRefs)
	var pending []int64
	for i := int64(1); i <= 700; i++ {
		pending = append(pending, i)
	}
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: pending})
	var can *workflow.ContinueAsNewError
	s.Require().True(errors.As(s.env.GetWorkflowError(), &can), "got %v", s.env.GetWorkflowError())
	var next workflows.TimeCardSyncInput
	s.Require().NoError(converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	s.Len(next.Pending, 100)
	s.Nil(next.Connection)
	s.Len(*batches, 20)
	for _, b := range *batches {
		s.Len(b, workflows.BatchSize)
	}
}

func (s *WorkflowSuite) TestCardsCreatedInQBOGetTheirSyncedInvoiceLinked() {
	s.env.OnActivity(workflows.ActCheckPlan.Name(), mock.Anything, mock.Anything).Return(workflows.ConnectionInfo{AccountID: 1, RealmID: "r", CanSyncTime: true}, nil)
	onLoad(s.env, simpleRefs, nil)
	for _, n := range []string{workflows.ActEnsureEmployee.Name(), workflows.ActEnsureCustomer.Name(), workflows.ActEnsureService.Name()} {
		s.env.OnActivity(n, mock.Anything, mock.Anything).Return(workflows.EnsureResult{QBOID: "1"}, nil).Maybe()
	}
	s.env.OnActivity(workflows.ActPrepareTimeActivity.Name(), mock.Anything, mock.Anything).Return([]workflows.TimeActivityOp{
		{CardID: 1, Version: 1, Op: workflows.OpCreate, InvoiceID: 9},
		{CardID: 2, Version: 1, Op: workflows.OpCreate, InvoiceID: 9},
		{CardID: 3, Version: 2, Op: workflows.OpUpdate, InvoiceID: 8, QBOID: "5"}, // already linked there
	}, nil)
	s.env.OnActivity(workflows.ActPushTimeActivities.Name(), mock.Anything, mock.Anything).Return([]workflows.Outcome{
		{Object: workflows.ObjectRef{Type: workflows.ObjectTimeCard, ID: 1}, Succeeded: true},
		{Object: workflows.ObjectRef{Type: workflows.ObjectTimeCard, ID: 2}, Succeeded: true},
		{Object: workflows.ObjectRef{Type: workflows.ObjectTimeCard, ID: 3}, Succeeded: true},
	}, nil)
	s.env.OnActivity(workflows.ActFeedSyncs.Name(), mock.Anything, workflows.FeedInput{AccountID: 1, Invoices: []int64{9}}).Return(
		workflows.FeedResult{WorkflowIDs: []string{"invoice-sync/1/9"}}, nil).Once()
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: []int64{1, 2, 3}})
	s.NoError(s.env.GetWorkflowError())
}
