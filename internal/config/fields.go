package config

import (
	"maps"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// field is one member of a profile: how the file reads it, the flag it
// stands for and that flag's values, and how the file writes it. The
// table's order is the order of writing and of applying.
type field struct {
	name  string
	flag  string // "" for client_secret, which no flag value stands for
	read  func(r *reader, p *Profile) error
	flags func(p *Profile) []string
	node  func(p *Profile) *yaml.Node // nil when unset
}

var fieldTable = []field{
	strField("issuer", "issuer", func(p *Profile) *string { return &p.Issuer }, false),
	strField("client_id", "client-id", func(p *Profile) *string { return &p.ClientID }, false),
	{name: "client_secret", read: func(r *reader, p *Profile) error { return r.secret(&p.ClientSecret) },
		flags: func(*Profile) []string { return nil }, node: secretNode},
	strField("auth_method", "auth-method", func(p *Profile) *string { return &p.AuthMethod }, false),
	strField("client_key", "client-key", func(p *Profile) *string { return &p.ClientKey }, true),
	strField("assertion_audience", "assertion-aud", func(p *Profile) *string { return &p.AssertionAudience }, false),
	{name: "scope", flag: "scope", read: func(r *reader, p *Profile) error { return r.scope(&p.Scope) },
		flags: func(p *Profile) []string { return nonEmpty(p.Scope) }, node: func(p *Profile) *yaml.Node { return scalar(p.Scope, "!!str") }},
	listField("audience", "audience", func(p *Profile) *[]string { return &p.Audience }),
	listField("resource", "resource", func(p *Profile) *[]string { return &p.Resource }),
	strField("redirect_uri", "redirect-uri", func(p *Profile) *string { return &p.RedirectURI }, false),
	{name: "port", flag: "port", read: func(r *reader, p *Profile) error { return r.port(&p.Port) },
		flags: func(p *Profile) []string { return nonEmpty(portString(p.Port)) },
		node:  func(p *Profile) *yaml.Node { return scalar(portString(p.Port), "!!int") }},
	{name: "params", flag: "param", read: func(r *reader, p *Profile) error { return r.params(&p.Params) },
		flags: paramFlags, node: paramsNode},
	boolField("device", "device", func(p *Profile) *bool { return &p.Device }),
	boolField("dpop", "dpop", func(p *Profile) *bool { return &p.DPoP }),
	strField("dpop_key", "dpop-key", func(p *Profile) *string { return &p.DPoPKey }, true),
	strField("ca_file", "ca-file", func(p *Profile) *string { return &p.CAFile }, true),
	strField("tls_cert", "tls-cert", func(p *Profile) *string { return &p.TLSCert }, true),
	strField("tls_key", "tls-key", func(p *Profile) *string { return &p.TLSKey }, true),
	boolField("allow_http", "allow-http", func(p *Profile) *bool { return &p.AllowHTTP }),
	listField("headers", "header", func(p *Profile) *[]string { return &p.Headers }),
	strField("output", "output", func(p *Profile) *string { return &p.Output }, false),
}

func fieldByName(name string) (field, bool) {
	i := slices.IndexFunc(fieldTable, func(f field) bool { return f.name == name })
	if i < 0 {
		return field{}, false
	}
	return fieldTable[i], true
}

// FieldNames lists a profile's members, for messages and help.
func FieldNames() []string {
	names := make([]string, len(fieldTable))
	for i, f := range fieldTable {
		names[i] = f.name
	}
	slices.Sort(names)
	return names
}

// Flags are the flag values a profile stands for, by flag name, in the
// order they are applied; the secret is not among them (Secret resolves
// it).
func (p *Profile) Flags() [][2]string {
	var out [][2]string
	for _, f := range fieldTable {
		for _, v := range f.flags(p) {
			out = append(out, [2]string{f.flag, v})
		}
	}
	return out
}

// yaml is the profile as the file writes it.
func (p *Profile) yaml() *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, f := range fieldTable {
		if v := f.node(p); v != nil {
			m.Content = append(m.Content, scalar(f.name, ""), v)
		}
	}
	return m
}

func strField(name, flag string, get func(*Profile) *string, isPath bool) field {
	return field{name: name, flag: flag,
		read: func(r *reader, p *Profile) error {
			if isPath {
				return r.path(get(p))
			}
			return r.str(get(p))
		},
		flags: func(p *Profile) []string { return nonEmpty(*get(p)) },
		node:  func(p *Profile) *yaml.Node { return scalar(*get(p), "!!str") }}
}

func listField(name, flag string, get func(*Profile) *[]string) field {
	return field{name: name, flag: flag,
		read:  func(r *reader, p *Profile) error { return r.list(get(p)) },
		flags: func(p *Profile) []string { return *get(p) },
		node: func(p *Profile) *yaml.Node {
			if len(*get(p)) == 0 {
				return nil
			}
			return sequence(*get(p), 0)
		}}
}

func boolField(name, flag string, get func(*Profile) *bool) field {
	return field{name: name, flag: flag,
		read: func(r *reader, p *Profile) error { return r.boolean(get(p)) },
		flags: func(p *Profile) []string {
			if *get(p) {
				return []string{"true"}
			}
			return nil
		},
		node: func(p *Profile) *yaml.Node {
			if !*get(p) {
				return nil
			}
			return scalar("true", "!!bool")
		}}
}

// scalar is a YAML value, nil when empty.
func scalar(v, tag string) *yaml.Node {
	if v == "" {
		return nil
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v}
}

func sequence(vs []string, style yaml.Style) *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode, Style: style}
	for _, v := range vs {
		seq.Content = append(seq.Content, scalar(v, "!!str"))
	}
	return seq
}

func nonEmpty(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

func portString(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func paramFlags(p *Profile) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(p.Params)) {
		out = append(out, k+"="+p.Params[k])
	}
	return out
}

func paramsNode(p *Profile) *yaml.Node {
	if len(p.Params) == 0 {
		return nil
	}
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range slices.Sorted(maps.Keys(p.Params)) {
		m.Content = append(m.Content, scalar(k, "!!str"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: p.Params[k]})
	}
	return m
}

// secretNode writes the secret's reference (or, when the user insisted,
// its value).
func secretNode(p *Profile) *yaml.Node {
	s := p.ClientSecret
	if s == nil {
		return nil
	}
	var k string
	var v *yaml.Node
	switch {
	case s.Env != "":
		k, v = "env", scalar(s.Env, "!!str")
	case s.File != "":
		k, v = "file", scalar(s.File, "!!str")
	case len(s.Command) > 0:
		k, v = "command", sequence(s.Command, yaml.FlowStyle)
	default:
		k, v = "value", scalar(s.Value, "!!str")
	}
	return &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar(k, ""), v}}
}
