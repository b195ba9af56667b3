//go:build unix

package config

import "os"

// ownerOnly: no one but the owner can read the file.
func ownerOnly(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().Perm()&0o077 == 0
}
