package issuer

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// The pages a person sees: login, consent, device verification and logout
// confirmation. Each shows what was asked in plain words and lets the
// tester shape the answer: who logs in, claims for this login, and which
// faults its tokens have.

//go:embed pages.html
var pagesHTML string

// pageTemplates are parsed on first use: every command shares the binary,
// and only oidc serve shows pages.
var pageTemplates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("pages").Parse(pagesHTML))
})

// maxClaims bounds the claims a login page may add: they go in every token.
const maxClaims = 16 << 10

// render writes one of the templates into the issuer's page frame.
func (s *Server) render(w http.ResponseWriter, status int, title, name string, data any) {
	var b bytes.Buffer
	if err := pageTemplates().ExecuteTemplate(&b, name, data); err != nil {
		page(w, http.StatusInternalServerError, "Page error", template.HTMLEscapeString(err.Error()))
		return
	}
	page(w, status, title, b.String())
}

// browserCookie binds a page's forms to the browser it was shown in: the
// form token is an HMAC of the cookie, so a form posted from elsewhere
// (login CSRF, RFC 6749 10.12) carries a token that does not match.
const browserCookie = "oidc_serve_browser"

// formToken is the per-request token of a form for purpose (which page,
// which request), setting the browser cookie when there is none.
func (s *Server) formToken(w http.ResponseWriter, r *http.Request, purpose string) string {
	b := ""
	if c, err := r.Cookie(browserCookie); err == nil && len(c.Value) >= 16 {
		b = c.Value
	} else {
		b = random(16)
		// Lax, not Strict: a login reached from the application's site
		// must see the cookie its other tabs are bound to; the form token
		// is what stops a post from elsewhere.
		http.SetCookie(w, &http.Cookie{Name: browserCookie, Value: b, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(s.issuer, "https://")})
		// The same request may render a second form (a page shown again).
		r.AddCookie(&http.Cookie{Name: browserCookie, Value: b})
	}
	mac := hmac.New(sha256.New, s.formKey)
	mac.Write([]byte(purpose + "\x00" + b))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// formTokenOK checks the token a form came back with.
func (s *Server) formTokenOK(r *http.Request, purpose string) bool {
	c, err := r.Cookie(browserCookie)
	got := r.PostForm.Get("csrf")
	if err != nil || len(c.Value) < 16 || got == "" {
		return false
	}
	mac := hmac.New(sha256.New, s.formKey)
	mac.Write([]byte(purpose + "\x00" + c.Value))
	want := base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// notThisBrowser answers a form whose token is missing or is another
// browser's: 403, and what to do instead.
func notThisBrowser(w http.ResponseWriter, again string) {
	page(w, http.StatusForbidden, "This form is not from this browser's page",
		"The form's token does not match the page this browser was shown (a stale tab, or a form posted from another site). "+template.HTMLEscapeString(again))
}

// hold keeps v under a fresh id in m, unless maxPending are held already
// (then false: the caller answers 503).
func hold[T any](s *Server, m map[string]T, v T) (string, bool) {
	id := random(16)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(m) >= maxPending {
		return "", false
	}
	m[id] = v
	return id, true
}

// readForm parses a page's POST, or answers why not: a page, never a 500.
func readForm(w http.ResponseWriter, r *http.Request, again string) bool {
	if r.Method != http.MethodPost {
		page(w, http.StatusMethodNotAllowed, "Use the page's buttons", template.HTMLEscapeString(again))
		return false
	}
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			page(w, http.StatusRequestEntityTooLarge, "Too much sent", fmt.Sprintf("The form is over %d KiB, more than any of this issuer's pages sends. %s", tooBig.Limit>>10, template.HTMLEscapeString(again)))
		} else {
			page(w, http.StatusBadRequest, "The form could not be read", template.HTMLEscapeString(again))
		}
		return false
	}
	return true
}

type field struct{ Name, Value string }

// requestRow is one line of "what the application asked for".
type requestRow struct {
	Name, Value string
	Values      []string
	Note        string
	Warn        bool
}

