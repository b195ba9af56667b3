//go:build !unix

package e2e

import "os"

func foregroundTTY() *os.File { return nil }
