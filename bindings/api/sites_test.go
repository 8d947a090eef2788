package api

import (
	"strings"
	"sync"
	"testing"

	"go.starlark.net/starlark"
)

// TestSiteCache: a name is found through the cache by its address and
// length, never by a neighbour sharing its bytes (a prefix of it, as the
// identifiers of one source file can be), and names colliding in a slot
// take turns without a wrong answer.
func TestSiteCache(t *testing.T) {
	var x nameIndex
	for _, n := range []string{"first", "fir", "f", "ttl", "sender"} {
		x.add(n)
	}
	ttl := strings.Clone("ttl")
	if _, ok := x.sites.get(ttl); ok {
		t.Fatal("a hit before the first lookup")
	}
	if i, ok := x.find(ttl); !ok || i != 3 {
		t.Fatalf("find(ttl) = %d, %v", i, ok)
	}
	if i, ok := x.sites.get(ttl); !ok || i != 3 {
		t.Fatalf("after a lookup, the cache has ttl at %d, %v; want 3", i, ok)
	}
	src := "firstttlsender"
	cases := []struct {
		name string
		want int
		ok   bool
	}{
		{src[:5], 0, true},
		{src[:3], 1, true}, // same address as "first", shorter
		{src[:1], 2, true},
		{src[5:8], 3, true},
		{src[8:], 4, true},
		{src[:4], 0, false}, // "firs"
		{"", 0, false},
		{strings.Clone("ttl"), 3, true},
	}
	for round := 0; round < 3; round++ { // misses fill the cache, then hits
		for _, c := range cases {
			if i, ok := x.find(c.name); i != c.want || ok != c.ok {
				t.Errorf("round %d: find(%q) = %d, %v; want %d, %v", round, c.name, i, ok, c.want, c.ok)
			}
		}
	}
	// Many copies of each name: most share a slot with another name.
	var copies []string
	for i := 0; i < 200; i++ {
		copies = append(copies, strings.Clone("first"), strings.Clone("sender"))
	}
	for round := 0; round < 3; round++ {
		for i, n := range copies {
			if j, ok := x.find(n); !ok || j != []int{0, 4}[i%2] {
				t.Fatalf("find(%q) = %d, %v", n, j, ok)
			}
		}
	}
}

// TestSiteCacheConcurrent runs lookups on several goroutines, as a sweep
// does; run with -race.
func TestSiteCacheConcurrent(t *testing.T) {
	x := &thing{n: 7}
	names := []string{"n", "double", "peek", "nope"}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var own []string // each goroutine's own copies, as its own program's
			for i := 0; i < 20; i++ {
				for _, n := range names {
					own = append(own, strings.Clone(n))
				}
			}
			for round := 0; round < 50; round++ {
				for _, n := range own {
					v, err := thingType.Attr(x, n, nil)
					if err != nil || (v == nil) != (n == "nope") {
						t.Errorf("Attr(%q) = %v, %v", n, v, err)
						return
					}
					if n == "n" && v.String() != "7" {
						t.Errorf("Attr(n) = %v", v)
						return
					}
					if b, ok := v.(*starlark.Builtin); ok && b.Name() != "th."+n {
						t.Errorf("Attr(%q) = %s", n, b.Name())
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