type userOption struct {
	Sub, Name string
	Checked   bool
}

type claimValue struct{ Name, Value string }

// scopeRelease is a scope and the claims it releases.
type scopeRelease struct {
	Name, Means string
	Claims      []claimValue
}

type faultOption struct {
	Name, Help, Value, Error string
	Duration, Checked        bool
}

// whoView is the part of the login and device pages that says who logs
// in and what this login's tokens carry.
type whoView struct {
	RequestHeading string
	Request        []requestRow
	Action         string
	Hidden         []field
	WhoLegend      string
	Users          []userOption
	TypedChecked   bool
	Subject        string
	Claims         string
	Released       []scopeRelease
	Faults         []faultOption
	Errors         map[string]string
	Open           bool
	Submit, Cancel string
}

// whoForm is what a login or device page was sent back with.
type whoForm struct {
	user   string // a configured user's sub, or "" for the typed subject
	picked bool   // the form named a user (or the typed subject) at all
	sub    string
	claims string
	faults map[string]string // fault name -> "on" or a duration, when shown
	shown  bool
}

func readWho(r *http.Request) whoForm {
	f := whoForm{user: r.PostForm.Get("user"), picked: r.PostForm.Has("user"), sub: r.PostForm.Get("subject"),
		claims: r.PostForm.Get("claims"), shown: r.PostForm.Get("faults-shown") != ""}
	if f.shown {
		f.faults = map[string]string{}
		for _, name := range r.PostForm["fault"] {
			f.faults[name] = "on"
		}
		for _, ft := range faultTable {
			if ft.login && ft.dur != nil {
				f.faults[ft.name] = strings.TrimSpace(r.PostForm.Get("fault-" + ft.name))
			}
		}
	}
	return f
}

// chosen turns a login or device form into who logs in and what the
// login's tokens carry, or says per field what is wrong.
func (s *Server) chosen(f whoForm) (*User, choice, map[string]string) {
	errs := map[string]string{}
	var u *User
	switch {
	case !f.picked && f.sub == "":
		errs["user"] = "Choose a user, or type a subject."
	case f.user != "" && strings.TrimSpace(f.sub) != "":
		// Pages run no script to pick "Another subject" when one is typed.
		errs["user"] = "A subject is typed and " + strconv.Quote(f.user) + " is chosen: choose Another subject to log in as the one typed, or clear it."
	case f.user != "":
		if u = s.user(f.user); u == nil {
			errs["user"] = "There is no configured user " + strconv.Quote(f.user) + "."
		}
	default:
		sub := strings.TrimSpace(f.sub)
		if why := subjectProblem(sub); why != "" {
			errs["subject"] = why
		} else if u = s.user(sub); u == nil {
			u = &User{Sub: sub, typed: true}
		}
	}
	var ch choice
	extra, why := claimsPatch(f.claims)
	if why != "" {
		errs["claims"] = why
	}
	ch.extra = extra
	if f.shown {
		global := s.faults()
		fs, changed := Faults{}, false
		for _, ft := range faultTable {
			if !ft.login {
				continue
			}
			v := f.faults[ft.name]
			if ft.flag != nil {
				*ft.flag(&fs) = v == "on"
				continue
			}
			d := time.Duration(0)
			if v != "" {
				var err error
				if d, err = time.ParseDuration(v); err != nil {
					errs["fault-"+ft.name] = strconv.Quote(v) + " is not a duration like 10m or -10m."
				}
			}
			*ft.dur(&fs) = d
		}
		for _, ft := range faultTable {
			if ft.login {
				was := global
				ft.copy(&was, &fs)
				changed = changed || was != global
			}
		}
		if changed {
			ch.faults = &fs
		}
	}
	if len(errs) > 0 {
		return nil, choice{}, errs
	}
	return u, ch, nil
}

