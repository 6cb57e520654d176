package workflows_test

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"hoursync/workflows"
)

// lanes records what the pushes of a sync sent: each push's ops and mode, how many ran
// at once at most, and whether a card was ever in two pushes at once.
type lanes struct {
	mu          sync.Mutex
	pushes      []workflows.PushTimeActivitiesInput
	running     map[int64]bool
	inFlight    int
	maxInFlight int
	overlapped  []int64
	ensures     map[string]int
}

// mockLanes wires a sync whose cards all sync; inSync says whether LoadTimeCards finds
// a card's employee, customer and service in QBO already; each push takes hold.
func (s *WorkflowSuite) mockLanes(refs func([]int64) []workflows.TimeCardRef, inSync bool, hold time.Duration) *lanes {
	l := &lanes{running: map[int64]bool{}, ensures: map[string]int{}}
	s.env.OnActivity(workflows.ActCheckPlan.Name(), mock.Anything, mock.Anything).Return(
		workflows.ConnectionInfo{AccountID: 1, RealmID: "r", CanSyncTime: true}, nil)
	withSync := func(ids []int64) []workflows.TimeCardRef {
		out := refs(ids)
		for i := range out {
			out[i].EmployeeInSync, out[i].CustomerInSync, out[i].ServiceInSync = inSync, inSync, inSync
		}
		return out
	}
	onLoad(s.env, withSync, createOps)
	for _, n := range []string{workflows.ActEnsureEmployee.Name(), workflows.ActEnsureCustomer.Name(), workflows.ActEnsureService.Name()} {
		s.env.OnActivity(n, mock.Anything, mock.Anything).Return(func(_ context.Context, in workflows.EnsureInput) (workflows.EnsureResult, error) {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.ensures[n]++
			return workflows.EnsureResult{QBOID: "1"}, nil
		}).Maybe()
	}
	s.env.OnActivity(workflows.ActPrepareTimeActivity.Name(), mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.PrepareInput) ([]workflows.TimeActivityOp, error) {
			return createOps(in.IDs), nil
		}).Maybe()
	s.env.OnActivity(workflows.ActPushTimeActivities.Name(), mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.PushTimeActivitiesInput) ([]workflows.Outcome, error) {
			l.mu.Lock()
			l.pushes = append(l.pushes, in)
			l.inFlight++
			l.maxInFlight = max(l.maxInFlight, l.inFlight)
			for _, op := range in.Ops {
				if l.running[op.CardID] {
					l.overlapped = append(l.overlapped, op.CardID)
				}
				l.running[op.CardID] = true
			}
			l.mu.Unlock()
			time.Sleep(hold)
			l.mu.Lock()
			defer l.mu.Unlock()
			l.inFlight--
			out := make([]workflows.Outcome, len(in.Ops))
			for i, op := range in.Ops {
				delete(l.running, op.CardID)
				out[i] = workflows.Outcome{Object: workflows.ObjectRef{Type: workflows.ObjectTimeCard, ID: op.CardID}, Succeeded: true}
			}
			return out, nil
		})
	return l
}

// onLoad mocks how a sync loads its cards: LoadTimeCards (runs started before the
// lanes) and PrepareBatch (the lanes), which answers the same cards and, when none
// needs a dependency ensured and ops is set, their writes.
func onLoad(env *testsuite.TestWorkflowEnvironment, refs func([]int64) []workflows.TimeCardRef, ops func([]int64) []workflows.TimeActivityOp) {
	env.OnActivity(workflows.ActLoadTimeCards.Name(), mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.LoadTimeCardsInput) ([]workflows.TimeCardRef, error) {
			return refs(in.CardIDs), nil
		}).Maybe()
	env.OnActivity(workflows.ActPrepareBatch.Name(), mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.PrepareBatchInput) (workflows.PreparedBatch, error) {
			out := workflows.PreparedBatch{Cards: refs(in.CardIDs)}
			if ops == nil {
				return out, nil
			}
			var ids []int64
			for _, r := range out.Cards {
				if !r.Deleted && !r.UpToDate && !(r.EmployeeInSync && r.CustomerInSync && r.ServiceInSync) {
					return out, nil
				}
				ids = append(ids, r.CardID)
			}
			out.Ops, out.Prepared = ops(ids), true
			return out, nil
		}).Maybe()
}

// createOps creates every card.
func createOps(ids []int64) []workflows.TimeActivityOp {
	ops := make([]workflows.TimeActivityOp, len(ids))
	for i, id := range ids {
		ops[i] = workflows.TimeActivityOp{CardID: id, Version: 1, Op: workflows.OpCreate}
	}
	return ops
}

