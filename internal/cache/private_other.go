//go:build !unix

package cache

import (
	"errors"
	"os"
	"time"
)

// private: on systems without Unix permissions the user cache directory
// is already per user.
func private(string, bool) error { return nil }

func readableByOthers(string) error { return nil }

// Without flock, a lock is a file made with O_EXCL; one older than
// staleLock is from a process that died holding it.
const staleLock = 10 * time.Minute

func tryLock(f *os.File) (bool, error) {
	name := f.Name() + ".held"
	if st, err := os.Stat(name); err == nil && time.Since(st.ModTime()) > staleLock {
		os.Remove(name)
	}
	h, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, os.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, h.Close()
}

func unlockFile(f *os.File) { os.Remove(f.Name() + ".held") }