// subjectProblem says what is wrong with a typed subject, "" if nothing:
// OIDC Core 2 allows up to 255 ASCII characters.
func subjectProblem(sub string) string {
	switch {
	case sub == "":
		return "Type a subject, or choose a configured user."
	case len(sub) > 255:
		return fmt.Sprintf("The subject is %d bytes: at most 255 (OIDC Core 2).", len(sub))
	}
	for _, r := range sub {
		if r > unicode.MaxASCII || unicode.IsControl(r) {
			return fmt.Sprintf("The subject has %q: use printable ASCII (OIDC Core 2).", r)
		}
	}
	return ""
}

// claimsPatch reads the claims box: "" or {} is no change.
func claimsPatch(text string) (map[string]any, string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, ""
	}
	if len(text) > maxClaims {
		return nil, fmt.Sprintf("The claims are %d KiB: at most %d KiB.", len(text)>>10, maxClaims>>10)
	}
	if !utf8.ValidString(text) {
		return nil, "The claims are not UTF-8 text."
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber() // numbers as typed
	var v any
	err := dec.Decode(&v)
	if err == nil {
		if dec.Decode(new(any)) != io.EOF {
			err = errors.New("there is more after the object")
		}
	}
	if err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			line, col := lineCol(text, int(syn.Offset))
			return nil, fmt.Sprintf("The claims are not JSON: %s at line %d, column %d.", syn.Error(), line, col)
		}
		return nil, "The claims are not JSON: " + err.Error() + "."
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, `The claims must be a JSON object, like {"roles": ["admin"]}.`
	}
	var bad []string
	for k := range m {
		if slices.Contains(reservedClaims, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		why := strings.Join(bad, ", ") + " are set by the issuer: leave them out"
		if len(bad) == 1 {
			why = bad[0] + " is set by the issuer: leave it out"
		}
		if slices.Contains(bad, "sub") {
			why += " (type the subject above)"
		} else {
			why += " (a fault changes it, if one does: see the faults)"
		}
		return nil, "The claims: " + why + "."
	}
	if len(m) == 0 {
		return nil, ""
	}
	return m, ""
}

// lineCol is where a json.SyntaxError's offset (the bytes read, the bad
// one included) is, counting from 1.
func lineCol(text string, offset int) (int, int) {
	offset = max(1, min(offset, len(text)))
	before := text[:offset-1]
	return strings.Count(before, "\n") + 1, offset - 1 - strings.LastIndex(before, "\n")
}

// scopeMeans says in words what a scope gives the client.
func scopeMeans(scope string) string {
	switch scope {
	case "openid":
		return "an ID token that says who logged in (sub)"
	case "profile":
		return "the name and username, and the configured claims"
	case "email":
		return "the email address"
	case "groups":
		return "the groups"
	case "offline_access":
		return "a refresh token: access while nobody is here"
	case ResourceScope:
		return "the tools of this issuer's test MCP server (/mcp)"
	}
	return "a scope of this issuer's configuration, with no claims of its own"
}

// released lists what each scope of a request releases: for u, with the
// values, or (u nil) the claim names any configured user would get.
func (s *Server) released(scope string, u *User) []scopeRelease {
	var out []scopeRelease
	seen := map[string]bool{}
	for _, sc := range strings.Fields(scope) {
		if seen[sc] {
			continue
		}
		seen[sc] = true
		rel := scopeRelease{Name: sc, Means: scopeMeans(sc)}
		users := s.cfg.Users
		if u != nil {
			users = []User{*u}
		}
		got := map[string]any{}
		for i := range users {
			userClaims(&users[i], sc, got)
		}
		if sc == "openid" {
			got["sub"] = nil
			if u != nil {
				got["sub"] = u.Sub
			}
		}
		for _, name := range sortedClaimNames(got) {
			cv := claimValue{Name: name}
			if u != nil {
				cv.Value = claimText(got[name])
			}
			rel.Claims = append(rel.Claims, cv)
		}
		out = append(out, rel)
	}
	return out
}