func cardIDs(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func (s *WorkflowSuite) TestDependenciesAlreadyInQBONeedNoEnsureActivity() {
	l := s.mockLanes(simpleRefs, true, 0)
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: cardIDs(1, 90)})
	s.NoError(s.env.GetWorkflowError())
	s.Empty(l.ensures, "ensure activities ran for dependencies the load found in QBO")
	s.Equal(90, s.progress().Synced)
}

func (s *WorkflowSuite) TestEachDependencyIsEnsuredOncePerSyncWhileBatchesRunAtOnce() {
	l := s.mockLanes(simpleRefs, false, 20*time.Millisecond) // every card: user 1, customer 2, service 3
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: cardIDs(1, 300)})
	s.NoError(s.env.GetWorkflowError())
	s.Equal(map[string]int{workflows.ActEnsureEmployee.Name(): 1, workflows.ActEnsureCustomer.Name(): 1, workflows.ActEnsureService.Name(): 1}, l.ensures)
	s.Equal(300, s.progress().Synced)
}

func (s *WorkflowSuite) TestSeveralBatchesAreInFlightAtOnceAndNoCardIsInTwo() {
	l := s.mockLanes(simpleRefs, true, 50*time.Millisecond)
	// A selection overlapping cards already in flight: they sync again, after.
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(workflows.SignalSyncTimeCards, workflows.SyncTimeCardsRequest{CardIDs: cardIDs(1, 60)})
	}, time.Millisecond)
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: cardIDs(1, 600)})
	s.NoError(s.env.GetWorkflowError())
	s.Greater(l.maxInFlight, 1, "pushes ran one after another")
	s.LessOrEqual(l.maxInFlight, workflows.BatchLanes+workflows.SinglesLanes)
	s.Empty(l.overlapped, "cards pushed twice at once")
	seen := map[int64]int{}
	for _, p := range l.pushes {
		s.LessOrEqual(len(p.Ops), workflows.BatchSize)
		for _, op := range p.Ops {
			seen[op.CardID]++
		}
	}
	s.Len(seen, 600)
	p := s.progress()
	s.Equal(660, p.Total)
	s.Equal(660, p.Done)
}

func (s *WorkflowSuite) TestSmallGroupsGoAsSingleWritesAndLargeOnesAsBatches() {
	l := s.mockLanes(simpleRefs, true, 0)
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: cardIDs(1, 35)})
	s.NoError(s.env.GetWorkflowError())
	s.Require().Len(l.pushes, 2)
	sort.Slice(l.pushes, func(i, j int) bool { return len(l.pushes[i].Ops) > len(l.pushes[j].Ops) })
	s.False(l.pushes[0].Singles)
	s.Len(l.pushes[0].Ops, workflows.BatchSize)
	s.True(l.pushes[1].Singles)
	s.Len(l.pushes[1].Ops, 5)
	// The batch's requestid is its members'; singles carry each op's own.
	s.NotEqual(l.pushes[0].Ops[0].SingleRequestID("r"), l.pushes[0].RequestID)
	s.Equal(workflows.RequestID("r", workflows.ObjectTimeCard, "single", "create:31:1"), l.pushes[1].Ops[0].SingleRequestID("r"))
}

func (s *WorkflowSuite) TestEnsuredObjectsAndConnectionTravelThroughContinueAsNew() {
	s.mockLanes(simpleRefs, false, 0)
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: cardIDs(1, cardsPerRun+40)})
	var can *workflow.ContinueAsNewError
	s.Require().True(errors.As(s.env.GetWorkflowError(), &can), "want continue-as-new, got %v", s.env.GetWorkflowError())
	var next workflows.TimeCardSyncInput
	s.Require().NoError(converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	s.Equal(&workflows.EnsuredObjects{Employees: []int64{1}, Customers: []int64{2}, Services: []int64{3}}, next.Ensured)
	s.Require().NotNil(next.Connection)

	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(workflows.TimeCardSync)
	registerPlaceholders(env)
	env.OnActivity(workflows.ActMarkSyncing.Name(), mock.Anything, mock.Anything).Return(nil).Maybe()
	onLoad(env, simpleRefs, nil)
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
				out[i] = workflows.Outcome{Object: workflows.ObjectRef{Type: workflows.ObjectTimeCard, ID: op.CardID}, Succeeded: true}
			}
			return out, nil
		})
	env.ExecuteWorkflow(workflows.TimeCardSync, next)
	s.NoError(env.GetWorkflowError())
	// Neither the plan nor any of the three objects is checked in QBO again.
	env.AssertNotCalled(s.T(), workflows.ActCheckPlan.Name(), mock.Anything, mock.Anything)
	for _, n := range []string{workflows.ActEnsureEmployee.Name(), workflows.ActEnsureCustomer.Name(), workflows.ActEnsureService.Name()} {
		env.AssertNotCalled(s.T(), n, mock.Anything, mock.Anything)
	}
}

