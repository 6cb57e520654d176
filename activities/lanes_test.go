package activities_test

import (
	"reflect"
	"testing"

	"hoursync/internal/store"
	"hoursync/workflows"
)

// TestPrepareBatchFixesTheWritesOnceDependenciesAreInQBO: cards whose employee,
// customer and service are not in QBO yet come back to be ensured first; once they are,
// the same call marks, loads and fixes the writes PrepareTimeActivities fixes.
func TestPrepareBatchFixesTheWritesOnceDependenciesAreInQBO(t *testing.T) {
	f := newFixture(t)
	f.importAll()
	u, c, sv, ids := f.cards(3)
	in := workflows.PrepareBatchInput{AccountID: f.account.ID, RealmID: f.realm, CardIDs: ids, Mark: true, Kind: workflows.KindTimeCards}
	got, err := f.acts.PrepareBatch(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.Prepared || len(got.Cards) != 3 || got.Cards[0].CustomerInSync || got.Cards[0].ServiceInSync || got.Cards[0].EmployeeInSync {
		t.Fatalf("before the ensures: %+v", got)
	}
	if st := f.state(store.ObjectTimeCard, ids[0]); st.Status != store.StatusSyncing {
		t.Fatalf("state %+v, want syncing", st)
	}
	f.ensure(u, c, sv)
	got, err = f.acts.PrepareBatch(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Prepared || !got.Cards[0].CustomerInSync || !reflect.DeepEqual(got.Ops, f.prepare(ids...)) {
		t.Fatalf("after the ensures: %+v\nwant the ops %+v", got, f.prepare(ids...))
	}
}

// TestSinglesPushEachCardOnceAndARetryIsReplayed: a group sent as single writes makes
// one TimeActivity per card; the same push again (a retried activity) is answered by
// QBO's replays of the same requestids, and still makes none twice.
func TestSinglesPushEachCardOnceAndARetryIsReplayed(t *testing.T) {
	f := newFixture(t)
	f.importAll()
	u, c, sv, ids := f.cards(7)
	f.ensure(u, c, sv)
	in := f.pushInput(f.prepare(ids...))
	in.Singles = true
	for attempt := range 2 {
		out, err := f.acts.PushTimeActivities(f.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 7 {
			t.Fatalf("attempt %d: %d outcomes, want 7", attempt+1, len(out))
		}
		for _, o := range out {
			if !o.Succeeded || o.Message != "Created in QuickBooks" {
				t.Fatalf("attempt %d: outcome %+v", attempt+1, o)
			}
		}
		if tas := f.live("TimeActivity"); len(tas) != 7 {
			t.Fatalf("attempt %d: %d TimeActivities, want 7", attempt+1, len(tas))
		}
	}
	seen := map[string]bool{}
	for _, id := range ids {
		l := f.link(store.ObjectTimeCard, id)
		if seen[l.QBOID] || f.state(store.ObjectTimeCard, id).Status != store.StatusSynced {
			t.Fatalf("card %d: link %+v", id, l)
		}
		seen[l.QBOID] = true
	}
}