func sortedClaimNames(m map[string]any) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func claimText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// requestRows say what an authorization request asked for, each in
// plain words, with what a relying party should have sent called out.
func (s *Server) requestRows(req *authRequest) []requestRow {
	c := req.client
	client := requestRow{Name: "Client", Value: c.ID, Note: "a public client: no secret, so PKCE protects its code"}
	if c.Name != "" {
		client.Note = c.Name + ": " + client.Note
	}
	if c.confidential() {
		client.Note = strings.Replace(client.Note, "a public client: no secret, so PKCE protects its code", "a confidential client: it authenticates at the token endpoint", 1)
	}
	rows := []requestRow{client}
	redirect := requestRow{Name: "Redirect URI", Value: req.redirectURI, Note: "the code goes here"}
	if u, err := url.Parse(req.redirectURI); err == nil && u.Scheme == "http" && loopbackHost(u.Hostname()) {
		redirect.Note = "the code goes here: a loopback address, any port (RFC 8252 7.3)"
	}
	rows = append(rows, redirect)
	mode := requestRow{Name: "Response mode", Value: "query", Note: "the code comes back in the redirect's query (the default)"}
	if req.responseMode == "form_post" {
		mode = requestRow{Name: "Response mode", Value: "form_post", Note: "the code comes back in a form the browser posts"}
	}
	rows = append(rows, mode)
	switch req.via {
	case "par":
		rows = append(rows, requestRow{Name: "Request", Value: "pushed", Note: "the parameters came by a back channel, not the browser (RFC 9126)"})
	case "request":
		rows = append(rows, requestRow{Name: "Request", Value: "request object", Note: "the parameters are in a signed request object (RFC 9101)"})
	}
	scopes := requestRow{Name: "Scopes", Values: strings.Fields(req.scope)}
	switch {
	case len(scopes.Values) == 0:
		scopes.Note, scopes.Warn = "none: no openid scope, so no ID token (this is plain OAuth)", true
	case !hasScope(req.scope, "openid"):
		scopes.Note, scopes.Warn = "no openid: no ID token, plain OAuth", true
	}
	rows = append(rows, scopes)
	pkce := requestRow{Name: "PKCE", Value: req.method, Note: "sent: only this client, with its verifier, can redeem the code (RFC 7636)"}
	switch {
	case req.challenge == "":
		pkce = requestRow{Name: "PKCE", Note: "not sent: a stolen code could be redeemed (RFC 9700 2.1.1); allowed only because the client is confidential", Warn: true}
	case req.method == "plain":
		pkce.Note, pkce.Warn = "plain: the challenge is the verifier itself, so whoever sees this URL can redeem the code; use S256 (RFC 7636 7.2, RFC 9700 2.1.1)", true
	}
	rows = append(rows, pkce)
	nonce := requestRow{Name: "Nonce", Value: req.nonce, Note: "sent: the ID token carries it back, to be checked (OIDC Core 3.1.2.1)"}
	if req.nonce == "" {
		nonce = requestRow{Name: "Nonce", Note: "not sent: the client cannot tell its ID token from a replayed one (OIDC Core 3.1.2.1, 15.5.2)", Warn: hasScope(req.scope, "openid")}
	}
	rows = append(rows, nonce)
	state := requestRow{Name: "State", Value: req.state, Note: "sent: it comes back with the code"}
	if req.state == "" {
		state = requestRow{Name: "State", Note: "not sent: the client's callback relies on PKCE alone against CSRF (RFC 6749 10.12)", Warn: req.challenge == ""}
	}
	rows = append(rows, state)
	rows = append(rows, optionalRow("prompt", req.prompt, promptMeans(req.prompt)))
	if req.maxAge != "" {
		rows = append(rows, requestRow{Name: "max_age", Value: req.maxAge, Note: "seconds: the login must be at most this old; auth_time is in the ID token (OIDC Core 3.1.2.1)"})
	} else {
		rows = append(rows, requestRow{Name: "max_age", Note: "not sent"})
	}
	if req.acrValues != "" {
		rows = append(rows, requestRow{Name: "acr_values", Values: strings.Fields(req.acrValues), Note: "asked for, in order of preference: the acr claim below answers (OIDC Core 3.1.2.1)"})
	} else {
		rows = append(rows, requestRow{Name: "acr_values", Note: "not sent"})
	}
	hint := requestRow{Name: "login_hint", Value: req.loginHint, Note: "preselects that user"}
	switch {
	case req.loginHint == "":
		hint = requestRow{Name: "login_hint", Note: "not sent"}
	case s.user(req.loginHint) == nil:
		hint.Note = "no configured user has this subject: it is typed below"
	}
	rows = append(rows, hint)
	if len(req.resource) > 0 {
		rows = append(rows, requestRow{Name: "Resource", Values: req.resource, Note: "the access token's aud (RFC 8707)"})
	} else {
		rows = append(rows, requestRow{Name: "Resource", Note: "not sent: the access token's aud is this issuer"})
	}
	if req.audience != "" {
		rows = append(rows, requestRow{Name: "audience", Value: req.audience, Note: "sent, but this issuer reads resource (RFC 8707) for the access token's aud; audience is Auth0's parameter", Warn: true})
	}
	if req.dpopJKT != "" {
		rows = append(rows, requestRow{Name: "dpop_jkt", Value: req.dpopJKT, Note: "the code is bound to this DPoP key (RFC 9449 10)"})
	}
	if req.authzDetails != nil {
		rows = append(rows, requestRow{Name: "authorization_details", Value: string(req.authzDetails), Note: "RFC 9396: granted as asked"})
	}
	return rows
}

