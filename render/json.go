package render

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/itchyny/gojq"
)

// JSONWriter writes one JSON document per line (JSON Lines), or, with a jq
// expression, that expression's results.
type JSONWriter struct {
	w  *bufio.Writer
	jq *gojq.Code
	// tty: raw strings from --jq go to a terminal, so they are sanitized
	// like every other text from a token.
	tty bool
}

// NewJSONWriter writes to w; jq, when not nil, filters every document.
// tty says w is a terminal.
func NewJSONWriter(w io.Writer, jq *JQ, tty bool) *JSONWriter {
	jw := &JSONWriter{w: bufio.NewWriterSize(w, 4<<10), tty: tty}
	if jq != nil {
		jw.jq = jq.code
	}
	return jw
}

// JQ is a compiled jq expression.
type JQ struct{ code *gojq.Code }

// CompileJQ parses and compiles a jq expression; the error says where it
// is wrong.
func CompileJQ(expr string) (*JQ, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("invalid --jq expression %q: %v", expr, err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, fmt.Errorf("invalid --jq expression %q: %v", expr, err)
	}
	return &JQ{code: code}, nil
}

// Write encodes v as one line of JSON, or runs the jq expression on it and
// prints each result: strings raw, other values as compact JSON (like
// `jq -r`, one result per line).
func (jw *JSONWriter) Write(ctx context.Context, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	if jw.jq == nil {
		_, err := jw.w.Write(buf.Bytes())
		return err
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber() // keep large integers exact through the filter
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	iter := jw.jq.RunWithContext(ctx, doc)
	for {
		out, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := out.(error); isErr {
			if he, ok := err.(*gojq.HaltError); ok && he.Value() == nil {
				return nil
			}
			return fmt.Errorf("--jq: %v", err)
		}
		if s, isString := out.(string); isString {
			if jw.tty {
				s = Sanitize(s)
			}
			jw.w.WriteString(s)
		} else {
			b, err := gojq.Marshal(out)
			if err != nil {
				return err
			}
			jw.w.Write(b)
		}
		jw.w.WriteByte('\n')
	}
}

// Flush writes out what is buffered.
func (jw *JSONWriter) Flush() error { return jw.w.Flush() }
