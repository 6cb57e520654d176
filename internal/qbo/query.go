package qbo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Op is a comparison QBO's query language supports (no OR, no NOT).
type Op string

// Comparison operators.
const (
	Eq   Op = "="
	Lt   Op = "<"
	Gt   Op = ">"
	Le   Op = "<="
	Ge   Op = ">="
	Like Op = "LIKE"
	In   Op = "IN"
)

// MaxPageSize is QBO's MAXRESULTS ceiling.
const MaxPageSize = 1000

// Query builds a QBO query statement with every value escaped. Build it with From,
// add conditions with Where, then pass it to QueryPage, All or Count. A Query is a
// value: each method returns a changed copy.
type Query struct {
	entity  string
	conds   []string
	orderBy []string
	start   int
	max     int
	err     error
}

// From starts a query over T's entity.
func From[T Entity]() Query {
	var zero T
	return Query{entity: zero.EntityName()}
}

// Where adds "field op value" (joined with AND). value may be a string, bool, any
// integer, Money, Quantity, time.Time (a datetime) or, for In, a []string. Strings
// are quoted and escaped, so a name like O'Brien & Sons or C:\dir matches itself;
// only with Like is % a wildcard.
func (q Query) Where(field string, op Op, value any) Query {
	if err := checkField(field); err != nil {
		q.err = errors.Join(q.err, err)
		return q
	}
	var lit string
	var err error
	if op == In {
		list, ok := value.([]string)
		if !ok || len(list) == 0 {
			q.err = errors.Join(q.err, fmt.Errorf("qbo: query: IN needs a non-empty []string"))
			return q
		}
		parts := make([]string, len(list))
		for i, s := range list {
			if parts[i], err = Quote(s); err != nil {
				q.err = errors.Join(q.err, err)
				return q
			}
		}
		lit = "(" + strings.Join(parts, ", ") + ")"
	} else if lit, err = literal(value); err != nil {
		q.err = errors.Join(q.err, err)
		return q
	}
	switch op {
	case Eq, Lt, Gt, Le, Ge, Like, In:
	default:
		q.err = errors.Join(q.err, fmt.Errorf("qbo: query: unknown operator %q", op))
		return q
	}
	q.conds = append(append([]string(nil), q.conds...), field+" "+string(op)+" "+lit)
	return q
}

// OrderBy adds a sort key.
func (q Query) OrderBy(field string, desc bool) Query {
	if err := checkField(field); err != nil {
		q.err = errors.Join(q.err, err)
		return q
	}
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	q.orderBy = append(append([]string(nil), q.orderBy...), field+" "+dir)
	return q
}

// Page sets STARTPOSITION (1-based) and MAXRESULTS (at most 1000).
func (q Query) Page(start, max int) Query {
	if start < 1 || max < 1 || max > MaxPageSize {
		q.err = errors.Join(q.err, fmt.Errorf("qbo: query: page start %d size %d out of range", start, max))
		return q
	}
	q.start, q.max = start, max
	return q
}

// Entity is the queried entity's name.
func (q Query) Entity() string { return q.entity }

// Build returns the statement, or the first problem met while building it.
func (q Query) Build() (string, error) { return q.build(false) }

func (q Query) build(count bool) (string, error) {
	if q.err != nil {
		return "", q.err
	}
	if q.entity == "" {
		return "", errors.New("qbo: query: no entity")
	}
	var b strings.Builder
	if count {
		b.WriteString("SELECT COUNT(*) FROM ")
	} else {
		b.WriteString("SELECT * FROM ")
	}
	b.WriteString(q.entity)
	if len(q.conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(q.conds, " AND "))
	}
	if count {
		return b.String(), nil
	}
	if len(q.orderBy) > 0 {
		b.WriteString(" ORDERBY " + strings.Join(q.orderBy, ", "))
	}
	if q.start > 0 {
		b.WriteString(" STARTPOSITION " + strconv.Itoa(q.start) + " MAXRESULTS " + strconv.Itoa(q.max))
	}
	return b.String(), nil
}

// String returns the statement, or "<invalid query: ...>".
func (q Query) String() string {
	s, err := q.Build()
	if err != nil {
		return "<invalid query: " + err.Error() + ">"
	}
	return s
}