func optionalRow(name, value, means string) requestRow {
	if value == "" {
		return requestRow{Name: name, Note: "not sent"}
	}
	return requestRow{Name: name, Value: value, Note: means}
}

func promptMeans(prompt string) string {
	var words []string
	for _, p := range strings.Fields(prompt) {
		switch p {
		case "login":
			words = append(words, "login: log in again, even with a session")
		case "consent":
			words = append(words, "consent: ask for consent again (this page is followed by the consent page)")
		case "select_account":
			words = append(words, "select_account: choose the account")
		case "create":
			words = append(words, "create: sign up (Initiating User Registration 1.0)")
		default:
			words = append(words, p+": not a prompt value of OIDC Core 3.1.2.1")
		}
	}
	return strings.Join(words, "; ")
}

func loopbackHost(h string) bool {
	return h == "127.0.0.1" || h == "::1" || h == "localhost"
}

// whoView fills the who-logs-in part of a page.
func (s *Server) whoView(hint string, scope string, f *whoForm, errs map[string]string) whoView {
	v := whoView{WhoLegend: "Log in as", Errors: errs, Released: s.released(scope, nil), Claims: "{}"}
	selected := ""
	switch {
	case f != nil:
		selected = f.user
		v.TypedChecked = f.user == "" && f.picked
		v.Subject = f.sub
		v.Claims = f.claims
	case hint != "" && s.user(hint) == nil:
		v.TypedChecked, v.Subject = true, hint
	case hint != "":
		selected = hint
	default:
		selected = s.cfg.Users[0].Sub
	}
	for _, u := range s.cfg.Users {
		v.Users = append(v.Users, userOption{Sub: u.Sub, Name: u.Name, Checked: !v.TypedChecked && u.Sub == selected})
	}
	global := s.faults()
	for _, ft := range faultTable {
		if !ft.login {
			continue
		}
		o := faultOption{Name: ft.name, Help: ft.help, Duration: ft.dur != nil}
		switch {
		case f != nil && f.shown && o.Duration:
			o.Value, o.Error = f.faults[ft.name], errs["fault-"+ft.name]
		case f != nil && f.shown:
			o.Checked = f.faults[ft.name] == "on"
		case o.Duration:
			if d := *ft.dur(&global); d != 0 {
				o.Value = d.String()
			}
		default:
			o.Checked = *ft.flag(&global)
		}
		v.Faults = append(v.Faults, o)
	}
	// Open when there is something in it to see: an error, a choice made,
	// or faults already on.
	v.Open = errs["claims"] != "" || f != nil && strings.TrimSpace(f.claims) != "" && strings.TrimSpace(f.claims) != "{}"
	for _, o := range v.Faults {
		v.Open = v.Open || o.Checked || o.Value != "" || o.Error != ""
	}
	return v
}

