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
		return fmt.Errorf("cache: %s is not a plain %s", path, map[bool]string{true: "directory", false: "file"}[dir])
	}
	if st.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("cache: %s is writable by others (%v): not used", path, st.Mode().Perm())
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Getuid() {
		return fmt.Errorf("cache: %s belongs to another user: not used", path)
	}
	return nil
}
