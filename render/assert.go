package render

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/itchyny/gojq"
)

// Assertions are jq expressions that must hold for every token, run on the
// document --json prints for it (--assert).
type Assertions []assertion

type assertion struct {
	expr string
	code *gojq.Code
}

// CompileAssertions compiles each expression; the error names the one
// that does not compile and where.
func CompileAssertions(exprs []string) (Assertions, error) {
	var as Assertions
	for _, e := range exprs {
		code, err := compileJQ("--assert", e)
		if err != nil {
			return nil, err
		}
		as = append(as, assertion{expr: e, code: code})
	}
	return as, nil
}

// Failures runs every assertion on v's JSON document and says, one line
// each, which did not hold and what they gave. An assertion holds when it
// yields at least one value and none is false or null, as jq's `all` and
// `-e` read truth; an error does not hold.
func (as Assertions) Failures(ctx context.Context, v any) ([]string, error) {
	if len(as) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	doc, err := jqInput(&buf)
	if err != nil {
		return nil, err
	}
	// verify's document holds the token under "token": its members are
	// lifted beside the verdict, so that one expression (.payload.groups)
	// works on decode and verify alike.
	if m, ok := doc.(map[string]any); ok {
		if t, ok := m["token"].(map[string]any); ok {
			for k, v := range t {
				if _, taken := m[k]; !taken {
					m[k] = v
				}
			}
		}
	}
	var failed []string
	for _, a := range as {
		if why := a.fails(ctx, doc); why != "" {
			failed = append(failed, fmt.Sprintf("assertion failed: %s (%s)", a.expr, why))
		}
	}
	return failed, nil
}

// fails says why the assertion does not hold on doc, "" when it does.
func (a assertion) fails(ctx context.Context, doc any) string {
	iter := a.code.RunWithContext(ctx, doc)
	n := 0
	for {
		v, ok := iter.Next()
		if !ok {
			break
		}
		if err, isErr := v.(error); isErr {
			return "error: " + Sanitize(err.Error())
		}
		n++
		if v == nil {
			return "gave null"
		}
		if v == false {
			return "gave false"
		}
	}
	if n == 0 {
		return "gave no value"
	}
	return ""
}
