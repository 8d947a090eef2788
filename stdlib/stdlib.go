// Package stdlib embeds p2prepl's Starlark standard library: producers and
// adversaries, validation helpers, consensus algorithms, checks and
// analysis. Scripts load its modules as load("@stdlib/<name>.star", ...).
// The modules are plain Starlark so users can read, copy and change them.
//
// Importing the package also documents the library for help(), `p2prepl
// help NAME` and completion (bindings/api's SetLibrary), from the modules'
// own doc strings.
package stdlib

import (
	"embed"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/bindings/api"
)

// FS holds the library's .star modules, with paths relative to the root
// (e.g. "consensus/majority.star").
//
//go:embed *.star consensus/*.star
var FS embed.FS

func init() { api.SetLibrary(bindings.LibraryDocs(FS)) }
