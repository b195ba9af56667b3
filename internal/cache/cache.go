// Package cache keeps fetched discovery documents and key sets on disk, so
// repeated commands do not hit the issuer, and --offline works.
package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/oidcdev/oidc/internal/safefile"
)

// Lifetimes: an issuer's Cache-Control max-age is honoured within these.
const (
	MinAge     = time.Minute
	MaxAge     = 24 * time.Hour
	DefaultAge = 5 * time.Minute // when the issuer says nothing
)

// Cache is a directory of entries, one file per URL.
type Cache struct{ dir string }

// Entry is one cached response.
type Entry struct {
	URL     string    `json:"url"`
	Fetched time.Time `json:"fetched"`
	Expires time.Time `json:"expires"`
	// Date is the issuer's HTTP Date header, for clock-skew hints.
	Date time.Time       `json:"date,omitzero"`
	Body json.RawMessage `json:"body"`
}

// Fresh reports whether the entry may still be used at now.
func (e *Entry) Fresh(now time.Time) bool { return now.Before(e.Expires) }

// Open uses dir, or the user cache directory (…/oidc) when dir is empty.
// The directory is created 0700: it may hold what issuers published about
// their clients.
func Open(dir string) (*Cache, error) {
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(base, "oidc")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// A key set in the cache decides what verifies: the directory must be
	// the user's own, and no one else may write to it.
	if err := private(dir, true); err != nil {
		return nil, err
	}
	return &Cache{dir: dir}, nil
}

func (c *Cache) path(url string) string {
	sum := sha256.Sum256([]byte(url))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:16])+".json")
}

// Get returns the entry for url, fresh or not; ok is false when there is
// none or it cannot be read.
func (c *Cache) Get(url string) (*Entry, bool) {
	path := c.path(url)
	if private(path, false) != nil {
		return nil, false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	var e Entry
	if json.Unmarshal(data, &e) != nil || e.URL != url || !json.Valid(e.Body) {
		return nil, false
	}
	// Never trust a lifetime longer than the cache would have given.
	if limit := e.Fetched.Add(MaxAge); e.Expires.After(limit) {
		e.Expires = limit
	}
	return &e, true
}

// Put stores an entry atomically, readable by the user only.
func (c *Cache) Put(e *Entry) error {
	if !json.Valid(e.Body) {
		return errors.New("cache: body is not JSON")
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return safefile.Write(c.path(e.URL), data, 0o600)
}

// Lifetime turns a max-age (negative: none given) into a cache lifetime
// within the floor and ceiling.
func Lifetime(maxAge time.Duration) time.Duration {
	switch {
	case maxAge < 0:
		return DefaultAge
	case maxAge < MinAge:
		return MinAge
	case maxAge > MaxAge:
		return MaxAge
	}
	return maxAge
}
