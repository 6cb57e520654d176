package qboemu

import (
	"bytes"
	"encoding/json"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// QBO's query language: SELECT * | COUNT(*) FROM Entity [WHERE c AND c ...]
// [ORDERBY f [ASC|DESC], ...] [STARTPOSITION n] [MAXRESULTS n].

const (
	defaultMaxResults = 100
	maxMaxResults     = 1000
	maxQueryLength    = 100000
)

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokIdent
	tokString
	tokNumber
	tokOp
	tokPunct
)

type token struct {
	kind tokenKind
	text string // identifiers as written; strings unescaped
	col  int    // 1-based column
}

// lex splits a statement into tokens; it returns the offending text and
// column on a lexical error.
func lex(s string) ([]token, *fault) {
	var toks []token
	runes := []rune(s)
	for i := 0; i < len(runes); {
		r := runes[i]
		col := i + 1
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '\'':
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(runes) {
				c := runes[j]
				if c == '\\' && j+1 < len(runes) {
					b.WriteRune(runes[j+1])
					j += 2
					continue
				}
				if c == '\'' {
					closed = true
					j++
					break
				}
				b.WriteRune(c)
				j++
			}
			if !closed {
				return nil, faultQueryParser("<EOF>", len(runes)+1)
			}
			toks = append(toks, token{tokString, b.String(), col})
			i = j
		case r == '-' || r == '+' || unicode.IsDigit(r):
			j := i + 1
			for j < len(runes) && (unicode.IsDigit(runes[j]) || runes[j] == '.') {
				j++
			}
			text := string(runes[i:j])
			if _, ok := new(big.Rat).SetString(text); !ok {
				return nil, faultQueryParser(text, col)
			}
			toks = append(toks, token{tokNumber, text, col})
			i = j
		case r == '_' || unicode.IsLetter(r):
			j := i + 1
			for j < len(runes) && (runes[j] == '_' || runes[j] == '.' || unicode.IsLetter(runes[j]) || unicode.IsDigit(runes[j])) {
				j++
			}
			toks = append(toks, token{tokIdent, string(runes[i:j]), col})
			i = j
		case r == '<' || r == '>' || r == '=' || r == '!':
			j := i + 1
			if j < len(runes) && (runes[j] == '=' || (r == '<' && runes[j] == '>')) {
				j++
			}
			op := string(runes[i:j])
			if op == "!" {
				return nil, faultQueryParser(op, col)
			}
			toks = append(toks, token{tokOp, op, col})
			i = j
		case r == '(' || r == ')' || r == ',' || r == '*' || r == ';':
			toks = append(toks, token{tokPunct, string(r), col})
			i++
		default:
			return nil, faultQueryParser(string(r), col)
		}
	}
	return append(toks, token{tokEOF, "<EOF>", len(runes) + 1}), nil
}

// qvalue is a literal in a WHERE clause.
type qvalue struct {
	text   string
	quoted bool
}

type condition struct {
	path   []string
	op     string // = < > <= >= != IN LIKE
	values []qvalue
}

type orderKey struct {
	path []string
	desc bool
}

type query struct {
	count      bool
	spec       *entitySpec
	entityName string
	where      []condition
	order      []orderKey
	start, max int
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}
func (p *parser) fail() *fault {
	t := p.peek()
	return faultQueryParser(t.text, t.col)
}

func (p *parser) keyword(words ...string) bool {
	t := p.peek()
	if t.kind != tokIdent {
		return false
	}
	for _, w := range words {
		if strings.EqualFold(t.text, w) {
			p.next()
			return true
		}
	}
	return false
}

func (p *parser) punct(s string) bool {
	if t := p.peek(); t.kind == tokPunct && t.text == s {
		p.next()
		return true
	}
	return false
}

