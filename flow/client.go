package flow

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/oidcdev/oidc/internal/cache"
)

// Options configure the one HTTP stack every command talks to issuers and
// resources through. The zero value is a working client: the environment's
// proxy settings, the system's CAs, DefaultTimeout and MaxDocument.
type Options struct {
	Timeout  time.Duration // each request; 0 is DefaultTimeout
	CAFile   string        // PEM certificates trusted besides the system's
	Insecure bool          // skip TLS verification (the caller warns loudly)
	// TLSCert and TLSKey are PEM files of a client certificate and its
	// key, presented to every server that asks (mTLS, RFC 8705).
	TLSCert, TLSKey string
	AllowHTTP       bool // plain http:// to non-loopback hosts
	// Headers go on every request, each "Name: value" (Entra
	// single-page-app clients need Origin on the token request; gateways
	// want their own).
	Headers  []string
	MaxBytes int64 // response bodies; 0 is MaxDocument

	// Tracing: each is off when nil. Secrets (the table in secrets.go)
	// are redacted unless ShowSecrets.
	Trace       io.Writer
	Curl        io.Writer
	HAR         *HAR
	ShowSecrets bool

	Cache   *cache.Cache // discovery documents and key sets; nil: none
	Offline bool         // only the cache
}

// New builds the client: transport (proxy, TLS) -> trace -> extra headers
// -> response size limit, outermost last. Every request of every command
// goes through it, so each rule is enforced in one place.
func New(o Options) (*Client, error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = MaxDocument
	}
	tr := http.DefaultTransport.(*http.Transport).Clone() // HTTPS_PROXY, NO_PROXY
	if o.CAFile != "" || o.Insecure {
		pool, _ := x509.SystemCertPool()
		if pool == nil {
			pool = x509.NewCertPool()
		}
		if o.CAFile != "" {
			pem, err := os.ReadFile(o.CAFile)
			if err != nil {
				return nil, &OptionError{Option: "ca_file", Err: err}
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, &OptionError{Option: "ca_file", Err: fmt.Errorf("%s holds no PEM certificate", o.CAFile)}
			}
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, InsecureSkipVerify: o.Insecure} // #nosec G402: --insecure is explicit and warned about
	}
	var clientCert *tls.Certificate
	if o.TLSCert != "" || o.TLSKey != "" {
		if o.TLSCert == "" || o.TLSKey == "" {
			return nil, &OptionError{Option: "tls_cert", Err: errors.New("a client certificate needs both the certificate and its key")}
		}
		cert, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
		if err != nil {
			return nil, &OptionError{Option: "tls_cert", Err: fmt.Errorf("the client certificate: %v", err)}
		}
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{}
		}
		tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
		clientCert = &cert
	}
	var extra http.Header
	for _, h := range o.Headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(k) == "" || strings.ContainsAny(k, " \t") {
			return nil, &OptionError{Option: "header", Err: fmt.Errorf("%q: use 'Name: value'", h)}
		}
		if extra == nil {
			extra = http.Header{}
		}
		extra.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	var rt http.RoundTripper = tr
	if o.Trace != nil || o.Curl != nil || o.HAR != nil {
		rt = &traceTransport{next: rt, out: o.Trace, curl: o.Curl, har: o.HAR, showSecrets: o.ShowSecrets, max: o.MaxBytes}
	}
	c := &Client{MaxBytes: o.MaxBytes, AllowHTTP: o.AllowHTTP, Cache: o.Cache, Offline: o.Offline, Now: time.Now}
	if clientCert != nil {
		sum := sha256.Sum256(clientCert.Certificate[0])
		c.CertThumbprint = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if len(extra) > 0 {
		c.headerHosts = &hostSet{hosts: map[string]bool{}}
		rt = &headerTransport{next: rt, headers: extra, hosts: c.headerHosts}
	}
	rt = &limitTransport{next: rt, max: o.MaxBytes}
	c.HTTP = &http.Client{Timeout: o.Timeout, Transport: rt, CheckRedirect: c.checkRedirect}
	return c, nil
}

// OptionError is a client option that cannot be used (a CA file that holds
// no certificate): the user's mistake, so commands exit 2. Option is the
// stable name of the option; each command knows its flag.
type OptionError struct {
	Option string
	Err    error
}

func (e *OptionError) Error() string { return e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// headerTransport adds the extra headers to requests for the hosts the
// user's own issuer named: never to a host a redirect or a token's iss
// leads to, which may be anyone's (the headers may be a gateway's
// credentials).
type headerTransport struct {
	next    http.RoundTripper
	headers http.Header
	hosts   *hostSet
}

// hostSet is the hosts extra headers go to.
type hostSet struct {
	mu     sync.Mutex
	hosts  map[string]bool
	pinned bool
}

func (h *hostSet) has(host string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hosts[strings.ToLower(host)]
}

// PinHeaders ends TrustHeaders: from now on the headers go only to the
// hosts trusted so far (oidc probe: the resource, not whom it names).
func (c *Client) PinHeaders() {
	if c.headerHosts != nil {
		c.headerHosts.mu.Lock()
		c.headerHosts.pinned = true
		c.headerHosts.mu.Unlock()
	}
}

// TrustHeaders lets the extra headers (Options.Headers) go to the hosts
// of these URLs: the issuer the user named, and the endpoints its
// metadata lists. Callers never pass a URL that came from a token.
func (c *Client) TrustHeaders(urls ...string) {
	if c.headerHosts == nil {
		return
	}
	c.headerHosts.mu.Lock()
	defer c.headerHosts.mu.Unlock()
	if c.headerHosts.pinned {
		return
	}
	for _, raw := range urls {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			c.headerHosts.hosts[strings.ToLower(u.Host)] = true
		}
	}
}

func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.hosts.has(req.URL.Host) {
		return t.next.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	for k, vs := range t.headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	return t.next.RoundTrip(req)
}

// ErrTooLarge is a response body over the client's size limit.
var ErrTooLarge = errors.New("the response is too large")

type tooLarge struct {
	what string
	max  int64
}

func (e *tooLarge) Error() string {
	return fmt.Sprintf("%s: the response is larger than %d KiB", e.what, e.max>>10)
}
func (e *tooLarge) Is(target error) bool { return target == ErrTooLarge }

// limitTransport caps every response body: a reader past the limit gets
// an error instead of more bytes, so no caller can forget the limit.
type limitTransport struct {
	next http.RoundTripper
	max  int64
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max, max: t.max, what: req.Method + " " + req.URL.Redacted()}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
	what string
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, &tooLarge{what: b.what, max: b.max}
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