func checkField(field string) error {
	if field == "" {
		return errors.New("qbo: query: empty field name")
	}
	for _, r := range field {
		if !(r == '.' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return fmt.Errorf("qbo: query: invalid field name %q", field)
		}
	}
	return nil
}

// Quote returns s as a QBO string literal: in single quotes, with backslash and quote
// escaped by a backslash. Invalid UTF-8 is refused (QBO would reject the request).
func Quote(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("qbo: query: value is not valid UTF-8")
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for _, r := range s {
		if r == '\'' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String(), nil
}

func literal(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return Quote(v)
	case bool:
		return strconv.FormatBool(v), nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case int32:
		return strconv.FormatInt(int64(v), 10), nil
	case Money:
		return v.String(), nil
	case Quantity:
		return v.String(), nil
	case time.Time:
		return "'" + v.Format(time.RFC3339) + "'", nil
	}
	return "", fmt.Errorf("qbo: query: unsupported value type %T", v)
}

// queryEnvelope is {"QueryResponse": {"<Entity>": [...], "startPosition", "maxResults", "totalCount"}}.
type queryEnvelope struct {
	QueryResponse map[string]json.RawMessage `json:"QueryResponse"`
}

func (c *Client) runQuery(ctx context.Context, entity, stmt string) (map[string]json.RawMessage, error) {
	resp, err := c.do(ctx, call{method: http.MethodGet, path: "/query", query: url.Values{"query": {stmt}},
		entity: entity, op: OpQuery})
	if err != nil {
		return nil, err
	}
	var env queryEnvelope
	if err := json.Unmarshal(resp, &env); err != nil {
		return nil, fmt.Errorf("qbo: query %s: decode response: %w", entity, err)
	}
	if env.QueryResponse == nil {
		return nil, fmt.Errorf("qbo: query %s: response has no QueryResponse", entity)
	}
	return env.QueryResponse, nil
}

func decodeRows[T Entity](qr map[string]json.RawMessage) ([]T, error) {
	var zero T
	raw, ok := qr[zero.EntityName()]
	if !ok {
		for k, v := range qr {
			if strings.EqualFold(k, zero.EntityName()) {
				raw, ok = v, true
			}
		}
	}
	if !ok {
		return nil, nil // QBO answers {} when nothing matches
	}
	var rows []T
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, fmt.Errorf("qbo: query %s: decode rows: %w", zero.EntityName(), err)
	}
	return rows, nil
}

// QueryPage runs q once and returns its rows (one page: QBO's default is 100 rows
// unless q sets Page).
func QueryPage[T Entity](ctx context.Context, c *Client, q Query) ([]T, error) {
	stmt, err := q.Build()
	if err != nil {
		return nil, err
	}
	qr, err := c.runQuery(ctx, q.entity, stmt)
	if err != nil {
		return nil, err
	}
	return decodeRows[T](qr)
}

// All iterates every row of q, page by page (STARTPOSITION/MAXRESULTS; pageSize 0
// means 1000), stopping after the first short page. An error ends the iteration as
// its last pair. Add an OrderBy (e.g. "Id") for a stable order while rows change.
func All[T Entity](ctx context.Context, c *Client, q Query, pageSize int) iter.Seq2[T, error] {
	if pageSize <= 0 || pageSize > MaxPageSize {
		pageSize = MaxPageSize
	}
	return func(yield func(T, error) bool) {
		var zero T
		for start := 1; ; start += pageSize {
			rows, err := QueryPage[T](ctx, c, q.Page(start, pageSize))
			if err != nil {
				yield(zero, err)
				return
			}
			for _, r := range rows {
				if !yield(r, nil) {
					return
				}
			}
			if len(rows) < pageSize {
				return
			}
		}
	}
}

// Count runs SELECT COUNT(*) with q's conditions.
func Count(ctx context.Context, c *Client, q Query) (int, error) {
	stmt, err := q.build(true)
	if err != nil {
		return 0, err
	}
	qr, err := c.runQuery(ctx, q.entity, stmt)
	if err != nil {
		return 0, err
	}
	raw, ok := qr["totalCount"]
	if !ok {
		return 0, nil
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("qbo: count %s: decode totalCount: %w", q.entity, err)
	}
	return n, nil
}
