package server

import (
	"fmt"
	"html/template"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"hoursync/internal/store"
	"hoursync/server/web"
	"hoursync/workflows"
)

// fieldView is one labelled input.
type fieldView struct {
	Name, Label, Type, Autocomplete, Value, Error, Step string
}

func parseTemplates() map[string]*template.Template {
	funcs := template.FuncMap{
		"field": func(pd *pageData, name, label, typ, autocomplete string) fieldView {
			return fieldView{Name: name, Label: label, Type: typ, Autocomplete: autocomplete, Value: pd.Form.Get(name), Error: fieldError(pd.Error, name)}
		},
		"fieldError": fieldError,
		"sentence":   sentence,
		"objectName": objectName,
		"objectURL":  objectURL,
		"kindName": func(kind string) string {
			if name, ok := map[string]string{"import": "Import from QuickBooks", "timecards": "Time sync", "invoice": "Invoice sync",
				"resync": "Re-sync", "scheduled-resync": "Scheduled re-sync", "token-keepalive": "Token refresh", "disconnect": "Disconnect"}[kind]; ok {
				return name
			}
			return kind
		},
		"dollars": dollars,
		// cents shows an amount in the invoice's currency (named beside the total).
		"cents": func(v any) string {
			switch c := v.(type) {
			case int64:
				return formatFixed(c, 2)
			case *int64:
				if c != nil {
					return formatFixed(*c, 2)
				}
			}
			return ""
		},
		"usd":        usd,
		"cardAmount": cardAmount,
		"totalsTable": func(caption, id string, rows []totalRow) map[string]any {
			return map[string]any{"Caption": caption, "ID": id, "Rows": rows}
		},
		"dayName":  dayName,
		"planName": planName,
		"connectionWords": func(status string) string {
			if w, ok := map[string]string{"connected": "Connected: time and invoices sync with this company.",
				"needs_reconnect": "QuickBooks needs you to sign in again: its permission to Hoursync has expired or was withdrawn. Nothing syncs until an admin reconnects.",
				"disconnecting":   "Disconnecting…",
				"disconnected":    "Not connected."}[status]; ok {
				return w
			}
			return sentence(strings.ReplaceAll(status, "_", " "))
		},
		"statusText": func(s string) string {
			return map[string]string{"never": "not synced", "synced": "synced", "changed": "changed", "syncing": "syncing", "failed": "failed"}[s]
		},
		"hm": hm,
		"weekday": func(date string) string {
			d, err := time.Parse(time.DateOnly, date)
			if err != nil {
				return ""
			}
			return d.Format("Mon")
		},
		"date":       func(t time.Time) string { return t.Format("2 Jan 2006") },
		"datetime":   func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
		"inc":        func(i int) int { return i + 1 },
		"reconnects": reconnects,
		"jobName": func(kind string) string {
			if name, ok := map[string]string{"token-keepalive": "Keeping the QuickBooks sign-in fresh", "scheduled-resync": "Scheduled re-sync"}[kind]; ok {
				return name
			}
			return kind
		},
	}
	pages := map[string]string{
		"auth": "auth.html", "timesheet": "timesheet.html timer.html", "timecard_edit": "timesheet.html timecard_edit.html",
		"invoices": "invoices.html", "invoice_edit": "invoice_edit.html", "customers": "customers.html",
		"services": "services.html", "users": "users.html", "settings": "settings.html", "sync": "sync.html", "outbox": "outbox.html",
		"confirm": "confirm.html",
		"grid":    "grid.html timer.html",
		"reports": "reports.html",
	}
	out := map[string]*template.Template{}
	for name, files := range pages {
		paths := []string{"templates/layout.html"}
		for _, f := range strings.Fields(files) {
			paths = append(paths, "templates/"+f)
		}
		// Later files redefine "content": the edit page reuses the timesheet's field
		// templates with a content of its own.
		t := template.Must(template.New(name).Funcs(funcs).ParseFS(web.FS, paths...))
		out[name] = t
	}
	return out
}

// reconnects reports whether a failed sync's error code means that only reconnecting
// QuickBooks helps, so the page offers the Reconnect button beside the sync's message.
// Pages decide on the code; the message (the workflow chose it) is only shown.
func reconnects(errorCode string) bool { return errorCode == workflows.ErrTypeNeedsReconnect }

// fieldError is what e says about the field name: its own message or one of the
// fields it lists ("" for none).
func fieldError(e *apiError, name string) string {
	if e == nil {
		return ""
	}
	if e.Field == name {
		return sentence(e.Message)
	}
	for _, f := range e.Fields {
		if f.Field == name {
			return sentence(f.Message)
		}
	}
	return ""
}

// sentence starts an API message (written to be embedded, in lower case) with a
// capital letter, to stand on its own beside a field.
func sentence(msg string) string {
	r, n := utf8.DecodeRuneInString(msg)
	if n == 0 {
		return msg
	}
	return string(unicode.ToUpper(r)) + msg[n:]
}

// objectName names a synced object for people: "Time card 12".
func objectName(typ string, id int64) string {
	name := map[string]string{store.ObjectTimeCard: "Time card", store.ObjectInvoice: "Invoice", store.ObjectCustomer: "Customer",
		store.ObjectService: "Service", store.ObjectUser: "User"}[typ]
	if name == "" {
		name = sentence(strings.ReplaceAll(typ, "_", " "))
	}
	return fmt.Sprintf("%s %d", name, id)
}

// objectURL is the page of a synced object, or "" for one without a page of its own.
func objectURL(typ string, id int64) string {
	switch typ {
	case store.ObjectTimeCard:
		return fmt.Sprintf("/time-cards/%d/edit", id)
	case store.ObjectInvoice:
		return fmt.Sprintf("/invoices/%d", id)
	case store.ObjectCustomer:
		return fmt.Sprintf("/customers/%d/edit", id)
	case store.ObjectService:
		return fmt.Sprintf("/services/%d/edit", id)
	}
	return ""
}

// dollars shows an amount the API writes as "1234.50" (from integer cents) as
// "$1234.50".
func dollars(amount string) string {
	switch {
	case amount == "":
		return ""
	case strings.HasPrefix(amount, "-"):
		return "-$" + amount[1:]
	}
	return "$" + amount
}
