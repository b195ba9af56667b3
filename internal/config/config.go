// Package config reads and writes oidc's profiles: named settings for an
// issuer and a client, so that `oidc token --profile work` needs nothing
// else. The file is YAML; every error names the file, the line and the
// field, and an unknown field is an error, not ignored.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/oidcdev/oidc/internal/safefile"
)

// Profile is one named set of settings. Each field but the secret stands
// for the flag of the same name (Flags), so a flag always overrides it.
type Profile struct {
	Issuer            string            `json:"issuer,omitempty"`
	ClientID          string            `json:"client_id,omitempty"`
	ClientSecret      *Secret           `json:"client_secret,omitempty"`
	AuthMethod        string            `json:"auth_method,omitempty"`
	ClientKey         string            `json:"client_key,omitempty"`
	AssertionAudience string            `json:"assertion_audience,omitempty"`
	Scope             string            `json:"scope,omitempty"`
	Audience          []string          `json:"audience,omitempty"`
	Resource          []string          `json:"resource,omitempty"`
	RedirectURI       string            `json:"redirect_uri,omitempty"`
	Port              int               `json:"port,omitempty"`
	Params            map[string]string `json:"params,omitempty"`
	Device            bool              `json:"device,omitempty"`
	DPoP              bool              `json:"dpop,omitempty"`
	DPoPKey           string            `json:"dpop_key,omitempty"`
	CAFile            string            `json:"ca_file,omitempty"`
	TLSCert           string            `json:"tls_cert,omitempty"`
	TLSKey            string            `json:"tls_key,omitempty"`
	AllowHTTP         bool              `json:"allow_http,omitempty"`
	Headers           []string          `json:"headers,omitempty"`
	// Output is `oidc token`'s default output format.
	Output string `json:"output,omitempty"`
}

// Secret is where a client secret comes from: an environment variable, a
// file, a command's output, or (when the user insists, in a file only
// they can read) the value itself.
type Secret struct {
	Env     string   `json:"env,omitempty"`
	File    string   `json:"file,omitempty"`
	Command []string `json:"command,omitempty"`
	Value   string   `json:"-"`
}

// String names the source, never the value.
func (s *Secret) String() string {
	switch {
	case s.Env != "":
		return "$" + s.Env
	case s.File != "":
		return "file " + s.File
	case len(s.Command) > 0:
		return "the output of " + strings.Join(s.Command, " ")
	default:
		return "a value in the config file"
	}
}

// File is the parsed config file.
type File struct {
	Path     string
	Profiles map[string]*Profile
	// lines: where each profile starts, for messages.
	lines map[string]int
	// private: the file is readable by its owner only.
	private bool
}

// Names lists the profiles in order.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Profiles))
	for n := range f.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ErrNoProfile is a profile that is not in the file.
var ErrNoProfile = errors.New("no such profile")

// Profile returns the named profile.
func (f *File) Profile(name string) (*Profile, error) {
	if p := f.Profiles[name]; p != nil {
		return p, nil
	}
	have := "it has none"
	if len(f.Profiles) > 0 {
		have = "it has " + strings.Join(f.Names(), ", ")
	} else if _, err := os.Stat(f.Path); errors.Is(err, fs.ErrNotExist) {
		have = "it does not exist: oidc login --save " + name + " writes it"
	}
	return nil, fmt.Errorf("%w %q in %s (%s)", ErrNoProfile, name, f.Path, have)
}

// Path is the config file: $OIDC_CONFIG, or config.yaml in the oidc
// folder of the user config directory.
func Path(getenv func(string) string) (string, error) {
	if p := getenv("OIDC_CONFIG"); p != "" {
		return p, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no user config directory (%v): set $OIDC_CONFIG", err)
	}
	return filepath.Join(base, "oidc", "config.yaml"), nil
}