// parseQuery parses a statement. Entity names, keywords and property names
// are case-insensitive, as QBO accepts them in practice.
func parseQuery(s string) (*query, *fault) {
	if len(s) > maxQueryLength {
		return nil, faultQueryValidation("the query is too long")
	}
	if !utf8.ValidString(s) {
		return nil, faultQueryParser("\ufffd", 1)
	}
	toks, f := lex(s)
	if f != nil {
		return nil, f
	}
	p := &parser{toks: toks}
	q := &query{start: 1, max: defaultMaxResults}
	if !p.keyword("select") {
		return nil, p.fail()
	}
	switch {
	case p.punct("*"):
	case p.keyword("count"):
		if !p.punct("(") || !p.punct("*") || !p.punct(")") {
			return nil, p.fail()
		}
		q.count = true
	default:
		// A projection: QBO returns whole objects anyway, so accept and ignore it.
		for {
			if p.peek().kind != tokIdent || strings.EqualFold(p.peek().text, "from") {
				return nil, p.fail()
			}
			p.next()
			if !p.punct(",") {
				break
			}
		}
	}
	if !p.keyword("from") {
		return nil, p.fail()
	}
	et := p.peek()
	if et.kind != tokIdent {
		return nil, p.fail()
	}
	q.spec = lookupSpec(et.text)
	if q.spec == nil {
		return nil, p.fail()
	}
	q.entityName = q.spec.name
	p.next()
	if p.keyword("where") {
		for {
			c, f := p.condition()
			if f != nil {
				return nil, f
			}
			q.where = append(q.where, c)
			if !p.keyword("and") {
				break
			}
		}
	}
	if p.keyword("orderby") || (p.keyword("order") && p.keyword("by")) {
		for {
			t := p.next()
			if t.kind != tokIdent {
				p.pos--
				return nil, p.fail()
			}
			k := orderKey{path: strings.Split(t.text, ".")}
			if p.keyword("desc") {
				k.desc = true
			} else {
				p.keyword("asc")
			}
			q.order = append(q.order, k)
			if !p.punct(",") {
				break
			}
		}
	}
	for range 2 {
		switch {
		case p.keyword("startposition"):
			n, f := p.positive()
			if f != nil {
				return nil, f
			}
			q.start = n
		case p.keyword("maxresults"):
			n, f := p.positive()
			if f != nil {
				return nil, f
			}
			q.max = min(n, maxMaxResults)
		}
	}
	p.punct(";")
	if p.peek().kind != tokEOF {
		return nil, p.fail()
	}
	paths := make([][]string, 0, len(q.where)+len(q.order))
	for _, c := range q.where {
		paths = append(paths, c.path)
	}
	for _, k := range q.order {
		paths = append(paths, k.path)
	}
	for _, path := range paths {
		for _, name := range q.spec.notQueryable {
			if len(path) > 0 && strings.EqualFold(path[0], name) {
				return nil, faultQueryValidation("property '" + name + "' is not queryable")
			}
		}
	}
	return q, nil
}

func (p *parser) positive() (int, *fault) {
	t := p.peek()
	text := t.text
	if t.kind != tokNumber && t.kind != tokString {
		return 0, p.fail()
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 1 {
		return 0, p.fail()
	}
	p.next()
	return n, nil
}

func (p *parser) literal() (qvalue, *fault) {
	t := p.peek()
	switch {
	case t.kind == tokString:
		p.next()
		return qvalue{text: t.text, quoted: true}, nil
	case t.kind == tokNumber:
		p.next()
		return qvalue{text: t.text}, nil
	case t.kind == tokIdent && (strings.EqualFold(t.text, "true") || strings.EqualFold(t.text, "false")):
		p.next()
		return qvalue{text: strings.ToLower(t.text)}, nil
	}
	return qvalue{}, p.fail()
}

func (p *parser) condition() (condition, *fault) {
	t := p.peek()
	if t.kind != tokIdent || isKeyword(t.text) {
		return condition{}, p.fail()
	}
	p.next()
	c := condition{path: strings.Split(t.text, ".")}
	op := p.peek()
	switch {
	case op.kind == tokOp:
		p.next()
		c.op = op.text
		if c.op == "<>" {
			c.op = "!="
		}
		v, f := p.literal()
		if f != nil {
			return c, f
		}
		c.values = []qvalue{v}
	case p.keyword("in"):
		c.op = "IN"
		if !p.punct("(") {
			return c, p.fail()
		}
		for {
			v, f := p.literal()
			if f != nil {
				return c, f
			}
			c.values = append(c.values, v)
			if p.punct(")") {
				break
			}
			if !p.punct(",") {
				return c, p.fail()
			}
		}
	case p.keyword("like"):
		c.op = "LIKE"
		if p.peek().kind != tokString {
			return c, p.fail()
		}
		c.values = []qvalue{{text: p.next().text, quoted: true}}
	default:
		return c, p.fail()
	}
	return c, nil
}

func isKeyword(s string) bool {
	switch strings.ToLower(s) {
	case "select", "from", "where", "and", "or", "orderby", "order", "startposition", "maxresults", "in", "like":
		return true
	}
	return false
}

// field walks a dotted path case-insensitively and reduces references and
// address-like objects to their scalar (value, Address, FreeFormNumber, URI).
func field(obj map[string]any, path []string) any {
	var cur any = obj
	for _, seg := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		v, ok := m[seg]
		if !ok {
			v = nil
			for k, vv := range m {
				if strings.EqualFold(k, seg) {
					v = vv
					break
				}
			}
		}
		cur = v
	}
	if m, ok := cur.(map[string]any); ok {
		for _, k := range []string{"value", "Address", "FreeFormNumber", "URI"} {
			if v, ok := m[k]; ok {
				return v
			}
		}
		return nil
	}
	return cur
}

