//go:build unix

package config

import (
	"fmt"
	"os"
	"syscall"
)

// ownerOnly: no one but the owner can read the file.
func ownerOnly(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().Perm()&0o077 == 0
}

// trusted refuses a config file that someone else could have written: it
// names commands that run as you, and issuers and CA files you trust.
func trusted(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s is writable by others (%03o): not used; chmod go-w %s", path, st.Mode().Perm(), path)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Getuid() {
		return fmt.Errorf("%s belongs to another user: not used", path)
	}
	return nil
}
