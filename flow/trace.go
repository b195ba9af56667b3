package flow

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// traceTransport records every exchange: as text to out (method, URL,
// status, headers, bodies), into har, and as equivalent curl commands to
// curl; each is off when nil. Secrets are redacted unless showSecrets.
type traceTransport struct {
	next        http.RoundTripper
	out         io.Writer
	har         *HAR
	curl        io.Writer
	showSecrets bool
	max         int64 // response bytes kept; the limit transport outside refuses more
	mu          sync.Mutex
}

func (t *traceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		// Our own requests: small, and a trace must show them whole.
		reqBody, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	started := time.Now()
	resp, err := t.next.RoundTrip(req)
	took := time.Since(started)
	var respBody []byte
	if err == nil {
		var readErr error
		respBody, readErr = io.ReadAll(io.LimitReader(resp.Body, t.max+1))
		resp.Body.Close()
		// The caller reads what came, then the error that cut it short:
		// a trace must not turn a broken read into a parse error.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(respBody), errReader{readErr}))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.curl != nil {
		io.WriteString(t.curl, curlCommand(req, reqBody, t.showSecrets))
	}
	if t.har != nil {
		t.har.add(t, req, reqBody, resp, respBody, started, took)
	}
	if t.out == nil {
		return resp, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", req.Method, t.redactURL(req.URL))
	t.headers(&b, "> ", req.Header)
	if len(reqBody) > 0 {
		fmt.Fprintf(&b, ">\n> %s\n", t.redactBody(reqBody, req.Header.Get("Content-Type")))
	}
	if err != nil {
		fmt.Fprintf(&b, "< error: %v\n", err)
	} else {
		fmt.Fprintf(&b, "< %s %s\n", resp.Proto, resp.Status)
		t.headers(&b, "< ", resp.Header)
		if len(respBody) > 0 {
			fmt.Fprintf(&b, "<\n< %s\n", t.redactBody(respBody, resp.Header.Get("Content-Type")))
		}
	}
	io.WriteString(t.out, b.String())
	return resp, err
}

func (t *traceTransport) headers(b *strings.Builder, prefix string, h http.Header) {
	for _, kv := range t.headerList(h) {
		fmt.Fprintf(b, "%s%s: %s\n", prefix, kv[0], kv[1])
	}
}

// headerList is the headers in name order, secrets redacted.
func (t *traceTransport) headerList(h http.Header) [][2]string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var out [][2]string
	for _, k := range names {
		for _, v := range h[k] {
			switch {
			case t.showSecrets:
			case isSecretHeader(k):
				v = redactHeader(v)
			case http.CanonicalHeaderKey(k) == "Location":
				// An authorization response is a redirect: its code and
				// tokens ride in the Location.
				v = t.redactLocation(v)
			}
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

func (t *traceTransport) redactURL(u *url.URL) string {
	if t.showSecrets || u.RawQuery == "" && u.Fragment == "" {
		return u.String()
	}
	c := *u
	if u.RawQuery != "" {
		c.RawQuery = RedactForm(u.Query()).Encode()
	}
	if f, err := url.ParseQuery(u.Fragment); err == nil && u.Fragment != "" {
		c.Fragment, c.RawFragment = RedactForm(f).Encode(), ""
	}
	return c.String()
}

// redactBody redacts secrets in a form or JSON body.
func (t *traceTransport) redactBody(body []byte, _ string) string {
	if t.showSecrets {
		return string(body)
	}
	return RedactBody(body)
}

// redactLocation is a Location header's URL with its secrets redacted.
func (t *traceTransport) redactLocation(v string) string {
	if u, err := url.Parse(v); err == nil && v != "" {
		return t.redactURL(u)
	}
	return v
}

// errReader returns its error, or EOF.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	return 0, io.EOF
}
