package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/internal/version"
	"github.com/oidcdev/oidc/render"
)

func newVersionCmd(io *IO) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Example: `  oidc version
  oidc version --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			info := version.Get()
			if asJSON {
				jw := render.NewJSONWriter(io.Out, nil, false)
				if err := jw.Write(c.Context(), info); err != nil {
					return err
				}
				return jw.Flush()
			}
			_, err := fmt.Fprintln(io.Out, info.String())
			return err
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, jsonHelp)
	return c
}
