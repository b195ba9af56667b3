// Command hello is the lower bound for start-up benchmarks: a Go process
// that prints one line.
package main

import "os"

func main() { os.Stdout.WriteString("hello\n") }
