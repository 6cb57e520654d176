package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
	"hoursync/workflows"
)

func day(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }

func TestConnectImportsListsAndOnlyTheConnectingUser(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.seed(tn.realm, "Customer", map[string]any{"DisplayName": "O'Brien & Sons"})
	s.seed(tn.realm, "Customer", map[string]any{"DisplayName": "Café Ünïcode"})
	s.seed(tn.realm, "Employee", map[string]any{"GivenName": "Other", "FamilyName": "Person", "DisplayName": "Other Person"})
	incomes := s.entities(tn.realm, "Account")
	s.seed(tn.realm, "Item", map[string]any{"Name": "Consulting", "Type": "Service", "UnitPrice": 150,
		"IncomeAccountRef": map[string]any{"value": incomes[0]["Id"]}})
	res := s.importAll(tn)
	if res.Customers != 2 || res.Services < 1 || res.IncomeAccounts < 1 || !res.UserLinked {
		t.Fatalf("import result %+v", res)
	}
	ctx := context.Background()
	if _, err := s.store.FindCustomerByName(ctx, tn.account.ID, "o'brien & sons"); err != nil {
		t.Fatalf("customer not imported: %v", err)
	}
	svc, err := s.store.FindServiceByName(ctx, tn.account.ID, "Consulting")
	if err != nil || svc.RateCents != 15000 {
		t.Fatalf("service = %+v, %v", svc, err)
	}
	users, _ := s.store.ListUsers(ctx, tn.account.ID)
	if len(users) != 1 {
		t.Fatalf("users = %d: only the connecting user is imported", len(users))
	}
	if st := s.state(tn, store.ObjectUser, tn.owner.ID); st.Status != store.StatusSynced {
		t.Fatalf("connecting user state %+v", st)
	}
	// Importing again duplicates nothing.
	s.importAll(tn)
	all, _ := s.store.ListCustomers(ctx, tn.account.ID, "", store.Page{})
	if len(all) != 2 {
		t.Fatalf("customers after second import = %d", len(all))
	}
}

// cards creates n cards for a new user, a new customer and a new service.
func (s *stack) newCards(tn tenant, n int) (store.User, store.Customer, store.Service, []int64) {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.store.CreateUser(ctx, tn.account.ID, store.NewUser{Email: testutil.UniqueName("new") + "@example.com", FirstName: "Nia", LastName: "New " + testutil.RandomHex(2)})
	if err != nil {
		s.t.Fatal(err)
	}
	c, err := s.store.CreateCustomer(ctx, tn.account.ID, store.CustomerInput{DisplayName: "Brand New Client " + testutil.RandomHex(3), Active: true})
	if err != nil {
		s.t.Fatal(err)
	}
	sv, err := s.store.CreateService(ctx, tn.account.ID, store.ServiceInput{Name: "Illustration " + testutil.RandomHex(2), RateCents: 9000, Active: true})
	if err != nil {
		s.t.Fatal(err)
	}
	var ids []int64
	for i := 0; i < n; i++ {
		card, err := s.store.CreateTimeCard(ctx, tn.account.ID, store.TimeCardInput{UserID: u.ID, CustomerID: c.ID, ServiceID: sv.ID,
			WorkDate: day(2 + i%20), Minutes: 30 + i, Billable: true, RateCents: 9000, Notes: "work"})
		if err != nil {
			s.t.Fatal(err)
		}
		ids = append(ids, card.ID)
	}
	return u, c, sv, ids
}

