// Command oidc inspects tokens and debugs OpenID Connect flows.
package main

import (
	"os"

	"github.com/oidcdev/oidc/cmd"
)

func main() {
	os.Exit(cmd.Main())
}
