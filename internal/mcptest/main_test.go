package mcptest

import (
	"os"
	"testing"

	"github.com/oidcdev/oidc/internal/e2e"
)

func TestMain(m *testing.M) { os.Exit(e2e.Run(m)) }