func TestTimeCardSyncCreatesEmployeeCustomerItemAndTimeActivitiesThenUpdatesAndDeletes(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	u, c, sv, ids := s.newCards(tn, 3)
	s.syncCards(tn, ids...)
	for _, id := range ids {
		if st := s.state(tn, store.ObjectTimeCard, id); st.Status != store.StatusSynced {
			t.Fatalf("card %d: %+v", id, st)
		}
	}
	tas := live(s.entities(tn.realm, "TimeActivity"))
	if len(tas) != 3 {
		t.Fatalf("TimeActivities = %d, want 3", len(tas))
	}
	emps := s.entities(tn.realm, "Employee")
	found := false
	for _, e := range emps {
		if e["GivenName"] == u.FirstName && e["FamilyName"] == u.LastName {
			found = true
		}
	}
	if !found {
		t.Fatalf("employee for %s not created: %v", u.FullName(), emps)
	}
	items := s.entities(tn.realm, "Item")
	var item map[string]any
	for _, it := range items {
		if it["Name"] == sv.Name {
			item = it
		}
	}
	if item == nil {
		t.Fatalf("item %s not created", sv.Name)
	}
	if ref, _ := item["IncomeAccountRef"].(map[string]any); ref == nil || ref["name"] != "Services" {
		t.Fatalf("item income account = %v, want the settings' Services", item["IncomeAccountRef"])
	}
	var cust map[string]any
	for _, x := range s.entities(tn.realm, "Customer") {
		if x["DisplayName"] == c.DisplayName {
			cust = x
		}
	}
	if cust == nil {
		t.Fatal("customer not created")
	}

	// Edit one card and sync again: the same TimeActivity is updated.
	ctx := context.Background()
	link, _ := s.store.GetLink(ctx, tn.account.ID, tn.realm, store.ObjectTimeCard, ids[0])
	card, _ := s.store.GetTimeCard(ctx, tn.account.ID, ids[0])
	if _, err := s.store.UpdateTimeCard(ctx, tn.account.ID, ids[0], store.TimeCardInput{UserID: card.UserID, CustomerID: card.CustomerID,
		ServiceID: card.ServiceID, WorkDate: card.WorkDate, Minutes: 125, Billable: true, RateCents: 9000, Notes: "revised"}); err != nil {
		t.Fatal(err)
	}
	s.syncCards(tn, ids[0])
	tas = live(s.entities(tn.realm, "TimeActivity"))
	if len(tas) != 3 {
		t.Fatalf("TimeActivities after re-sync = %d, want 3", len(tas))
	}
	for _, ta := range tas {
		if str(ta["Id"]) == link.QBOID {
			if str(ta["Hours"]) != "2" || str(ta["Minutes"]) != "5" || ta["Description"] != "revised" || str(ta["SyncToken"]) != "1" {
				t.Fatalf("updated TimeActivity = %v", ta)
			}
		}
	}
	// Delete one: deleted in QBO by its next sync.
	if _, err := s.store.DeleteTimeCard(ctx, tn.account.ID, ids[1]); err != nil {
		t.Fatal(err)
	}
	s.syncCards(tn, ids[1])
	if n := len(live(s.entities(tn.realm, "TimeActivity"))); n != 2 {
		t.Fatalf("TimeActivities after delete = %d, want 2", n)
	}
}

func TestSameNameCustomerInQBOIsLinkedNotDuplicated(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Plus")
	s.importAll(tn)
	_, c, _, ids := s.newCards(tn, 1)
	// The customer appears in QBO (someone typed it there) before the first sync.
	s.seed(tn.realm, "Customer", map[string]any{"DisplayName": c.DisplayName})
	s.syncCards(tn, ids...)
	n := 0
	for _, x := range s.entities(tn.realm, "Customer") {
		if x["DisplayName"] == c.DisplayName {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("customers named %q in QBO = %d, want 1", c.DisplayName, n)
	}
	if st := s.state(tn, store.ObjectTimeCard, ids[0]); st.Status != store.StatusSynced {
		t.Fatalf("card state %+v", st)
	}
}

func TestSimpleStartRefusesTimeSyncWithThePlanMessageAndWritesNothing(t *testing.T) {
	s := newStack(t)
	tn := s.connect("SimpleStart")
	s.importAll(tn)
	before := len(s.entities(tn.realm, "Customer"))
	_, _, _, ids := s.newCards(tn, 2)
	s.syncCards(tn, ids...)
	for _, id := range ids {
		st := s.state(tn, store.ObjectTimeCard, id)
		if st.Status != store.StatusFailed || st.Message != workflows.MsgPlan {
			t.Fatalf("card %d state %+v", id, st)
		}
	}
	if n := len(s.entities(tn.realm, "Customer")); n != before {
		t.Fatalf("customers written on Simple Start: %d -> %d", before, n)
	}
	if n := len(s.entities(tn.realm, "TimeActivity")); n != 0 {
		t.Fatalf("TimeActivities on Simple Start = %d", n)
	}
}

func TestMissingIncomeAccountFailsOnlyCardsOfNewServicesWithTheSettingNamed(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	ctx := context.Background()
	if _, err := s.store.UpdateAccountSettings(ctx, tn.account.ID, store.AccountSettings{TimeZone: "UTC", WeekStart: 1,
		IncomeAccountName: "Consulting Income", ResyncInterval: "daily"}); err != nil {
		t.Fatal(err)
	}
	_, _, _, ids := s.newCards(tn, 1)
	s.syncCards(tn, ids...)
	st := s.state(tn, store.ObjectTimeCard, ids[0])
	if st.Status != store.StatusFailed || st.ErrorCode != workflows.ErrTypeIncomeAccount ||
		!strings.Contains(st.Message, `"Consulting Income"`) || !strings.Contains(st.Message, "Services") {
		t.Fatalf("card state %+v, want the missing income account named with the choices", st)
	}
	if n := len(s.entities(tn.realm, "TimeActivity")); n != 0 {
		t.Fatalf("TimeActivities = %d", n)
	}
}

func TestOperatorsFindSyncsBySearchAttributes(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	_, _, _, ids := s.newCards(tn, 1)
	s.syncCards(tn, ids...)
	query := fmt.Sprintf("HoursyncAccount = '%d' AND SyncKind = '%s' AND QBORealm = '%s'", tn.account.ID, workflows.KindTimeCards, tn.realm)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := s.temporal.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatalf("list %q: %v", query, err)
		}
		if len(resp.Executions) == 1 && resp.Executions[0].Execution.WorkflowId == workflows.TimeCardSyncID(tn.account.ID) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("visibility query %q found %d executions", query, len(resp.Executions))
		}
		time.Sleep(300 * time.Millisecond)
	}
}
