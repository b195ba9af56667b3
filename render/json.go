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
	code, err := compileJQ("--jq", expr)
	if err != nil {
		return nil, err
	}
	return &JQ{code: code}, nil
}

// compileJQ parses and compiles the expression of a flag (--jq, --assert).
func compileJQ(flag, expr string) (*gojq.Code, error) {
	q, err := gojq.Parse(expr)
	if err == nil {
		var code *gojq.Code
		if code, err = gojq.Compile(q); err == nil {
			return code, nil
		}
	}
	return nil, fmt.Errorf("invalid %s expression %q: %v", flag, expr, err)
}

// Write encodes v as one line of JSON, or runs the jq expression on it and
// prints each result: strings raw, other values as compact JSON (like
// `jq -r`, one result per line).
func (jw *JSONWriter) Write(ctx context.Context, v any) error {
	out, err := jw.AppendEncoded(ctx, nil, v)
	if err != nil {
		return err
	}
	_, err = jw.w.Write(out)
	return err
}

// AppendEncoded appends to dst what Write would write, without writing
// it, so that workers can encode in parallel and one writer keeps the
// order. It is safe for concurrent use.
func (jw *JSONWriter) AppendEncoded(ctx context.Context, dst []byte, v any) ([]byte, error) {
	// Without a filter the document goes straight after dst; with one it
	// is only the filter's input.
	buf := bytes.NewBuffer(dst)
	if jw.jq != nil {
		buf = new(bytes.Buffer)
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	if jw.jq == nil {
		return buf.Bytes(), nil
	}
	doc, err := jqInput(buf)
	if err != nil {
		return dst, err
	}
	out := bytes.NewBuffer(dst)
	iter := jw.jq.RunWithContext(ctx, doc)
	for {
		v, ok := iter.Next()
		if !ok {
			return out.Bytes(), nil
		}
		if err, isErr := v.(error); isErr {
			if he, ok := err.(*gojq.HaltError); ok && he.Value() == nil {
				return out.Bytes(), nil
			}
			return dst, fmt.Errorf("--jq: %v", err)
		}
		if s, isString := v.(string); isString {
			if jw.tty {
				s = Sanitize(s)
			}
			out.WriteString(s)
		} else {
			b, err := gojq.Marshal(v)
			if err != nil {
				return dst, err
			}
			out.Write(b)
		}
		out.WriteByte('\n')
	}
}

// WriteEncoded writes what AppendEncoded returned.
func (jw *JSONWriter) WriteEncoded(b []byte) error {
	_, err := jw.w.Write(b)
	return err
}

// Flush writes out what is buffered.
func (jw *JSONWriter) Flush() error { return jw.w.Flush() }

// jqInput reads an encoded document as jq's input.
func jqInput(r io.Reader) (any, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber() // keep large integers exact through the filter
	var doc any
	err := dec.Decode(&doc)
	return doc, err
}