// loginPage shows the request and asks who logs in. f and errs are the
// form sent back and what was wrong with it, when it is shown again.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, id string, req *authRequest, f *whoForm, errs map[string]string) {
	v := s.whoView(req.loginHint, req.scope, f, errs)
	if acr := strings.Fields(req.acrValues); f == nil && len(acr) > 0 {
		b, _ := json.Marshal(map[string]string{"acr": acr[0]})
		v.Claims = string(b)
	}
	v.RequestHeading = "What the application asked for"
	v.Request = s.requestRows(req)
	v.Action = "/interaction"
	v.Hidden = []field{{"login", id}, {"csrf", s.formToken(w, r, "login\x00"+id)}}
	v.Submit, v.Cancel = "Log in", "Cancel"
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusBadRequest
	}
	s.render(w, status, "Log in to oidc serve", "login", v)
}

// takeAnswered reads a page's form, finds what it answers (by the id in field:
// a login or a logout), checks the form's token and takes it, once. On
// false it has answered why not.
func takeAnswered[T any](s *Server, w http.ResponseWriter, r *http.Request, m map[string]*T, field string, created func(*T) time.Time, again string) (string, *T, bool) {
	if !readForm(w, r, again) {
		return "", nil, false
	}
	id := r.PostForm.Get(field)
	s.mu.Lock()
	v := m[id]
	s.mu.Unlock()
	if v == nil || s.cfg.Now().Sub(created(v)) > interactionTTL {
		page(w, http.StatusBadRequest, "This "+field+" is over", "It was finished, cancelled or expired, or the page is not this issuer's. "+again)
		return "", nil, false
	}
	if !s.formTokenOK(r, field+"\x00"+id) {
		// It stays open for the browser whose page it is.
		notThisBrowser(w, "Go back to the "+field+" page and submit it again.")
		return "", nil, false
	}
	s.mu.Lock()
	mine := m[id] == v
	delete(m, id)
	s.mu.Unlock()
	if !mine {
		page(w, http.StatusBadRequest, "This "+field+" is over", "The form was sent twice. "+again)
	}
	return id, v, mine
}

// interaction takes the login page's answer, then the consent page's.
func (s *Server) interaction(w http.ResponseWriter, r *http.Request) {
	const again = "Start the login again from the application."
	id, req, ok := takeAnswered(s, w, r, s.pending, "login", func(req *authRequest) time.Time { return req.created }, again)
	if !ok {
		return
	}
	if r.PostForm.Get("deny") != "" {
		why := "the user cancelled the login"
		if req.user != nil {
			why = "the user denied consent"
		}
		s.respond(w, req, url.Values{"error": {"access_denied"}, "error_description": {why}})
		return
	}
	if req.user == nil {
		f := readWho(r)
		u, ch, errs := s.chosen(f)
		if errs != nil {
			// Shown again with what was wrong: a mistake does not end the
			// login.
			s.mu.Lock()
			s.pending[id] = req
			s.mu.Unlock()
			s.loginPage(w, r, id, req, &f, errs)
			return
		}
		req.choice = ch
		if !req.client.SkipConsent || slices.Contains(strings.Fields(req.prompt), "consent") {
			req.user = u
			s.consentPage(w, r, req)
			return
		}
		s.approve(w, req, u)
		return
	}
	// Consent: the scopes checked, of those asked for.
	var granted []string
	for _, sc := range strings.Fields(req.scope) {
		if slices.Contains(r.PostForm["scope"], sc) {
			granted = append(granted, sc)
		}
	}
	req.scope = strings.Join(granted, " ")
	s.approve(w, req, req.user)
}