// compareValues orders a stored value against a literal: numbers
// numerically, dates and date-times chronologically, strings
// case-insensitively. ok is false when they cannot be compared.
func compareValues(v any, lit qvalue) (int, bool) {
	switch t := v.(type) {
	case bool:
		b, err := strconv.ParseBool(strings.ToLower(lit.text))
		if err != nil {
			return 0, false
		}
		if t == b {
			return 0, true
		}
		if !t {
			return -1, true
		}
		return 1, true
	case json.Number:
		a, ok1 := decimal(t)
		b, ok2 := decimal(lit.text)
		if !ok1 || !ok2 {
			return 0, false
		}
		return a.Cmp(b), true
	case string:
		if ta, ok := parseWhen(t); ok {
			if tb, ok := parseWhen(lit.text); ok {
				return ta.Compare(tb), true
			}
		}
		if a, ok := decimal(t); ok && looksNumeric(t) {
			if b, ok := decimal(lit.text); ok {
				return a.Cmp(b), true
			}
		}
		return strings.Compare(strings.ToLower(t), strings.ToLower(lit.text)), true
	}
	return 0, false
}

func looksNumeric(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) && r != '.' && r != '-' {
			return false
		}
	}
	return s != ""
}

func parseWhen(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// like matches QBO's LIKE: % is the only wildcard, case-insensitive.
func like(s, pattern string) bool {
	s, pattern = strings.ToLower(s), strings.ToLower(pattern)
	parts := strings.Split(pattern, "%")
	if len(parts) == 1 {
		return s == pattern
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, last)
}

func (c condition) match(obj map[string]any) bool {
	v := field(obj, c.path)
	if v == nil {
		return false
	}
	switch c.op {
	case "IN":
		for _, lit := range c.values {
			if n, ok := compareValues(v, lit); ok && n == 0 {
				return true
			}
		}
		return false
	case "LIKE":
		s, ok := v.(string)
		return ok && like(s, c.values[0].text)
	}
	n, ok := compareValues(v, c.values[0])
	if !ok {
		return false
	}
	switch c.op {
	case "=":
		return n == 0
	case "!=":
		return n != 0
	case "<":
		return n < 0
	case ">":
		return n > 0
	case "<=":
		return n <= 0
	case ">=":
		return n >= 0
	}
	return false
}

// compareFields orders two stored values for ORDERBY.
func compareFields(a, b any) int {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		}
		return 1
	}
	n, ok := compareValues(a, qvalue{text: scalarString(b)})
	if !ok {
		return strings.Compare(scalarString(a), scalarString(b))
	}
	return n
}

// run evaluates q against the visible objects of one company. Inactive
// names-list objects are hidden unless a condition names Active.
func (q *query) run(tx *txn) (total int, rows recordRows) {
	filterActive := q.spec.nameList
	for _, c := range q.where {
		if len(c.path) == 1 && strings.EqualFold(c.path[0], "Active") {
			filterActive = false
		}
	}
	var recs []*record
	for id := range tx.c.Entities[q.spec.name] {
		rec := tx.get(q.spec.name, id)
		if rec == nil {
			continue
		}
		if filterActive {
			if active, ok := rec.Data["Active"].(bool); ok && !active {
				continue
			}
		}
		ok := true
		for _, c := range q.where {
			if !c.match(rec.Data) {
				ok = false
				break
			}
		}
		if ok {
			recs = append(recs, rec)
		}
	}
	if len(q.order) == 0 {
		// Default order is by Id; extract the ids once.
		keyed := make([]keyedRecord, len(recs))
		for i, rec := range recs {
			keyed[i] = keyedRecord{str(rec.Data["Id"]), rec}
		}
		slices.SortFunc(keyed, func(a, b keyedRecord) int { return compareIDs(a.id, b.id) })
		for i := range keyed {
			recs[i] = keyed[i].rec
		}
	} else {
		slices.SortStableFunc(recs, func(a, b *record) int {
			for _, k := range q.order {
				n := compareFields(field(a.Data, k.path), field(b.Data, k.path))
				if k.desc {
					n = -n
				}
				if n != 0 {
					return n
				}
			}
			return compareIDs(str(a.Data["Id"]), str(b.Data["Id"]))
		})
	}
	total = len(recs)
	if q.count {
		return total, nil
	}
	from := q.start - 1
	if from >= len(recs) {
		return total, nil
	}
	to := min(from+q.max, len(recs))
	return total, recs[from:to]
}

type keyedRecord struct {
	id  string
	rec *record
}

func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// response renders the QueryResponse object for a query result.
func (q *query) response(total int, rows recordRows) map[string]any {
	if q.count {
		return map[string]any{"totalCount": total}
	}
	if len(rows) == 0 {
		return map[string]any{}
	}
	return map[string]any{q.entityName: rows, "startPosition": q.start, "maxResults": len(rows)}
}

// recordRows are query results; they encode from each object's cached JSON.
type recordRows []*record

// MarshalJSON implements json.Marshaler.
func (rs recordRows) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, r := range rs {
		if i > 0 {
			buf.WriteByte(',')
		}
		b, err := r.encodedJSON()
		if err != nil {
			return nil, err
		}
		buf.Write(b)
	}
	buf.WriteByte(']')
	return buf.Bytes(), nil
}
