package flow

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/internal/cache"
)

// Where a cached token came from, as `oidc token --json` says.
const (
	FromCache     = "cache"
	FromRefresh   = "refresh"
	FromLogin     = "login"
	FromOtherProc = "cache, refreshed by another oidc" // it held the lock while we waited
)

// Obtained is what a grant brought, checked: the report, the token
// response it checked, and the DPoP key the tokens are bound to when one
// was made for the run (a private JWK, to keep with them).
type Obtained struct {
	Report  *decode.FlowReport
	Tokens  *TokenResponse
	DPoPKey []byte
}

// CachedRequest is `oidc token`: a token from the cache when it is good
// for MinValid more, else refreshed, else from a login.
type CachedRequest struct {
	Store    *cache.TokenStore
	Key      cache.TokenKey
	Profile  string
	MinValid time.Duration
	IDToken  bool // the ID token is wanted, not the access token
	// Force refreshes even when the cached token is still good.
	Force bool
	// Wait bounds the wait for another process's refresh or login;
	// Waiting is told when waiting starts.
	Wait    time.Duration
	Waiting func()
	// Refresh uses the set's refresh token (and its DPoP key).
	Refresh func(ctx context.Context, cur *cache.Tokens) (*Obtained, error)
	// Login logs in; nil when no one is there to log in.
	Login func(ctx context.Context) (*Obtained, error)
	Warn  func(string)
	Now   func() time.Time
}

// CachedResult is the token set handed out and how it was got.
type CachedResult struct {
	Tokens *cache.Tokens
	Source string
	// Report is the checked grant, when there was one; Previous the set
	// it replaced.
	Report   *decode.FlowReport
	Previous *cache.Tokens
	Path     string
}

// LoginRequiredError: no valid token, and no way to get one without a
// person.
type LoginRequiredError struct {
	Profile string
	Reason  string
}

func (e *LoginRequiredError) Error() string {
	how := "run oidc login"
	if e.Profile != "" {
		how += " --profile " + e.Profile
	} else {
		how += " with the same --issuer, --client-id and --scope"
	}
	return "login required: " + how + " (" + e.Reason + ")"
}

// BusyError: another process held the tokens' lock for longer than the
// wait (a login in progress, most likely).
type BusyError struct{ Wait time.Duration }

func (e *BusyError) Error() string {
	return fmt.Sprintf("another oidc has been refreshing or logging in for these tokens for over %s: try again when it is done", e.Wait)
}

// ChecksFailedError: the issuer's new tokens failed a check, so they were
// not cached nor handed out.
type ChecksFailedError struct {
	Report *decode.FlowReport
	Grant  string
}

func (e *ChecksFailedError) Error() string {
	var failed []string
	for _, v := range []*decode.Verification{e.Report.IDToken, e.Report.AccessToken} {
		failed = append(failed, failedIDs(v)...)
	}
	for _, c := range e.Report.Checks {
		if c.Status == decode.Fail {
			failed = append(failed, c.ID)
		}
	}
	return fmt.Sprintf("the tokens from the %s failed checks (%s): not cached, not handed out; oidc %s --profile ... shows each", e.Grant, strings.Join(failed, ", "), map[string]string{GrantRefresh: "refresh", GrantAuthorizationCode: "login"}[e.Grant])
}

// CachedToken hands out a token set as described at CachedRequest. Of
// many processes that find the cached token stale at once, one refreshes
// (or logs in) under the key's lock; the others wait for it and hand out
// what it stored.
func CachedToken(ctx context.Context, req CachedRequest) (*CachedResult, error) {
	if req.Now == nil {
		req.Now = time.Now
	}
	res := &CachedResult{Path: req.Store.Path(req.Key)}
	cur, err := req.read()
	if err != nil {
		return nil, err
	}
	if !req.Force && cur != nil && cur.ValidFor(req.Now(), req.MinValid, req.IDToken) {
		res.Tokens, res.Source = cur, FromCache
		return res, nil
	}
	unlock, err := req.Store.Lock(ctx, req.Key, req.Wait, req.Waiting)
	if errors.Is(err, cache.ErrLockTimeout) {
		return nil, &BusyError{Wait: req.Wait}
	}
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Whoever held the lock may have done the work.
	again, err := req.read()
	if err != nil {
		return nil, err
	}
	if again != nil && again.ValidFor(req.Now(), req.MinValid, req.IDToken) && (!req.Force || cur == nil || again.Obtained != cur.Obtained || again.Refreshed != cur.Refreshed) {
		res.Tokens, res.Source = again, FromOtherProc
		return res, nil
	}
	cur = again
	reason := "no tokens cached for it"
	if cur != nil && cur.RefreshToken != "" {
		got, err := req.Refresh(ctx, cur)
		var te *TokenError
		if errors.As(err, &te) && te.Code == "invalid_grant" {
			// Another tool may have rotated the refresh token since we read it.
			if latest, rerr := req.read(); rerr == nil && latest != nil && latest.RefreshToken != "" && latest.RefreshToken != cur.RefreshToken {
				cur = latest
				got, err = req.Refresh(ctx, cur)
			}
		}
		switch {
		case err == nil:
			if !got.Report.Valid {
				// The old refresh token is spent: keep the new one (the
				// verified tokens of before stay), or the next run would
				// replay the old and lose the whole login.
				if got.Tokens != nil && got.Tokens.RefreshToken != "" && got.Tokens.RefreshToken != cur.RefreshToken {
					kept := *cur
					kept.RefreshToken = got.Tokens.RefreshToken
					_ = req.Store.Put(&kept)
				}
				return nil, &ChecksFailedError{Report: got.Report, Grant: GrantRefresh}
			}
			next := req.merge(got, cur)
			if req.IDToken && !next.ValidFor(req.Now(), req.MinValid, true) {
				reason = "the refresh brought no new ID token"
				if got.Tokens.IDToken != "" {
					reason = fmt.Sprintf("the refreshed ID token is valid for less than the %s asked for", req.MinValid)
				}
				if err := req.Store.Put(next); err != nil {
					return nil, err
				}
				break
			}
			if err := req.Store.Put(next); err != nil {
				return nil, err
			}
			res.Tokens, res.Source, res.Report, res.Previous = next, FromRefresh, got.Report, cur
			return res, nil
		case errors.As(err, &te) && te.Code == "invalid_grant":
			// Dead for good: keep nothing that cannot work.
			_ = req.Store.Delete(req.Key)
			reason = "the refresh token was refused: " + te.Error()
		default:
			return nil, err
		}
	} else if cur != nil {
		reason = "the cached token expired and there is no refresh token (ask for offline_access, if the issuer wants it)"
	}
	if req.Login == nil {
		return nil, &LoginRequiredError{Profile: req.Profile, Reason: reason}
	}
	got, err := req.Login(ctx)
	if err != nil {
		return nil, err
	}
	if !got.Report.Valid {
		return nil, &ChecksFailedError{Report: got.Report, Grant: GrantAuthorizationCode}
	}
	next := req.merge(got, nil)
	if err := req.Store.Put(next); err != nil {
		return nil, err
	}
	if req.IDToken && next.IDToken == "" {
		return nil, &LoginRequiredError{Profile: req.Profile, Reason: "the login brought no ID token: ask for the openid scope"}
	}
	res.Tokens, res.Source, res.Report, res.Previous = next, FromLogin, got.Report, cur
	return res, nil
}

