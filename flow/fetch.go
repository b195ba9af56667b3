// Package flow talks OAuth 2.0 and OpenID Connect to issuers: discovery,
// key sets and, later, the login flows. Every request has a timeout and a
// response size limit.
package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/internal/cache"
)

// Defaults for requests to issuers.
const (
	DefaultTimeout = 10 * time.Second
	MaxDocument    = 1 << 20 // discovery documents and key sets
)

// Client talks to issuers and resources; New builds it.
type Client struct {
	HTTP      *http.Client
	MaxBytes  int64
	AllowHTTP bool         // plain http:// to a non-loopback host
	Cache     *cache.Cache // nil: no disk cache
	Offline   bool         // only the cache
	Now       func() time.Time
	wait      func(context.Context, time.Duration) error // tests: no real waits
	// headerHosts are the hosts Options.Headers go to (TrustHeaders).
	headerHosts *hostSet
	// DPoP, when set, proves possession of its key on every token
	// request and resource call (RFC 9449).
	DPoP *DPoP
	// CertThumbprint is the x5t#S256 of the client certificate, when one
	// is presented (mTLS): certificate-bound tokens name it (RFC 8705 3.1).
	CertThumbprint string
	// accept replaces PostForm's Accept header (a signed introspection
	// answer is asked for by media type, RFC 9701 4).
	accept string
}

// checkRedirect holds every hop to the rules of the first URL, and follows
// no redirect of a POST: a token request must not carry its code, verifier
// or secret anywhere else.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if via[0].Method != http.MethodGet {
		return fmt.Errorf("%s %s redirected to %s: not followed, the request carries secrets", via[0].Method, via[0].URL, req.URL)
	}
	if len(via) >= 5 {
		return errors.New("more than 5 redirects")
	}
	if _, err := c.CheckURL(req.URL.String()); err != nil {
		return fmt.Errorf("redirected to %s: %v", req.URL, err)
	}
	return nil
}

// Error is a failure to get something from an issuer: network, HTTP status,
// size, or a document that is not what it should be. Commands exit 3 on it.
type Error struct {
	URL string
	Err error
	// Option names the input that would fix it, when one would
	// ("token_endpoint"); each command knows its flag.
	Option string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Fetched is a document and what is known about when it was made.
type Fetched struct {
	URL       string
	Body      []byte
	FromCache bool
	// ClockOffset is the server's Date header minus the local clock when
	// the response arrived; nil when the server sent no Date.
	ClockOffset *time.Duration
}

// CheckURL refuses URLs an issuer must not use: anything but https, except
// plain http to a loopback address (or with AllowHTTP).
func (c *Client) CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
		return u, nil
	case "http":
		if IsLoopback(u.Hostname()) || c.AllowHTTP {
			return u, nil
		}
		return nil, fmt.Errorf("%s uses plain http to a non-loopback host: tokens and keys could be altered on the way; pass --allow-http if you really mean it", raw)
	}
	return nil, fmt.Errorf("%s: scheme %q is not http or https", raw, u.Scheme)
}

// IsLoopback reports whether host is localhost or a loopback address.
func IsLoopback(host string) bool { return decode.IsLoopbackHost(host) }

// GetJSON fetches a JSON document, through the cache unless fresh is set.
func (c *Client) GetJSON(ctx context.Context, raw string, fresh bool) (*Fetched, error) {
	if _, err := c.CheckURL(raw); err != nil {
		return nil, &Error{URL: raw, Err: err}
	}
	now := c.Now()
	if c.Cache != nil && (!fresh || c.Offline) {
		if e, ok := c.Cache.Get(raw); ok && (e.Fresh(now) || c.Offline) {
			f := &Fetched{URL: raw, Body: e.Body, FromCache: true}
			if !e.Date.IsZero() {
				off := e.Date.Sub(e.Fetched)
				f.ClockOffset = &off
			}
			return f, nil
		}
	}
	if c.Offline {
		return nil, &Error{URL: raw, Err: fmt.Errorf("--offline: %s is not in the cache", raw)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, &Error{URL: raw, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, &Error{URL: raw, Err: describeNetErr(raw, err)}
	}
	defer resp.Body.Close()
	arrived := c.Now()
	body, err := io.ReadAll(resp.Body)
	if errors.Is(err, ErrTooLarge) {
		return nil, &Error{URL: raw, Err: fmt.Errorf("%v: not a discovery document or key set", err)}
	}
	if err != nil {
		return nil, &Error{URL: raw, Err: fmt.Errorf("GET %s: reading the response: %v", raw, err)}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &Error{URL: raw, Err: fmt.Errorf("GET %s: %s%s", raw, resp.Status, bodySnippet(body))}
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt == "text/html" {
			return nil, &Error{URL: raw, Err: fmt.Errorf("GET %s: an HTML page, not JSON: the URL is wrong, or a login page or proxy answered", raw)}
		}
	}
	if !json.Valid(body) {
		return nil, &Error{URL: raw, Err: fmt.Errorf("GET %s: the response is not JSON%s", raw, bodySnippet(body))}
	}
	f := &Fetched{URL: raw, Body: body}
	var date time.Time
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		date = d
		off := d.Sub(arrived)
		f.ClockOffset = &off
	}
	if c.Cache != nil {
		if age, store := maxAge(resp.Header.Get("Cache-Control")); store {
			_ = c.Cache.Put(&cache.Entry{URL: raw, Fetched: arrived, Expires: arrived.Add(cache.Lifetime(age)), Date: date, Body: body})
		}
	}
	return f, nil
}

// maxAge reads Cache-Control: the max-age (-1 when absent), and whether the
// response may be stored at all.
func maxAge(cc string) (time.Duration, bool) {
	age := time.Duration(-1)
	for _, d := range strings.Split(cc, ",") {
		d = strings.TrimSpace(strings.ToLower(d))
		switch {
		case d == "no-store":
			return 0, false
		case d == "no-cache":
			age = 0
		case strings.HasPrefix(d, "max-age="):
			if n, err := strconv.Atoi(strings.TrimPrefix(d, "max-age=")); err == nil && n >= 0 {
				age = time.Duration(n) * time.Second
			}
		}
	}
	return age, true
}

// bodySnippet is the start of a body for an error message, its secrets
// redacted: an error line lands in logs and CI output.
func bodySnippet(b []byte) string {
	s := strings.TrimSpace(RedactBody(b))
	if s == "" {
		return ""
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return ": " + strconv.Quote(s)
}

func describeNetErr(raw string, err error) error {
	var ue *url.Error
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", raw, context.Canceled)
	}
	if errors.As(err, &ue) && ue.Timeout() {
		return fmt.Errorf("%s %s: no answer in time (timeout): the issuer is down or unreachable, or a proxy is needed (HTTPS_PROXY)", ue.Op, raw)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("GET %s: cannot resolve %s: check the issuer URL", raw, dnsErr.Name)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return fmt.Errorf("GET %s: cannot connect: %v", raw, opErr.Err)
	}
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, raw, ue.Err) // keeps context.Canceled for Ctrl-C
	}
	return fmt.Errorf("%s: %w", raw, err)
}
