// Command cobra is a bare cobra program with one subcommand: what the
// command framework alone costs at start-up.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{Use: "bare"}
	root.AddCommand(&cobra.Command{Use: "decode", Run: func(*cobra.Command, []string) { fmt.Println("decoded") }})
	if root.Execute() != nil {
		os.Exit(2)
	}
}