// read gets the key's set; a corrupt one is reported and treated as none
// (the next Put replaces it).
func (req *CachedRequest) read() (*cache.Tokens, error) {
	t, err := req.Store.Get(req.Key)
	var ce *cache.CorruptError
	if errors.As(err, &ce) {
		if req.Warn != nil {
			req.Warn(ce.Error() + ": replacing it")
		}
		return nil, nil
	}
	return t, err
}

// merge makes the set to cache from what a grant brought; prev is the set
// a refresh started from.
func (req *CachedRequest) merge(got *Obtained, prev *cache.Tokens) *cache.Tokens {
	return StoreTokens(req.Key, req.Profile, got, prev)
}

// StoreTokens is the cache entry for tokens a grant brought and checked.
// A refresh answer may leave out the refresh token (it did not rotate) or
// the ID token: those of prev stay.
func StoreTokens(key cache.TokenKey, profile string, got *Obtained, prev *cache.Tokens) *cache.Tokens {
	tr := got.Tokens
	t := &cache.Tokens{Key: key, Profile: profile, Grant: got.Report.Grant,
		AccessToken: tr.AccessToken, TokenType: tr.TokenType, Scope: tr.Scope,
		RefreshToken: tr.RefreshToken, IDToken: tr.IDToken, Obtained: tr.Arrived}
	if t.Obtained.IsZero() {
		t.Obtained = time.Now()
	}
	t.Expiry = accessExpiry(tr)
	if len(got.DPoPKey) > 0 {
		t.DPoPKey = got.DPoPKey
	}
	if prev != nil {
		t.Obtained, t.Refreshed = prev.Obtained, tr.Arrived
		t.Grant = prev.Grant
		t.OriginalIDToken = prev.OriginalIDToken
		if t.RefreshToken == "" {
			t.RefreshToken = prev.RefreshToken
		}
		if t.IDToken == "" {
			t.IDToken, t.IDTokenExpiry = prev.IDToken, prev.IDTokenExpiry
		}
		if t.Scope == "" {
			t.Scope = prev.Scope // RFC 6749 5.1: omitted means as before
		}
		if len(t.DPoPKey) == 0 {
			t.DPoPKey = prev.DPoPKey
		}
	}
	if tr.IDToken != "" {
		t.IDTokenExpiry = tokenExp(tr.IDToken)
		if t.OriginalIDToken == "" {
			t.OriginalIDToken = tr.IDToken
		}
	}
	return t
}

// accessExpiry is the earlier of expires_in (counted from when the answer
// arrived) and a JWT access token's own exp, which is what resources
// check; zero when neither says.
func accessExpiry(tr *TokenResponse) time.Time {
	exp := tokenExp(tr.AccessToken)
	if n, err := strconv.ParseFloat(strings.Trim(tr.ExpiresIn, `"`), 64); err == nil && n > 0 && n < 1e9 && !tr.Arrived.IsZero() {
		if in := tr.Arrived.Add(time.Duration(n * float64(time.Second))); exp.IsZero() || in.Before(exp) {
			return in
		}
	}
	return exp
}

// tokenExp is a JWT's exp, zero when it has none or is no JWT.
func tokenExp(token string) time.Time {
	r := decode.Token(token, decode.Source{}, "", decode.Options{})
	if exp, ok := r.NumericClaim("exp"); ok && r.Kind == decode.KindJWS {
		return time.Unix(int64(exp), 0)
	}
	return time.Time{}
}
