package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/oidcdev/oidc/internal/safefile"
)

// TokenKey is what a set of tokens was asked for: the cache holds one set
// per key, so a profile's scopes or resource changing gives new tokens,
// never ones granted for something else.
type TokenKey struct {
	Issuer   string   `json:"issuer"`
	ClientID string   `json:"client_id"`
	Scopes   []string `json:"scopes"`
	Resource []string `json:"resource,omitempty"`
	Audience []string `json:"audience,omitempty"`
	// DPoP is what the tokens are bound to: "" none (Bearer), else the
	// key, so a Bearer caller never gets DPoP-bound tokens nor the
	// reverse, and one key's tokens never go with another key's proofs.
	DPoP string `json:"dpop,omitempty"`
}

// id is the key's file name: the same for the same request in any order.
func (k TokenKey) id() string {
	norm := func(v []string) string {
		v = slices.Clone(v)
		slices.Sort(v)
		return strings.Join(slices.Compact(v), " ")
	}
	parts := []string{"v1", k.Issuer, k.ClientID, norm(k.Scopes), norm(k.Resource), norm(k.Audience)}
	if k.DPoP != "" {
		parts = append(parts, "dpop "+k.DPoP) // only then: Bearer sets keep their files
	}
	h := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(h[:16])
}

func (k TokenKey) same(o TokenKey) bool {
	return k.id() == o.id() && k.Issuer == o.Issuer && k.ClientID == o.ClientID && k.DPoP == o.DPoP
}

// Tokens is one cached set. What enters the cache was verified first; the
// nonce and the original ID token are kept to check refreshed ID tokens
// against (OIDC Core 12.2).
type Tokens struct {
	Version int      `json:"version"`
	Key     TokenKey `json:"key"`
	Profile string   `json:"profile,omitempty"`
	Grant   string   `json:"grant"`

	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type"`
	Expiry      time.Time `json:"expiry,omitzero"` // zero: the issuer did not say
	Scope       string    `json:"scope,omitempty"`

	RefreshToken  string    `json:"refresh_token,omitempty"`
	IDToken       string    `json:"id_token,omitempty"`
	IDTokenExpiry time.Time `json:"id_token_expiry,omitzero"`
	// OriginalIDToken is the login's ID token, the reference for every
	// refreshed one.
	OriginalIDToken string `json:"original_id_token,omitempty"`

	// DPoPKey is the private JWK the tokens are bound to, when oidc made
	// it (not when it came from a file the user keeps).
	DPoPKey json.RawMessage `json:"dpop_key,omitempty"`

	Obtained  time.Time `json:"obtained"`
	Refreshed time.Time `json:"refreshed,omitzero"`
}

// ValidFor reports whether the access token (or the ID token) is still
// good for at least d at now. An access token of unknown expiry is
// trusted until the resource refuses it.
func (t *Tokens) ValidFor(now time.Time, d time.Duration, idToken bool) bool {
	if idToken {
		return t.IDToken != "" && !t.IDTokenExpiry.IsZero() && t.IDTokenExpiry.After(now.Add(d))
	}
	return t.AccessToken != "" && (t.Expiry.IsZero() || t.Expiry.After(now.Add(d)))
}

const tokensVersion = 1

// TokenStore is the directory of cached token sets: one file per key,
// 0600, in a 0700 directory of the user's own, with a lock file per key.
type TokenStore struct{ dir string }

// Dir is where the tokens are.
func (s *TokenStore) Dir() string { return s.dir }

// OpenTokens uses dir, or tokens/ in the cache directory Open would use.
func OpenTokens(dir string) (*TokenStore, error) {
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(base, "oidc")
	}
	dir = filepath.Join(dir, "tokens")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := private(dir, true); err != nil {
		return nil, err
	}
	if err := readableByOthers(dir); err != nil {
		return nil, err
	}
	return &TokenStore{dir: dir}, nil
}

// Path is the file of a key.
func (s *TokenStore) Path(k TokenKey) string { return filepath.Join(s.dir, k.id()+".json") }

// UnsafeError is a cache file or directory that others could have
// written or could read: refused.
type UnsafeError struct{ Msg string }

func (e *UnsafeError) Error() string { return e.Msg }

// CorruptError is a cache file that is not a token set of this key: it is
// reported, then replaced, never trusted.
type CorruptError struct {
	Path   string
	Reason string
}

func (e *CorruptError) Error() string { return "token cache " + e.Path + ": " + e.Reason }

// Get returns the tokens of k, nil when there are none. A file someone
// else could have written or read is refused; one that cannot be parsed
// or belongs to another key is a *CorruptError.
func (s *TokenStore) Get(k TokenKey) (*Tokens, error) {
	path := s.Path(k)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := private(path, false); err != nil {
		return nil, err
	}
	if err := readableByOthers(path); err != nil {
		return nil, err
	}
	var t Tokens
	switch {
	case json.Unmarshal(data, &t) != nil:
		return nil, &CorruptError{Path: path, Reason: "not a token set (cannot be parsed)"}
	case t.Version != tokensVersion:
		return nil, &CorruptError{Path: path, Reason: fmt.Sprintf("version %d, not %d", t.Version, tokensVersion)}
	case !t.Key.same(k):
		return nil, &CorruptError{Path: path, Reason: "holds the tokens of another issuer, client or scope"}
	case k.DPoP == "" && strings.EqualFold(t.TokenType, "DPoP"):
		// Cached before the key said DPoP: not for a Bearer caller.
		return nil, &CorruptError{Path: path, Reason: "holds DPoP-bound tokens, and these are asked for without DPoP"}
	case t.AccessToken == "" && t.IDToken == "" && t.RefreshToken == "":
		return nil, &CorruptError{Path: path, Reason: "holds no token"}
	}
	return &t, nil
}

// Put stores t under its key, atomically: a reader sees the old set or
// the new one, never half of either.
func (s *TokenStore) Put(t *Tokens) error {
	t.Version = tokensVersion
	data, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return safefile.Write(s.Path(t.Key), data, 0o600)
}

// Delete removes the tokens of k; none is not an error.
func (s *TokenStore) Delete(k TokenKey) error {
	err := os.Remove(s.Path(k))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// ErrLockTimeout: another process held the key's lock for longer than
// the wait.
var ErrLockTimeout = errors.New("another oidc holds this token set")

// Lock takes the key's lock, which covers refreshing and logging in, so
// that of many processes wanting new tokens one gets them and the rest
// use them. It waits up to wait (telling waiting once), or until ctx ends.
func (s *TokenStore) Lock(ctx context.Context, k TokenKey, wait time.Duration, waiting func()) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(s.dir, k.id()+".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	told := false
	for delay := 5 * time.Millisecond; ; delay = min(delay*2, 100*time.Millisecond) {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		if ok {
			return func() { unlockFile(f); f.Close() }, nil
		}
		if !told && waiting != nil {
			waiting()
			told = true
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, ErrLockTimeout
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(delay):
		}
	}
}
