package bindings

import (
	"strings"
	"testing"
)

func TestCheckSource(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"x = 1\nprint(x)\n", ""},
		{"s = \"héllo wörld\"  # ünïcode\n", ""},
		{"x = 1\ny = 2\x00\nfail('skipped')\n", "f.star:2:6: syntax error: NUL byte in the source"},
		{"\x00", "f.star:1:1: syntax error: NUL byte"},
		{"a = 'é'\r\nb = '\xff'\n", "f.star:2:6: syntax error: invalid UTF-8 (byte 0xff)"},
		{"a = 1\rb = 'é\xc3'\n", "f.star:2:7: syntax error: invalid UTF-8 (byte 0xc3)"},
		{"# \xed\xa0\x80 a surrogate\n", "f.star:1:3: syntax error: invalid UTF-8 (byte 0xed)"},
	} {
		err := CheckSource("f.star", []byte(c.src))
		got := ""
		if err != nil {
			got = FormatError(err)
		}
		if c.want == "" && got != "" || !strings.HasPrefix(got, c.want) {
			t.Errorf("CheckSource(%q) = %q, want %q...", c.src, got, c.want)
		}
	}
}
