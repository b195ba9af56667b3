package flow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Redacted replaces secrets in traces.
const Redacted = "[REDACTED]"

// secretParams are form and JSON members that are secrets: a trace shows
// that they were sent, never what they were.
var secretParams = map[string]bool{
	"client_secret": true, "code": true, "code_verifier": true, "refresh_token": true,
	"access_token": true, "id_token": true, // bearer credentials, like the Authorization header
	"password": true, "client_assertion": true, "assertion": true, "device_code": true,
	"subject_token": true, "actor_token": true,
}

var secretHeaders = map[string]bool{"Authorization": true, "Cookie": true, "Set-Cookie": true, "Proxy-Authorization": true, "Dpop": true}

// TraceTransport records every exchange with the issuer: as text to Out
// (method, URL, status, headers, bodies), into HAR, and as equivalent curl
// commands to Curl; each is off when nil. Secrets are redacted unless
// ShowSecrets.
type TraceTransport struct {
	Next        http.RoundTripper
	Out         io.Writer
	HAR         *HAR
	Curl        io.Writer
	ShowSecrets bool
	mu          sync.Mutex
}

func (t *TraceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(io.LimitReader(req.Body, MaxDocument))
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	started := time.Now()
	resp, err := next.RoundTrip(req)
	took := time.Since(started)
	var respBody []byte
	if err == nil {
		respBody, _ = io.ReadAll(io.LimitReader(resp.Body, MaxDocument+1))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(respBody))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.Curl != nil {
		io.WriteString(t.Curl, curlCommand(req, reqBody, t.ShowSecrets))
	}
	if t.HAR != nil {
		t.HAR.add(t, req, reqBody, resp, respBody, started, took)
	}
	if t.Out == nil {
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
	io.WriteString(t.Out, b.String())
	return resp, err
}

func (t *TraceTransport) headers(b *strings.Builder, prefix string, h http.Header) {
	for _, kv := range t.headerList(h) {
		fmt.Fprintf(b, "%s%s: %s\n", prefix, kv[0], kv[1])
	}
}

// headerList is the headers in name order, secrets redacted.
func (t *TraceTransport) headerList(h http.Header) [][2]string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var out [][2]string
	for _, k := range names {
		for _, v := range h[k] {
			if secretHeaders[http.CanonicalHeaderKey(k)] && !t.ShowSecrets {
				v = redactHeader(v)
			}
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// redactHeader keeps an auth scheme (Basic, Bearer, DPoP), which says how
// the client authenticated, and hides the rest.
func redactHeader(v string) string {
	if scheme, _, ok := strings.Cut(v, " "); ok && !strings.Contains(scheme, "=") {
		return scheme + " " + Redacted
	}
	return Redacted
}

func (t *TraceTransport) redactURL(u *url.URL) string {
	if t.ShowSecrets || u.RawQuery == "" {
		return u.String()
	}
	c := *u
	c.RawQuery = RedactForm(u.Query()).Encode()
	return c.String()
}

// redactBody redacts secrets in a form or JSON body.
func (t *TraceTransport) redactBody(body []byte, contentType string) string {
	if t.ShowSecrets {
		return string(body)
	}
	if strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
		if v, err := url.ParseQuery(string(body)); err == nil {
			return RedactForm(v).Encode()
		}
	}
	var doc map[string]json.RawMessage
	if json.Unmarshal(body, &doc) == nil {
		for k := range doc {
			if secretParams[k] {
				doc[k] = json.RawMessage(`"` + Redacted + `"`)
			}
		}
		out, _ := json.Marshal(doc)
		return string(out)
	}
	return string(body)
}

// RedactForm copies form values with secrets replaced.
func RedactForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		for _, s := range vs {
			if secretParams[k] {
				s = Redacted
			}
			out.Add(k, s)
		}
	}
	return out
}

// HeaderTransport adds headers to requests for one URL (--header on token
// endpoint requests: Entra single-page-app clients need Origin).
type HeaderTransport struct {
	Next    http.RoundTripper
	URL     string
	Headers http.Header
}

func (t *HeaderTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.String() == t.URL {
		req = req.Clone(req.Context())
		for k, vs := range t.Headers {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
	}
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(req)
}
