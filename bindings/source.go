package bindings

import (
	"fmt"
	"unicode/utf8"

	"go.starlark.net/syntax"
)

// CheckSource reports the first NUL byte or invalid UTF-8 sequence in a
// script's source as a syntax.Error at its line and column (counted as
// go.starlark.net counts them: lines end at "\n", "\r\n" or "\r", columns
// are runes). go.starlark.net's scanner takes a NUL for the end of the
// file, so without this check everything after one is silently skipped.
func CheckSource(filename string, src []byte) error {
	line, col := int32(1), int32(1)
	for i := 0; i < len(src); {
		b := src[i]
		switch {
		case b == 0:
			return sourceError(filename, line, col, "NUL byte in the source (go.starlark.net would stop reading here); remove it")
		case b == '\n':
			line, col = line+1, 1
			i++
			continue
		case b == '\r':
			if i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
			line, col = line+1, 1
			i++
			continue
		case b < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && n <= 1 {
				return sourceError(filename, line, col, fmt.Sprintf("invalid UTF-8 (byte 0x%02x): a script must be UTF-8 text; save it as UTF-8", b))
			}
			i += n
		}
		col++
	}
	return nil
}

func sourceError(filename string, line, col int32, msg string) error {
	return syntax.Error{Pos: syntax.MakePosition(&filename, line, col), Msg: msg}
}
