// Package stdlib embeds p2prepl's Starlark standard library: producers and
// adversaries, validation helpers, consensus algorithms, checks and
// analysis. Scripts load its modules as load("@stdlib/<name>.star", ...).
// The modules are plain Starlark so users can read, copy and change them.
package stdlib

import "embed"

// FS holds the library's .star modules, with paths relative to the root
// (e.g. "consensus/majority.star").
//
//go:embed *.star consensus/*.star
var FS embed.FS
