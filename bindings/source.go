package bindings

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
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

// ReadScriptFile reads a script named on a command line. It must be a
// regular file: the file is opened without blocking and checked before it
// is read, so that a named pipe (which blocked forever), a directory or a
// device is refused with a message saying what it is.
func ReadScriptFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no script %s (no such file)", path)
		}
		return nil, fmt.Errorf("cannot open the script: %v", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot open the script: %v", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s, not a script file (to pipe a script in, use \"p2prepl run -\")", path, fileKind(fi.Mode()))
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", path, err)
	}
	return data, nil
}

// fileKind names what a non-regular file is.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	default:
		return "a special file"
	}
}
