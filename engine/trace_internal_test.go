package engine

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every string a script can put in a kind, id, label or reason comes out
// of the JSON Lines trace as a JSON string that reads back as itself
// (invalid UTF-8 as U+FFFD); strconv.AppendQuote wrote \x00 and \x1b,
// which no JSON reader accepts.
func TestAppendJSONString(t *testing.T) {
	cases := []string{"", "gossip", "a\"b\\c", "\x00", "\x1b[31m", "tab\tnl\ncr\r", "\u2028\ufffe é 日本 😀",
		"</script>", "bad \xff byte", "\xe9", strings.Repeat("x\x01", 100)}
	for i := range 256 {
		cases = append(cases, string([]byte{byte(i), 'a', byte(255 - i)}))
	}
	for _, s := range cases {
		b := appendJSONString([]byte("x"), s)
		if b[0] != 'x' {
			t.Fatalf("%q: the prefix was lost", s)
		}
		var back string
		if err := json.Unmarshal(b[1:], &back); err != nil {
			t.Errorf("%q -> %s: %v", s, b[1:], err)
			continue
		}
		if want := string([]rune(s)); back != want { // each invalid byte as U+FFFD
			t.Errorf("%q -> %s reads back as %q, want %q", s, b[1:], back, want)
		}
	}
}