func (s *WorkflowSuite) TestPlanCheckedOnceForBatchesStartedTogether() {
	s.mockLanes(simpleRefs, true, 0)
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: cardIDs(1, 300)})
	s.NoError(s.env.GetWorkflowError())
	s.env.AssertNumberOfCalls(s.T(), workflows.ActCheckPlan.Name(), 1)
}

func (s *WorkflowSuite) TestImportReadsEveryListAtOnce() {
	var mu sync.Mutex
	running, most := 0, 0
	hold := func(_ context.Context, _ workflows.ConnectionRef) (workflows.ImportListResult, error) {
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		running--
		mu.Unlock()
		return workflows.ImportListResult{Imported: 1}, nil
	}
	for _, n := range importSteps() {
		s.env.OnActivity(n, mock.Anything, mock.Anything).Return(hold).Once()
	}
	s.env.OnActivity(workflows.ActLinkConnectingUser.Name(), mock.Anything, mock.Anything).Return(true, nil).Once()
	s.env.ExecuteWorkflow(workflows.Import, workflows.ImportInput{AccountID: 1, RealmID: "r", ConnectingUserID: 9})
	s.NoError(s.env.GetWorkflowError())
	s.Greater(most, 1, "lists imported one after another")
	var res workflows.ImportResult
	s.NoError(s.env.GetWorkflowResult(&res))
	s.True(res.UserLinked)
	s.Equal(1, res.Customers)
}

func (s *WorkflowSuite) TestImportWithAFailingListFailsAfterTheOthersEnd() {
	s.env.OnActivity(workflows.ActImportIncomeAccounts.Name(), mock.Anything, mock.Anything).Return(workflows.ImportListResult{Imported: 1}, nil).Once()
	s.env.OnActivity(workflows.ActImportCustomers.Name(), mock.Anything, mock.Anything).Return(workflows.ImportListResult{}, appErr(workflows.ErrTypeNeedsReconnect)).Once()
	s.env.OnActivity(workflows.ActImportServices.Name(), mock.Anything, mock.Anything).Return(workflows.ImportListResult{Imported: 1}, nil).Once()
	for _, n := range importSteps()[3:] {
		s.env.OnActivity(n, mock.Anything, mock.Anything).Return(workflows.ImportListResult{Imported: 1}, nil).Once()
	}
	s.env.ExecuteWorkflow(workflows.Import, workflows.ImportInput{AccountID: 1, RealmID: "r"})
	s.Error(s.env.GetWorkflowError())
}

func (s *WorkflowSuite) TestImportStartedBeforeListsAtOnceGoesOneListAfterTheOther() {
	s.env.OnGetVersion("import-lists-at-once", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	var order []string
	for _, n := range importSteps() {
		s.env.OnActivity(n, mock.Anything, mock.Anything).Return(func(context.Context, workflows.ConnectionRef) (workflows.ImportListResult, error) {
			order = append(order, n)
			return workflows.ImportListResult{Imported: 1}, nil
		}).Once()
	}
	s.env.ExecuteWorkflow(workflows.Import, workflows.ImportInput{AccountID: 1, RealmID: "r"})
	s.NoError(s.env.GetWorkflowError())
	s.Equal(importSteps(), order)
}

// importSteps are the activities of an import's lists, in their order.
func importSteps() []string {
	return []string{workflows.ActImportIncomeAccounts.Name(), workflows.ActImportCustomers.Name(), workflows.ActImportServices.Name(),
		workflows.ActImportTerms.Name(), workflows.ActImportTaxes.Name()}
}

func (s *WorkflowSuite) TestLanesStartedBeforePrepareBatchGoPhaseByPhase() {
	s.env.OnGetVersion("concurrent-batches", workflow.DefaultVersion, 2).Return(workflow.Version(1))
	s.env.OnActivity(workflows.ActMarkSyncing.Name(), mock.Anything, mock.Anything).Return(nil)
	l := s.mockLanes(simpleRefs, true, 0)
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: cardIDs(1, 90)})
	s.NoError(s.env.GetWorkflowError())
	s.Equal(90, s.progress().Synced)
	s.Empty(l.ensures)
	s.env.AssertActivityNotCalled(s.T(), workflows.ActPrepareBatch.Name(), mock.Anything, mock.Anything)
	s.env.AssertActivityCalled(s.T(), workflows.ActLoadTimeCards.Name(), mock.Anything, mock.Anything)
}
