//go:build unix

package cache

import (
	"fmt"
	"os"
	"syscall"
)

// private checks that path is the user's own and writable by no one else,
// and not a symbolic link.
func private(path string, dir bool) error {
	st, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if st.Mode()&os.ModeSymlink != 0 || st.IsDir() != dir {
		return &UnsafeError{fmt.Sprintf("cache: %s is not a plain %s", path, map[bool]string{true: "directory", false: "file"}[dir])}
	}
	if st.Mode().Perm()&0o022 != 0 {
		return &UnsafeError{fmt.Sprintf("cache: %s is writable by others (%03o): not used", path, st.Mode().Perm())}
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Getuid() {
		return &UnsafeError{fmt.Sprintf("cache: %s belongs to another user: not used", path)}
	}
	return nil
}

// readableByOthers refuses a token file or directory that others can
// read: what it holds would no longer be a secret.
func readableByOthers(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return &UnsafeError{fmt.Sprintf("token cache: %s is readable by others (%03o): not used; chmod %s it", path, st.Mode().Perm(), map[bool]string{true: "700", false: "600"}[st.IsDir()])}
	}
	return nil
}

// tryLock takes an exclusive lock on f without waiting. The kernel drops
// it when the process ends, however it ends: a killed oidc never leaves
// a stale lock.
func tryLock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == syscall.EWOULDBLOCK {
		return false, nil
	}
	return err == nil, err
}

func unlockFile(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
