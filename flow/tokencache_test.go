package flow

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/internal/cache"
)

func cachedRequest(t *testing.T) (CachedRequest, *cache.TokenStore) {
	t.Helper()
	store, err := cache.OpenTokens(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := cache.TokenKey{Issuer: "https://issuer.example", ClientID: "cli", Scopes: []string{"openid", "offline_access"}}
	return CachedRequest{Store: store, Key: key, Profile: "p", MinValid: time.Minute, Wait: 5 * time.Second}, store
}

func obtained(at, rt string, valid bool) *Obtained {
	return &Obtained{Report: &decode.FlowReport{Grant: GrantRefresh, Valid: valid},
		Tokens: &TokenResponse{AccessToken: at, RefreshToken: rt, TokenType: "Bearer", ExpiresIn: "3600", Arrived: time.Now()}}
}

func stale(req CachedRequest, rt string) *cache.Tokens {
	return &cache.Tokens{Key: req.Key, AccessToken: "old", TokenType: "Bearer", RefreshToken: rt,
		Expiry: time.Now().Add(10 * time.Second), Obtained: time.Now().Add(-time.Hour)}
}

// Another tool rotated the refresh token between our read and our
// refresh: the issuer's invalid_grant sends us back to the cache, and the
// new refresh token works.
func TestCachedTokenRereadsAfterInvalidGrant(t *testing.T) {
	req, store := cachedRequest(t)
	if err := store.Put(stale(req, "rt-1")); err != nil {
		t.Fatal(err)
	}
	var used []string
	req.Refresh = func(ctx context.Context, cur *cache.Tokens) (*Obtained, error) {
		used = append(used, cur.RefreshToken)
		if cur.RefreshToken == "rt-1" {
			// Meanwhile the other tool stored what its refresh brought.
			if err := store.Put(stale(req, "rt-2")); err != nil {
				t.Fatal(err)
			}
			return nil, &TokenError{Code: "invalid_grant"}
		}
		return obtained("new", "rt-3", true), nil
	}
	res, err := CachedToken(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != FromRefresh || res.Tokens.AccessToken != "new" || len(used) != 2 || used[1] != "rt-2" {
		t.Fatalf("source %s token %s, refresh tokens used %v", res.Source, res.Tokens.AccessToken, used)
	}
	got, _ := store.Get(req.Key)
	if got.RefreshToken != "rt-3" {
		t.Fatalf("cached refresh token %q", got.RefreshToken)
	}
}

// New tokens that fail a check are neither cached nor handed out; only
// the rotated refresh token replaces the old (which is spent: replaying
// it would lose the whole login).
func TestCachedTokenKeepsNothingThatFailed(t *testing.T) {
	req, store := cachedRequest(t)
	if err := store.Put(stale(req, "rt-1")); err != nil {
		t.Fatal(err)
	}
	req.Refresh = func(context.Context, *cache.Tokens) (*Obtained, error) { return obtained("bad", "rt-2", false), nil }
	_, err := CachedToken(context.Background(), req)
	var cf *ChecksFailedError
	if !errors.As(err, &cf) {
		t.Fatalf("err %v, want ChecksFailedError", err)
	}
	got, _ := store.Get(req.Key)
	if got.AccessToken != "old" || got.RefreshToken != "rt-2" {
		t.Fatalf("cache: %+v, want the old access token and the rotated refresh token", got)
	}
}

// No refresh token and no one to log in: login required, with why.
func TestCachedTokenLoginRequired(t *testing.T) {
	req, _ := cachedRequest(t)
	_, err := CachedToken(context.Background(), req)
	var lr *LoginRequiredError
	if !errors.As(err, &lr) || lr.Reason != "no tokens cached for it" {
		t.Fatalf("err %v", err)
	}
}

// Goroutines of one process take the per-key lock as processes do: of
// ten that find the token stale, one refreshes.
func TestCachedTokenOneRefreshAmongMany(t *testing.T) {
	req, store := cachedRequest(t)
	if err := store.Put(stale(req, "rt-1")); err != nil {
		t.Fatal(err)
	}
	var refreshes atomic.Int32
	req.Refresh = func(context.Context, *cache.Tokens) (*Obtained, error) {
		refreshes.Add(1)
		time.Sleep(50 * time.Millisecond) // long enough for the others to queue
		return obtained("new", "rt-2", true), nil
	}
	var wg sync.WaitGroup
	tokens := make([]string, 10)
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := CachedToken(context.Background(), req)
			if err != nil {
				t.Error(err)
				return
			}
			tokens[i] = res.Tokens.AccessToken
		}()
	}
	wg.Wait()
	if n := refreshes.Load(); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	for i, tok := range tokens {
		if tok != "new" {
			t.Fatalf("goroutine %d got %q", i, tok)
		}
	}
}

// The expiry cached is the earlier of expires_in and the JWT's exp.
func TestAccessExpiry(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	if got := accessExpiry(&TokenResponse{AccessToken: "opaque", ExpiresIn: "60", Arrived: now}); !got.Equal(now.Add(time.Minute)) {
		t.Fatalf("opaque: %v", got)
	}
	if got := accessExpiry(&TokenResponse{AccessToken: "opaque", Arrived: now}); !got.IsZero() {
		t.Fatalf("no expiry: %v", got)
	}
	if got := accessExpiry(&TokenResponse{AccessToken: "opaque", ExpiresIn: `"3600"`, Arrived: now}); !got.Equal(now.Add(time.Hour)) {
		t.Fatalf("string expires_in: %v", got)
	}
}
