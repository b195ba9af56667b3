package flow

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oidcdev/oidc/internal/webpage"
)

// Callback is what came back to the redirect URI.
type Callback struct {
	Params url.Values
	// Via is "listener" or "paste".
	Via string
}

// AuthError is an error response from the authorization endpoint
// (RFC 6749 4.1.2.1), e.g. access_denied.
type AuthError struct {
	Code, Description, URI string
}

func (e *AuthError) Error() string {
	return oauthError("the issuer answered with error", e.Code, e.Description, e.URI)
}

// oauthError words an OAuth error response (RFC 6749 4.1.2.1, 5.2): its
// code, then the description and the page the issuer points to, if any.
func oauthError(lead, code, description, uri string) string {
	s := lead + " " + code
	if description != "" {
		s += ": " + description
	}
	if uri != "" {
		s += " (" + uri + ")"
	}
	return s
}

// callbackCheck validates a callback against what the flow sent.
type callbackCheck struct {
	state     string
	issuer    string
	issuerReq bool // the issuer advertises RFC 9207 iss
	// logout: the redirect after RP-initiated logout, which brings only
	// the state back.
	logout bool
}

// errWrongState is a callback that is not for this flow: answered, ignored.
var errWrongState = errors.New("the state parameter does not match the one this login sent: a callback from another login or a forged one")

// check returns the callback's outcome: nil for a good one, an *AuthError
// for an error response, errWrongState for one to ignore, or another error
// that ends the flow (an RFC 9207 issuer mismatch).
func (cc *callbackCheck) check(p url.Values) error {
	if len(p["state"]) != 1 || subtle.ConstantTimeCompare([]byte(p.Get("state")), []byte(cc.state)) != 1 {
		return errWrongState
	}
	if cc.logout {
		if e := p.Get("error"); e != "" {
			return &AuthError{Code: e, Description: p.Get("error_description"), URI: p.Get("error_uri")}
		}
		return nil
	}
	for _, name := range []string{"iss", "code", "error"} {
		if len(p[name]) > 1 {
			return fmt.Errorf("the callback has %d %s parameters: a response has one", len(p[name]), name)
		}
	}
	// RFC 9207: a response from another issuer is a mix-up attack. This
	// flow asks for a code only, so no ID token can stand in for iss.
	iss, has := p["iss"]
	switch {
	case has && iss[0] != cc.issuer:
		return fmt.Errorf("the callback's iss is %q, not the issuer this login started with (%s): an authorization server mix-up (RFC 9207)", iss[0], cc.issuer)
	case !has && cc.issuerReq:
		return fmt.Errorf("the issuer advertises authorization_response_iss_parameter_supported but the callback has no iss (RFC 9207)")
	}
	if e := p.Get("error"); e != "" {
		return &AuthError{Code: e, Description: p.Get("error_description"), URI: p.Get("error_uri")}
	}
	if p.Get("code") == "" {
		return errors.New("the callback has neither a code nor an error")
	}
	return nil
}

// Listener receives the redirect of one login on a loopback address.
type Listener struct {
	ln   net.Listener
	srv  *http.Server
	path string
	uri  string
	// start, when set, is a path that redirects to startTarget: a URL
	// that carries a token is opened through it, so that the token is
	// never on a command line (the browser's).
	start, startTarget string
	check              *callbackCheck
	result             chan callbackResult
	once               sync.Once
}

type callbackResult struct {
	cb  *Callback
	err error
}

// Listen binds the redirect URI's loopback address. redirectURI may be
// empty (127.0.0.1, port, /callback). Its host must be loopback; localhost
// binds 127.0.0.1.
// CheckRedirectURI accepts only http URLs on a loopback host (RFC 8252 7.3).
func CheckRedirectURI(redirectURI string) error {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must be http://127.0.0.1, http://[::1] or http://localhost with a path, no query", redirectURI)
	}
	if !IsLoopback(u.Hostname()) {
		return fmt.Errorf("%q: the host must be a loopback address or localhost: the listener never binds other interfaces", redirectURI)
	}
	return nil
}

func Listen(redirectURI string, port int) (*Listener, error) {
	if redirectURI == "" {
		redirectURI = "http://127.0.0.1:" + strconv.Itoa(port) + "/callback"
	}
	if err := CheckRedirectURI(redirectURI); err != nil {
		return nil, err
	}
	u, _ := url.Parse(redirectURI)
	host := u.Hostname()
	bind := host
	if strings.EqualFold(host, "localhost") {
		bind = "127.0.0.1"
	}
	p := u.Port()
	if p == "" {
		p = strconv.Itoa(port)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(bind, p))
	if err != nil {
		return nil, fmt.Errorf("cannot listen for the callback on %s: %v", net.JoinHostPort(bind, p), err)
	}
	// The redirect URI names the port actually bound.
	u.Host = net.JoinHostPort(host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	if u.Path == "" {
		u.Path = "/"
	}
	l := &Listener{ln: ln, path: u.Path, uri: u.String(), result: make(chan callbackResult, 1)}
	l.srv = &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}
	return l, nil
}

// RedirectURI is the redirect URI to send, with the bound port.
func (l *Listener) RedirectURI() string { return l.uri }

// Serve answers callbacks until one is good (or ends the flow), then
// stops. Call it once, after setting the expected state.
func (l *Listener) serve(check *callbackCheck) {
	l.check = check
	go func() { _ = l.srv.Serve(l.ln) }()
}

// Close stops the listener.
func (l *Listener) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = l.srv.Shutdown(ctx)
}

func (l *Listener) deliver(r callbackResult) {
	l.once.Do(func() { l.result <- r })
}

// startAt makes the listener redirect a one-time path to target, and
// returns the loopback URL to open instead of target.
func (l *Listener) startAt(target string) string {
	l.start, l.startTarget = "/start-"+randomString(), target
	u, _ := url.Parse(l.uri)
	u.Path, u.RawQuery = l.start, ""
	return u.String()
}

func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if l.start != "" && r.URL.Path == l.start && r.Method == http.MethodGet {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		http.Redirect(w, r, l.startTarget, http.StatusFound)
		return
	}
	if r.URL.Path != l.path {
		http.NotFound(w, r)
		return
	}
	var params url.Values
	switch r.Method {
	case http.MethodGet:
		params = r.URL.Query()
	case http.MethodPost: // response_mode=form_post
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			webpage.Text(w, http.StatusBadRequest, "Login failed", "The callback could not be read: "+err.Error())
			return
		}
		params = r.PostForm
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if len(params) == 0 {
		// A browser fetching the bare path (favicon, a reload): not a callback.
		webpage.Text(w, http.StatusBadRequest, "Waiting for the login", "This address receives the login's redirect; nothing came with this request.")
		return
	}
	switch err := l.check.check(params); {
	case err == nil && l.check.logout:
		webpage.Text(w, http.StatusOK, "Signed out", "The issuer signed you out and sent you back to oidc. You can close this tab and return to the terminal.")
		l.deliver(callbackResult{cb: &Callback{Params: params, Via: "listener"}})
	case err == nil:
		webpage.Text(w, http.StatusOK, "Signed in", "oidc received the authorization code. You can close this tab and return to the terminal.")
		l.deliver(callbackResult{cb: &Callback{Params: params, Via: "listener"}})
	case errors.Is(err, errWrongState):
		webpage.Text(w, http.StatusBadRequest, "Not this login", err.Error()+". This tab was ignored; the login is still waiting.")
	default:
		webpage.Text(w, http.StatusBadRequest, "Login failed", err.Error()+". Return to the terminal for details.")
		l.deliver(callbackResult{err: err})
	}
}