// Load reads the file at path; a file that does not exist has no
// profiles.
func Load(path string) (*File, error) {
	f := &File{Path: path, Profiles: map[string]*Profile{}, lines: map[string]int{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, err
	}
	if err := trusted(path); err != nil {
		return nil, &Error{Path: path, Msg: err.Error()}
	}
	f.private = ownerOnly(path)
	root, err := parse(path, data)
	if err != nil || root == nil {
		return f, err
	}
	if err := f.read(root); err != nil {
		return nil, err
	}
	return f, nil
}

// Error is a config problem at a line.
type Error struct {
	Path  string
	Line  int
	Field string
	Msg   string
}

func (e *Error) Error() string {
	at := e.Path
	if e.Line > 0 {
		at += ":" + strconv.Itoa(e.Line)
	}
	if e.Field != "" {
		at += ": " + e.Field
	}
	return at + ": " + e.Msg
}

// yamlLine finds the line number in yaml's message: compiled when a file
// is broken, not at every start.
var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): (.*)$`) })

// ParseNode parses a YAML (or JSON) file into its document's top node,
// nil when the file is empty; a syntax error is an *Error with the line.
// Other YAML files of oidc (oidc serve --config) read by it too.
func ParseNode(path string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		line := 0
		if m := yamlLine().FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		return nil, &Error{Path: path, Line: line, Msg: strings.TrimPrefix(msg, "yaml: ")}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// parse returns the document's top mapping, nil when the file is empty.
func parse(path string, data []byte) (*yaml.Node, error) {
	root, err := ParseNode(path, data)
	if err != nil || root == nil {
		return nil, err
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{Path: path, Line: root.Line, Msg: "the file is a mapping with a profiles: key"}
	}
	return root, nil
}

// ValidName checks a profile name: up to 64 letters, digits, '.', '_'
// and '-', starting with a letter or digit.
func ValidName(name string) error {
	ok := len(name) > 0 && len(name) <= 64
	for i, r := range name {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !alnum && (i == 0 || r != '.' && r != '_' && r != '-') {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("profile name %q: use letters, digits, '.', '_' and '-' (up to 64)", name)
	}
	return nil
}

func (f *File) read(root *yaml.Node) error {
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "profiles" {
			return &Error{Path: f.Path, Line: k.Line, Field: k.Value, Msg: "unknown field: the file has only profiles:"}
		}
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			continue
		}
		if v.Kind != yaml.MappingNode {
			return &Error{Path: f.Path, Line: v.Line, Field: "profiles", Msg: "is a mapping of profile names to profiles"}
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			name, body := v.Content[j], v.Content[j+1]
			if err := ValidName(name.Value); err != nil {
				return &Error{Path: f.Path, Line: name.Line, Field: "profiles", Msg: err.Error()}
			}
			if _, dup := f.Profiles[name.Value]; dup {
				return &Error{Path: f.Path, Line: name.Line, Field: "profiles." + name.Value, Msg: "defined twice"}
			}
			p, err := f.readProfile(name.Value, body)
			if err != nil {
				return err
			}
			f.Profiles[name.Value] = p
			f.lines[name.Value] = name.Line
		}
	}
	return nil
}

type reader struct {
	f     *File
	field string
	n     *yaml.Node
}

func (r *reader) fail(format string, args ...any) error {
	return &Error{Path: r.f.Path, Line: r.n.Line, Field: r.field, Msg: fmt.Sprintf(format, args...)}
}

func (f *File) readProfile(name string, body *yaml.Node) (*Profile, error) {
	p := &Profile{}
	if body.Kind == yaml.ScalarNode && body.Tag == "!!null" {
		return p, nil
	}
	if body.Kind != yaml.MappingNode {
		return nil, &Error{Path: f.Path, Line: body.Line, Field: "profiles." + name, Msg: "is a mapping of settings (" + strings.Join(FieldNames(), ", ") + ")"}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(body.Content); i += 2 {
		k, v := body.Content[i], body.Content[i+1]
		r := &reader{f: f, field: "profiles." + name + "." + k.Value, n: v}
		fd, ok := fieldByName(k.Value)
		if !ok {
			r.n = k
			msg := "unknown field"
			if near := Nearest(k.Value, FieldNames()); near != "" {
				msg += "; did you mean " + near + "?"
			} else {
				msg += ": use " + strings.Join(FieldNames(), ", ")
			}
			return nil, r.fail("%s", msg)
		}
		if seen[k.Value] {
			r.n = k
			return nil, r.fail("given twice")
		}
		seen[k.Value] = true
		if err := fd.read(r, p); err != nil {
			return nil, err
		}
	}
	if p.ClientSecret != nil && p.ClientSecret.Value != "" && !f.private {
		return nil, &Error{Path: f.Path, Line: f.lineOf(body, "client_secret"), Field: "profiles." + name + ".client_secret",
			Msg: "a secret written in the file needs the file readable by you only (chmod 600 " + f.Path + "), or use env:, file: or command:"}
	}
	return p, nil
}

func (f *File) lineOf(body *yaml.Node, key string) int {
	for i := 0; i+1 < len(body.Content); i += 2 {
		if body.Content[i].Value == key {
			return body.Content[i].Line
		}
	}
	return body.Line
}

func (r *reader) scalar() (string, error) {
	if r.n.Kind != yaml.ScalarNode {
		return "", r.fail("is a single value")
	}
	return r.n.Value, nil
}

func (r *reader) str(dst *string) error {
	s, err := r.scalar()
	if err == nil && r.n.Tag != "!!str" && r.n.Tag != "!!int" {
		err = r.fail("is a string")
	}
	*dst = s
	return err
}

func (r *reader) boolean(dst *bool) error {
	if r.n.Kind != yaml.ScalarNode || r.n.Tag != "!!bool" {
		return r.fail("is true or false")
	}
	*dst = r.n.Value == "true"
	return nil
}

func (r *reader) port(dst *int) error {
	n, err := strconv.Atoi(r.n.Value)
	if r.n.Kind != yaml.ScalarNode || err != nil || n < 0 || n > 65535 {
		return r.fail("is a port number, 0 to 65535")
	}
	*dst = n
	return nil
}

// path reads a file name: ~ is the home directory; a relative one is
// relative to the config file, not to wherever oidc runs.
func (r *reader) path(dst *string) error {
	var s string
	if err := r.str(&s); err != nil {
		return err
	}
	if s == "" {
		return r.fail("is empty")
	}
	*dst = resolvePath(r.f.Path, s)
	return nil
}

func resolvePath(configPath, s string) string {
	if rest, ok := strings.CutPrefix(s, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	if filepath.IsAbs(s) {
		return s
	}
	return filepath.Join(filepath.Dir(configPath), s)
}

// list reads one string or a list of them.
func (r *reader) list(dst *[]string) error {
	if r.n.Kind == yaml.ScalarNode {
		var s string
		if err := r.str(&s); err != nil {
			return err
		}
		*dst = []string{s}
		return nil
	}
	if r.n.Kind != yaml.SequenceNode {
		return r.fail("is a string or a list of strings")
	}
	for _, item := range r.n.Content {
		if item.Kind != yaml.ScalarNode {
			return (&reader{f: r.f, field: r.field, n: item}).fail("is a list of strings")
		}
		*dst = append(*dst, item.Value)
	}
	return nil
}

// scope reads "openid email" or [openid, email].
func (r *reader) scope(dst *string) error {
	var l []string
	if err := r.list(&l); err != nil {
		return err
	}
	*dst = strings.Join(strings.Fields(strings.Join(l, " ")), " ")
	return nil
}

func (r *reader) params(dst *map[string]string) error {
	if r.n.Kind != yaml.MappingNode {
		return r.fail("is a mapping of parameter names to values")
	}
	m := map[string]string{}
	for i := 0; i+1 < len(r.n.Content); i += 2 {
		k, v := r.n.Content[i], r.n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return (&reader{f: r.f, field: r.field + "." + k.Value, n: v}).fail("is a single value")
		}
		m[k.Value] = v.Value
	}
	*dst = m
	return nil
}

// secret reads {env: NAME}, {file: PATH}, {command: [prog, args...]} or
// {value: SECRET}. A bare string is refused: it would put the secret in a
// file people copy around without meaning to.
func (r *reader) secret(dst **Secret) error {
	if r.n.Kind == yaml.ScalarNode {
		return r.fail("names where the secret is: {env: NAME}, {file: PATH} or {command: [prog, args]}; {value: ...} only if you must, in a file only you can read")
	}
	if r.n.Kind != yaml.MappingNode || len(r.n.Content) != 2 {
		return r.fail("is one of {env: NAME}, {file: PATH}, {command: [prog, args]}, {value: SECRET}")
	}
	k, v := r.n.Content[0], r.n.Content[1]
	sub := &reader{f: r.f, field: r.field + "." + k.Value, n: v}
	s := &Secret{}
	var err error
	switch k.Value {
	case "env":
		err = sub.str(&s.Env)
	case "file":
		err = sub.path(&s.File)
	case "command":
		if v.Kind == yaml.ScalarNode {
			// A string is split on spaces; use a list for arguments with spaces.
			s.Command = strings.Fields(v.Value)
		} else {
			err = sub.list(&s.Command)
		}
		if err == nil && len(s.Command) == 0 {
			err = sub.fail("is empty")
		}
	case "value":
		err = sub.str(&s.Value)
	default:
		sub.n = k
		err = sub.fail("unknown: use env, file, command or value")
	}
	if err == nil && s.Env == "" && s.File == "" && len(s.Command) == 0 && s.Value == "" {
		err = sub.fail("is empty")
	}
	*dst = s
	return err
}

// Nearest is the name within two edits of s, for "did you mean".
func Nearest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := EditDistance(s, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// EditDistance is the Levenshtein distance of a and b, in bytes (names
// here are ASCII): "did you mean" for config fields and for flags.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Save writes the profile under name, keeping the rest of the file (its
// other profiles and comments) as it was. The file is created 0600 in a
// 0700 directory; an existing file keeps its mode unless the profile
// holds a secret's value, which makes it 0600.
func Save(path, name string, p *Profile) error {
	if err := ValidName(name); err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	mode := os.FileMode(0o600)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	if p.ClientSecret != nil && p.ClientSecret.Value != "" {
		mode = 0o600
	}
	var doc yaml.Node
	if len(bytes.TrimSpace(data)) > 0 {
		if _, err := parse(path, data); err != nil {
			return err
		}
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return err
		}
	}
	if len(doc.Content) == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	root := doc.Content[0]
	var profiles *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "profiles" {
			profiles = root.Content[i+1]
		}
	}
	if profiles == nil || profiles.Kind != yaml.MappingNode {
		fresh := &yaml.Node{Kind: yaml.MappingNode}
		if profiles != nil {
			*profiles = *fresh
		} else {
			profiles = fresh
			root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "profiles"}, profiles)
		}
	}
	node := p.yaml()
	replaced := false
	for i := 0; i+1 < len(profiles.Content); i += 2 {
		if profiles.Content[i].Value == name {
			profiles.Content[i+1] = node
			replaced = true
		}
	}
	if !replaced {
		profiles.Content = append(profiles.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, node)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	return safefile.Write(path, buf.Bytes(), mode)
}

// MarshalJSON shows where a secret is, never a value written in the file.
func (s *Secret) MarshalJSON() ([]byte, error) {
	type ref Secret
	if s.Value != "" {
		return []byte(`{"value":"(in the config file)"}`), nil
	}
	return json.Marshal((*ref)(s))
}

// Marshal is the profile as YAML, a secret's value left out.
func Marshal(name string, p *Profile) ([]byte, error) {
	shown := *p
	if s := p.ClientSecret; s != nil && s.Value != "" {
		shown.ClientSecret = &Secret{Value: "(in the config file)"}
	}
	root := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: name}, shown.yaml()}}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	err := enc.Close()
	return buf.Bytes(), err
}