// consentPage asks the logged-in user to let the client have the scopes,
// each with the claims it releases.
func (s *Server) consentPage(w http.ResponseWriter, r *http.Request, req *authRequest) {
	id, ok := hold(s, s.pending, req)
	if !ok {
		page(w, http.StatusServiceUnavailable, "Too many logins in progress", "Try again in a few minutes.")
		return
	}
	client := req.client.ID
	if req.client.Name != "" {
		client = req.client.Name + " (" + req.client.ID + ")"
	}
	v := struct {
		Client, Subject string
		Hidden          []field
		Scopes          []scopeRelease
		Notes           []string
	}{Client: client, Subject: req.user.Sub, Scopes: s.released(req.scope, req.user),
		Hidden: []field{{"login", id}, {"csrf", s.formToken(w, r, "login\x00"+id)}}}
	if req.extra != nil {
		b, _ := json.Marshal(req.extra)
		v.Notes = append(v.Notes, "This login's tokens also carry the claims typed on the login page: "+string(b)+".")
	}
	if len(req.resource) > 0 {
		v.Notes = append(v.Notes, "The access token is for: "+strings.Join(req.resource, ", ")+".")
	}
	s.render(w, http.StatusOK, "Allow access?", "consent", v)
}

// devicePage is the verification page (RFC 8628 3.3): the user code
// (prefilled from verification_uri_complete), then the client and its
// scopes, who logs in, approve or deny. With auto-approve, a complete URI
// approves at once.
func (s *Server) devicePage(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		if !readForm(w, r, "Enter the code the device shows again.") {
			return
		}
	} else {
		r.Form = r.URL.Query()
	}
	code := strings.ToUpper(strings.TrimSpace(r.Form.Get("user_code")))
	if code == "" {
		s.render(w, http.StatusOK, "Sign in a device", "device-code", struct{ Code, Error string }{})
		return
	}
	s.mu.Lock()
	d := s.deviceByUserCode(code)
	if d == nil {
		// RFC 8628 5.1: user codes are short; limit the guessing.
		now := s.cfg.Now()
		if now.Sub(s.guessWindow) > time.Minute {
			s.guessWindow, s.guesses = now, 0
		}
		s.guesses++
		tooMany := s.guesses > 20
		s.mu.Unlock()
		if tooMany {
			page(w, http.StatusTooManyRequests, "Too many wrong codes", "Wait a minute, then enter the code shown on the device.")
			return
		}
		s.render(w, http.StatusBadRequest, "Sign in a device", "device-code", struct{ Code, Error string }{code, "That code is unknown or expired: check it on the device."})
		return
	}
	if d.user == nil && !d.denied && s.cfg.AutoApprove {
		d.user, d.approved = &s.cfg.Users[0], s.cfg.Now()
	}
	decided, denied := d.user != nil || d.denied, d.denied
	s.mu.Unlock()
	switch {
	case denied:
		page(w, http.StatusOK, "Cancelled", "The device will not be signed in.")
		return
	case decided:
		page(w, http.StatusOK, "Device signed in", "You can return to your device.")
		return
	}
	purpose := "device\x00" + code
	var f *whoForm
	var errs map[string]string
	if r.Method == http.MethodPost {
		if !s.formTokenOK(r, purpose) {
			notThisBrowser(w, "Open the device page again.")
			return
		}
		deny := r.PostForm.Get("deny") != ""
		var u *User
		var ch choice
		if !deny {
			form := readWho(r)
			if u, ch, errs = s.chosen(form); errs != nil {
				f = &form
			}
		}
		if errs == nil {
			s.mu.Lock()
			first := d.user == nil && !d.denied // decided once, for good
			if first && deny {
				d.denied = true
			} else if first {
				d.user, d.approved, d.choice = u, s.cfg.Now(), ch
			}
			s.mu.Unlock()
			switch {
			case !first:
				page(w, http.StatusBadRequest, "Already decided", "This device was approved or denied already: the form was sent twice.")
			case deny:
				page(w, http.StatusOK, "Cancelled", "The device will not be signed in.")
			default:
				page(w, http.StatusOK, "Device signed in", "You can return to your device.")
			}
			return
		}
	}
	v := s.whoView("", d.scope, f, errs)
	v.RequestHeading = "What the device asked for"
	client := requestRow{Name: "Client", Value: d.client.ID}
	if d.client.Name != "" {
		client.Note = d.client.Name
	}
	scopes := requestRow{Name: "Scopes", Values: strings.Fields(d.scope)}
	if len(scopes.Values) == 0 {
		scopes.Note = "none"
	}
	v.Request = []requestRow{{Name: "Code", Value: code, Note: "check that the device shows this code: approve only a device you are using (RFC 8628 5.4)"}, client, scopes}
	v.Action = "/device"
	v.Hidden = []field{{"user_code", code}, {"csrf", s.formToken(w, r, purpose)}}
	v.Submit, v.Cancel = "Approve", "Deny"
	status := http.StatusOK
	if errs != nil {
		status = http.StatusBadRequest
	}
	s.render(w, status, "Sign in a device", "login", v)
}

