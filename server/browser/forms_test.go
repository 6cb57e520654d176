package browser

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Item 7 of "Web UI: honest numbers, names not ids, and pages a bookkeeper
// understands": a form shows every error at once, each beside its field.

// fieldErrors checks that each control (a CSS selector) is marked invalid and
// described by an error that says want.
func (s *session) fieldErrors(page string, want map[string]string) {
	s.t.Helper()
	for control, text := range want {
		got := eval[string](s, `(() => {
		  const c = document.querySelector(`+jsString(control)+`);
		  if (!c) return "no control";
		  if (c.getAttribute("aria-invalid") !== "true") return "not marked invalid";
		  const ids = (c.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
		  return ids.map(id => document.getElementById(id)).filter(e => e && e.classList.contains("error")).map(e => e.innerText).join(" | ") || "described by no error" })()`)
		if !strings.Contains(got, text) {
			s.t.Errorf("%s: %s says %q, want %q\n%s", page, control, got, text, s.mainText())
		}
	}
}

func TestFormsShowEveryErrorBesideItsField(t *testing.T) {
	a, s := newFirm(t)

	// The time-card form: no customer, no service and a time that is none.
	s.run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#f-hours")),
		chromedp.SendKeys(chromedp.CSS("#f-hours"), "soon"))
	s.submit(`form[action="/time-cards"] button.primary`)
	s.fieldErrors("the time-card form", map[string]string{
		"#f-customer_id": "Choose a customer",
		"#f-service_id":  "Choose a service",
		"#f-hours":       "Time must look like 1:30 or 1.5",
	})
	s.mustSee("3 fields need a fix")
	s.shot("form-errors-timecard")

	// The invoice form, per line: a zero quantity on one row, a rate that is no
	// number on another, and a due date before the invoice.
	s.run(chromedp.Navigate(a.url+"/invoices/new"), chromedp.WaitVisible(chromedp.CSS(`select[name="line_service_id"]`)))
	svc := s.optionValue(`select[name="line_service_id"]`, "Consulting")
	s.run(chromedp.SetValue(chromedp.CSS("#f-customer_id"), s.optionValue("#f-customer_id", "Globex")),
		chromedp.SetValue(chromedp.CSS("#f-date"), "2026-03-31"), chromedp.SetValue(chromedp.CSS("#f-due_date"), "2026-03-01"))
	eval[bool](s, `(() => { const rows = document.querySelectorAll("table.lines tbody tr");
	  const set = (r, name, v) => { rows[r].querySelector('[name="' + name + '"]').value = v };
	  set(0, "line_service_id", `+jsString(svc)+`); set(0, "line_quantity", "0"); set(0, "line_rate", "100");
	  set(1, "line_service_id", `+jsString(svc)+`); set(1, "line_quantity", "2"); set(1, "line_rate", "lots");
	  return true })()`)
	s.submit(`form[action="/invoices"] button.primary`)
	s.fieldErrors("the invoice form", map[string]string{
		`[aria-label="Quantity of line 1"]`: "The quantity must be more than zero",
		`[aria-label="Rate of line 2"]`:     "The rate must be a number like 125.00",
		"#f-due_date":                       "The due date cannot be before the invoice date",
	})
	s.shot("form-errors-invoice")

	// Customers: a name with a colon and an e-mail address that is none.
	s.run(chromedp.Navigate(a.url+"/customers"), chromedp.WaitVisible(chromedp.CSS("#f-display_name")),
		chromedp.SendKeys(chromedp.CSS("#f-display_name"), "Acme:East"), chromedp.SendKeys(chromedp.CSS("#f-email"), "nope"))
	s.submit(`form[action="/customers"] button.primary`)
	s.fieldErrors("the customer form", map[string]string{
		"#f-display_name": "A customer's name cannot contain a colon",
		"#f-email":        "Enter a valid e-mail address",
	})

	// Services: no name and a rate with three decimals.
	s.run(chromedp.Navigate(a.url+"/services"), chromedp.WaitVisible(chromedp.CSS("#f-name")),
		chromedp.SendKeys(chromedp.CSS("#f-rate"), "12.345"))
	s.submit(`form[action="/services"] button.primary`)
	s.fieldErrors("the service form", map[string]string{
		"#f-name": "Enter the service's name",
		"#f-rate": "The hourly rate has at most 2 decimals",
	})

	// Settings: an unknown time zone and no income account.
	s.run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS("#f-time_zone")))
	eval[bool](s, `document.querySelector("#f-time_zone").value = "Nowhere/Land"; document.querySelector("#f-income_account_name").value = ""; true`)
	s.submit(`form[action="/settings"] button.primary`)
	s.fieldErrors("the settings form", map[string]string{
		"#f-time_zone":           `Unknown time zone "Nowhere/Land"`,
		"#f-income_account_name": "Enter an income account name",
	})
	s.shot("form-errors-settings")

	// Sign-up, sent empty.
	other := newSession(t, a)
	other.run(chromedp.Navigate(a.url+"/signup"), chromedp.WaitVisible(chromedp.CSS("#f-firm_name")))
	other.submit(`form[action="/signup"] button.primary`)
	other.fieldErrors("the sign-up form", map[string]string{
		"#f-firm_name":  "Enter the firm's name",
		"#f-first_name": "Enter your first name",
		"#f-email":      "Enter an e-mail address",
		"#f-password":   "Use at least 10 characters",
	})
	other.shot("form-errors-signup")
}
