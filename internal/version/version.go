// Package version reports what build of oidc is running.
package version

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// Set by the release build with -ldflags "-X ...": see .goreleaser.yaml.
var (
	version = "dev"
	commit  = ""
	date    = ""
)

// Info describes the running build.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Date    string `json:"date,omitempty"`
	Go      string `json:"go"`
	// Modified is true when the build came from a work tree with changes.
	Modified bool `json:"modified,omitempty"`
}

// Get returns the release values when the build set them, else what the Go
// toolchain recorded: the module version for `go install module@version`,
// the VCS revision for a build from a checkout.
func Get() Info { return get() }

var get = sync.OnceValue(func() Info {
	info := Info{Version: version, Commit: commit, Date: date, Go: runtime.Version()}
	if info.Commit == "none" || info.Commit == "unknown" { // goreleaser outside git
		info.Commit = ""
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	if info.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if info.Commit == "" {
				info.Commit = s.Value
			}
		case "vcs.time":
			if info.Date == "" {
				info.Date = s.Value
			}
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
})

// String is the one-line form: "oidc v1.2.0 (commit abc1234, built 2026-11-25T10:00:00Z, go1.26.8)".
func (i Info) String() string {
	s := "oidc " + i.Version + " ("
	if i.Commit != "" {
		c := i.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		s += "commit " + c
		if i.Modified {
			s += "+dirty"
		}
		s += ", "
	}
	if i.Date != "" {
		s += "built " + i.Date + ", "
	}
	return s + i.Go + ")"
}
