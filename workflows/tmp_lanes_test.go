package workflows_test

import (
	"context"
	"time"

	"github.com/stretchr/testify/mock"

	"hoursync/workflows"
)

func (s *WorkflowSuite) TestTmpThousand() {
	var pushed = map[int64]int{}
	s.env.OnActivity(workflows.ActCheckPlan.Name(), mock.Anything, mock.Anything).Return(workflows.ConnectionInfo{AccountID: 1, RealmID: "r", CanSyncTime: true}, nil)
	s.env.OnActivity(workflows.ActLoadTimeCards.Name(), mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.LoadTimeCardsInput) ([]workflows.TimeCardRef, error) {
			refs := simpleRefs(in.CardIDs)
			for i := range refs {
				refs[i].EmployeeInSync, refs[i].CustomerInSync, refs[i].ServiceInSync = true, true, true
			}
			return refs, nil
		})
	s.env.OnActivity(workflows.ActPrepareTimeActivity.Name(), mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.PrepareInput) ([]workflows.TimeActivityOp, error) {
			ops := make([]workflows.TimeActivityOp, len(in.IDs))
			for i, id := range in.IDs {
				ops[i] = workflows.TimeActivityOp{CardID: id, Version: 1, Op: workflows.OpCreate}
			}
			return ops, nil
		})
	s.env.OnActivity(workflows.ActPushTimeActivities.Name(), mock.Anything, mock.Anything).After(4500*time.Millisecond).Return(
		func(_ context.Context, in workflows.PushTimeActivitiesInput) ([]workflows.Outcome, error) {
			out := make([]workflows.Outcome, len(in.Ops))
			for i, op := range in.Ops {
				pushed[op.CardID]++
				out[i] = workflows.Outcome{Object: workflows.ObjectRef{Type: workflows.ObjectTimeCard, ID: op.CardID}, Succeeded: true}
			}
			return out, nil
		})
	var ids []int64
	for i := int64(1); i <= 1000; i++ {
		ids = append(ids, i)
	}
	s.env.ExecuteWorkflow(workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: 1, Pending: ids})
	s.NoError(s.env.GetWorkflowError())
	s.Len(pushed, 1000)
	p := s.progress()
	s.Equal(1000, p.Done, "%+v", p)
}
