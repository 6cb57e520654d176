package qboemu

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// intuitNamespace is the XML namespace QBO puts on IntuitResponse.
const intuitNamespace = "http://schema.intuit.com/finance/v3"

// result is a fully rendered response. Handlers return results instead of
// writing to the connection so that a requestid can replay the exact bytes and
// drop_after_commit can throw them away after the write committed.
type result struct {
	status int
	ctype  string
	body   []byte
	header map[string]string
}

// wantsJSON reports whether the client asked for JSON. QBO answers XML by
// default, so a client that forgets the Accept header fails here too.
func wantsJSON(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(strings.ToLower(v), "application/json") {
			return true
		}
	}
	return false
}

// qboTime formats t the way QBO stamps responses and MetaData: local time of
// the company (Pacific) with milliseconds and a numeric offset.
func qboTime(t time.Time) string {
	return t.In(pacific).Format("2006-01-02T15:04:05.000-07:00")
}

// metaTime formats MetaData timestamps (QBO omits the milliseconds there).
func metaTime(t time.Time) string {
	return t.In(pacific).Format("2006-01-02T15:04:05-07:00")
}

// render wraps value under key the way QBO wraps every payload:
// {"Customer": {...}, "time": "..."} or <IntuitResponse><Customer>...</IntuitResponse>.
func render(asJSON bool, status int, now time.Time, key string, value any) *result {
	if asJSON {
		var buf bytes.Buffer
		buf.WriteString(`{"`)
		buf.WriteString(key)
		buf.WriteString(`":`)
		if rec, ok := value.(*record); ok {
			b, err := rec.encodedJSON()
			if err != nil {
				return renderInternal(asJSON, now, err)
			}
			buf.Write(b)
		} else if err := writeJSON(&buf, value); err != nil {
			return renderInternal(asJSON, now, err)
		}
		buf.WriteString(`,"time":"`)
		buf.WriteString(qboTime(now))
		buf.WriteString(`"}`)
		return &result{status: status, ctype: "application/json;charset=UTF-8", body: buf.Bytes()}
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	fmt.Fprintf(&buf, `<IntuitResponse xmlns=%q time=%q>`, intuitNamespace, qboTime(now))
	if rec, ok := value.(*record); ok {
		value = rec.Data
	}
	writeXML(&buf, key, value)
	buf.WriteString("</IntuitResponse>")
	return &result{status: status, ctype: "application/xml;charset=UTF-8", body: buf.Bytes()}
}

// renderInternal reports an emulator bug as QBO reports its own: a SystemFault.
func renderInternal(asJSON bool, now time.Time, err error) *result {
	f := newFault(http.StatusInternalServerError, "SystemFault", "10000",
		"An application error has occurred while processing your request", "System Failure Error: "+err.Error(), "")
	if asJSON {
		b, _ := json.Marshal(map[string]any{"Fault": f.body(), "time": qboTime(now)})
		return &result{status: f.status, ctype: "application/json;charset=UTF-8", body: b}
	}
	return render(false, f.status, now, "Fault", f.body())
}

// writeJSON encodes v without HTML escaping (QBO sends & and < verbatim).
func writeJSON(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	buf.Truncate(buf.Len() - 1) // Encode appends a newline
	return nil
}

// writeXML renders a JSON-shaped value the way QBO's XML looks: lower-case
// scalar keys (domain, sparse, code, type, name, startPosition...) become
// attributes, "value" becomes character data, arrays repeat the element.
func writeXML(buf *bytes.Buffer, name string, v any) {
	switch t := v.(type) {
	case []any:
		for _, item := range t {
			writeXML(buf, name, item)
		}
		return
	case []map[string]any:
		for _, item := range t {
			writeXML(buf, name, item)
		}
		return
	case recordRows:
		for _, r := range t {
			writeXML(buf, name, r.Data)
		}
		return
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		buf.WriteByte('<')
		buf.WriteString(name)
		var text string
		for _, k := range keys {
			if k == "value" {
				text = xmlScalar(t[k])
				continue
			}
			if isAttribute(k, t[k]) && xmlName(k) {
				buf.WriteByte(' ')
				buf.WriteString(k)
				buf.WriteString(`="`)
				_ = xml.EscapeText(buf, []byte(xmlScalar(t[k])))
				buf.WriteByte('"')
			}
		}
		buf.WriteByte('>')
		_ = xml.EscapeText(buf, []byte(text))
		for _, k := range keys {
			if k == "value" || isAttribute(k, t[k]) || !xmlName(k) {
				continue
			}
			writeXML(buf, k, t[k])
		}
		buf.WriteString("</")
		buf.WriteString(name)
		buf.WriteByte('>')
		return
	case nil:
		return
	}
	buf.WriteByte('<')
	buf.WriteString(name)
	buf.WriteByte('>')
	_ = xml.EscapeText(buf, []byte(xmlScalar(v)))
	buf.WriteString("</")
	buf.WriteString(name)
	buf.WriteByte('>')
}

// xmlName reports whether k can be an XML element or attribute name; keys a
// client invented that cannot are left out of XML answers.
func xmlName(k string) bool {
	if k == "" || strings.HasPrefix(strings.ToLower(k), "xml") {
		return false
	}
	for i, r := range k {
		ok := r == '_' || (r < utf8.RuneSelf && unicode.IsLetter(r)) ||
			(i > 0 && (r == '-' || r == '.' || (r < utf8.RuneSelf && unicode.IsDigit(r))))
		if !ok {
			return false
		}
	}
	return true
}

func isAttribute(k string, v any) bool {
	r, _ := utf8.DecodeRuneInString(k)
	if !unicode.IsLower(r) {
		return false
	}
	switch v.(type) {
	case map[string]any, []any, []map[string]any, recordRows:
		return false
	}
	return true
}

func xmlScalar(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		if t {
			return "true"
		}
		return "false"
	case nil:
		return ""
	default:
		return fmt.Sprint(t)
	}
}

// adminJSON renders an admin API answer: plain JSON, no QBO envelope.
func adminJSON(status int, v any) *result {
	var buf bytes.Buffer
	if err := writeJSON(&buf, v); err != nil {
		buf.Reset()
		fmt.Fprintf(&buf, `{"error":%q}`, err.Error())
		status = http.StatusInternalServerError
	}
	return &result{status: status, ctype: "application/json", body: buf.Bytes()}
}

// adminError renders an admin API error.
func adminError(status int, format string, args ...any) *result {
	return adminJSON(status, map[string]string{"error": fmt.Sprintf(format, args...)})
}

func (res *result) write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range res.header {
		h.Set(k, v)
	}
	if res.ctype != "" {
		h.Set("Content-Type", res.ctype)
	}
	w.WriteHeader(res.status)
	_, _ = w.Write(res.body)
}