// pendingLogout is an RP-initiated logout waiting for the user's yes.
type pendingLogout struct {
	client  *Client
	subject string
	back    string // post_logout_redirect_uri with state; "" for none
	created time.Time
}

// endSession is RP-initiated logout: a confirmation page (OIDC
// RP-Initiated Logout 1.0 2: the OP asks whether to log out), then the
// browser goes back to a registered URI of the client, with state. The
// issuer keeps no sessions, so signing out ends nothing here.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm() // GET or POST (RP-Initiated Logout 2)
	q := r.Form
	back := q.Get("post_logout_redirect_uri")
	c := s.client(q.Get("client_id"))
	if c == nil {
		c = s.clientOfToken(q.Get("id_token_hint"))
	}
	lo := &pendingLogout{client: c, subject: s.subjectOfToken(q.Get("id_token_hint")), created: s.cfg.Now()}
	if back != "" {
		u, err := url.Parse(back)
		if c == nil || err != nil || !c.redirectAllowed(back) {
			page(w, http.StatusBadRequest, "Not signed out", "post_logout_redirect_uri must be one of the client's registered redirect URIs (client_id or id_token_hint names the client).")
			return
		}
		if state := q.Get("state"); state != "" {
			v := u.Query()
			v.Set("state", state)
			u.RawQuery = v.Encode()
		}
		lo.back = u.String()
	}
	if s.cfg.AutoApprove {
		s.signedOut(w, r, lo)
		return
	}
	id, ok := hold(s, s.logouts, lo)
	if !ok {
		page(w, http.StatusServiceUnavailable, "Too many logouts in progress", "Try again in a few minutes.")
		return
	}
	v := struct {
		Client, Subject, Back string
		Hidden                []field
	}{Subject: lo.subject, Back: lo.back, Hidden: []field{{"logout", id}, {"csrf", s.formToken(w, r, "logout\x00"+id)}}}
	if c != nil {
		v.Client = c.ID
		if c.Name != "" {
			v.Client = c.Name + " (" + c.ID + ")"
		}
	}
	s.render(w, http.StatusOK, "Sign out?", "logout", v)
}

func (s *Server) confirmLogout(w http.ResponseWriter, r *http.Request) {
	const again = "Sign out again from the application."
	_, lo, ok := takeAnswered(s, w, r, s.logouts, "logout", func(lo *pendingLogout) time.Time { return lo.created }, again)
	if !ok {
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		page(w, http.StatusOK, "Still signed in", "You chose not to sign out; the application was not told.")
		return
	}
	s.signedOut(w, r, lo)
}

func (s *Server) signedOut(w http.ResponseWriter, r *http.Request, lo *pendingLogout) {
	if lo.back == "" {
		page(w, http.StatusOK, "Signed out", "You are signed out of this test issuer.")
		return
	}
	http.Redirect(w, r, lo.back, http.StatusFound)
}

// subjectOfToken is the sub of an ID token hint this issuer signed.
func (s *Server) subjectOfToken(token string) string {
	payload, ok := s.verified(token)
	if !ok {
		return ""
	}
	var c struct {
		Sub string `json:"sub"`
	}
	_ = json.Unmarshal(payload, &c)
	return c.Sub
}
