package worker

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"go.temporal.io/sdk/activity"

	"hoursync/activities"
	"hoursync/workflows"
)

// recordingRegistry keeps what was registered, by name.
type recordingRegistry map[string][]any

func (r recordingRegistry) RegisterActivityWithOptions(fn any, opts activity.RegisterOptions) {
	r[opts.Name] = append(r[opts.Name], fn)
}

// TestEveryActivityIsRegisteredOnceUnderItsNameWithItsSignature: each activity the
// workflows call is bound to exactly one method, whose function has the activity's
// signature, and nothing else is registered.
func TestEveryActivityIsRegisteredOnceUnderItsNameWithItsSignature(t *testing.T) {
	reg := recordingRegistry{}
	if err := registerActivities(reg, &activities.Activities{}); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, a := range workflows.AllActivities() {
		if want[a.Name()] {
			t.Errorf("workflows.AllActivities names %s twice", a.Name())
		}
		want[a.Name()] = true
		fns := reg[a.Name()]
		if len(fns) != 1 {
			t.Errorf("activity %s registered %d times, want once", a.Name(), len(fns))
			continue
		}
		if got := reflect.TypeOf(fns[0]); got != a.Signature() {
			t.Errorf("activity %s registered as %v, want %v", a.Name(), got, a.Signature())
		}
	}
	for name := range reg {
		if !want[name] {
			t.Errorf("registered %s, which no workflow calls (missing from workflows.AllActivities?)", name)
		}
	}
}

// TestAMethodBoundToAnotherActivityStopsTheWorker: two activities of one signature
// swapped (or a method renamed) is refused before anything is registered under the
// wrong name.
func TestAMethodBoundToAnotherActivityStopsTheWorker(t *testing.T) {
	reg := recordingRegistry{}
	var acts *activities.Activities
	err := bind(reg, workflows.ActEnsureCustomer, acts.EnsureService)
	if err == nil || !strings.Contains(err.Error(), "activity EnsureCustomer is bound to method EnsureService") {
		t.Fatalf("error %v, want the activity and the method named", err)
	}
	if len(reg) != 0 {
		t.Fatalf("registered %v despite the mismatch", reg)
	}
	anonymous := func(context.Context, workflows.EnsureInput) (workflows.EnsureResult, error) {
		return workflows.EnsureResult{}, nil
	}
	if err := bind(reg, workflows.ActEnsureCustomer, anonymous); err == nil {
		t.Fatal("a function literal was registered as EnsureCustomer")
	}
}
