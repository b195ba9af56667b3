//go:build !unix

package cache

// private: on systems without Unix permissions the user cache directory
// is already per user.
func private(string, bool) error { return nil }
