package report

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/scenario"
)

// sections are the ids of the page's sections, in order.
var sections = []string{"summary", "topology", "traffic", "load", "coverage", "versions", "spacetime", "checks"}

// s2Run is scenario S2 (pull gossip with crashes) on n peers for until
// ms, with its history kept, and a partition for the diagram.
func s2Run(t testing.TB, n int, until float64) *engine.Sim {
	t.Helper()
	s, _, err := scenario.S2(n, 42)
	if err != nil {
		t.Fatal(err)
	}
	s.KeepHistory()
	if err := s.Partition([]int{1, 2, 3}, nil, 1500, 2500); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(until); err != nil {
		t.Fatal(err)
	}
	return s
}

func write(t testing.TB, in Input) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, in); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReportPage(t *testing.T) {
	s := s2Run(t, 30, 3000)
	page := string(write(t, Input{Title: "s2.star", Params: map[string]string{"n": "30", "b": "x<y"}, Sim: s,
		Checks: []Check{{Name: "agreement", T: 3000}, {Name: "termination", T: 3000, Problems: []string{"peers 4, 5 did not decide <m1>"}}},
		Error:  "s2.star:3:1: fail: <boom>"}))
	for _, id := range sections {
		if !strings.Contains(page, `<section id="`+id+`">`) {
			t.Errorf("no section %q", id)
		}
	}
	for _, want := range []string{
		"<title>p2prepl report: s2.star</title>",
		"<td>b</td><td>x&lt;y</td>",                  // parameters, escaped
		"peers 4, 5 did not decide &lt;m1&gt;",       // check problems, escaped
		`class="fail">failed`, `class="pass">passed`, // both outcomes
		"fail: &lt;boom&gt;",                      // the script's error
		`id="spacetime-svg"`, `id="topology-svg"`, // the drawings
		`src="data:image/png;base64,`, // the heat map, inline
		"partition 1",                 // the partition in the diagram
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "ZgotmplZ") {
		t.Error("html/template refused a value (ZgotmplZ in the page)")
	}
	// Self-contained: no reference to anything outside the page.
	if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*"(https?:|//)[^"]*"|url\(\s*['"]?https?:|@import`).FindString(page); m != "" {
		t.Errorf("the page refers to the network: %s", m)
	}
	// Deterministic: the same run gives the same page.
	again := string(write(t, Input{Title: "s2.star", Params: map[string]string{"n": "30", "b": "x<y"}, Sim: s2Run(t, 30, 3000),
		Checks: []Check{{Name: "agreement", T: 3000}, {Name: "termination", T: 3000, Problems: []string{"peers 4, 5 did not decide <m1>"}}},
		Error:  "s2.star:3:1: fail: <boom>"}))
	if again != page {
		t.Error("two reports of the same run differ")
	}
}

func TestReportWithoutHistory(t *testing.T) {
	s, _, err := scenario.S1(50, 1)
	if err != nil {
		t.Fatal(err)
	}
	s.Run(2000)
	page := string(write(t, Input{Sim: s}))
	if !strings.Contains(page, "call sim.keep_history() before sim.run") || strings.Contains(page, `id="spacetime-svg"`) {
		t.Error("without a history the diagram section must say how to get one")
	}
	if err := Write(&bytes.Buffer{}, Input{}); err == nil {
		t.Error("a report of no simulation")
	}
}

// TestReportInBrowser loads the page in headless Chromium and checks,
// through the DOM it dumps, that every section is there, that the page's
// script ran without error, and that hovering, zooming and recolouring
// work; a screenshot is saved in the test's temporary directory.
func TestReportInBrowser(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		t.Skip("headless Chromium is not installed (apt-get install chromium; .ci/run installs it): the report's browser test cannot run")
	}
	if testing.Short() {
		t.Skip("-short: no browser")
	}
	dir := t.TempDir()
	page := string(write(t, Input{Title: "browser test", Sim: s2Run(t, 60, 4000),
		Checks: []Check{{Name: "agreement", T: 4000}}}))
	plain := filepath.Join(dir, "report.html")
	if err := os.WriteFile(plain, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	// The same page with a driver appended: it plays the user's gestures
	// with real DOM events and writes what it saw into #selftest.
	driven := strings.Replace(page, "</body>", driver+"</body>", 1)
	drivenPath := filepath.Join(dir, "driven.html")
	if err := os.WriteFile(drivenPath, []byte(driven), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := runChromium(t, chromium, dir, "--dump-dom", "file://"+drivenPath)
	for _, id := range sections {
		if !strings.Contains(dom, `<section id="`+id+`">`) {
			t.Errorf("the browser's DOM has no section %q", id)
		}
	}
	if !strings.Contains(dom, `data-ready="1"`) {
		t.Error("the page's script did not finish (no data-ready on body)")
	}
	if m := regexp.MustCompile(`<div id="js-errors"[^>]*>([^<]*)</div>`).FindStringSubmatch(dom); m == nil || m[1] != "" || !strings.Contains(m[0], "hidden") {
		t.Errorf("JavaScript errors: %v", m)
	}
	m := regexp.MustCompile(`<pre id="selftest">([^<]*)</pre>`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the driver did not run; DOM:\n%.2000s", dom)
	}
	for _, want := range []string{"tip=peer", "arrow-tip=", "zoomed=yes", "reset=yes", "recolor=by-online", "legend=online", "heat=message", "errors=0"} {
		if !strings.Contains(m[1], want) {
			t.Errorf("driver: %q lacks %q", m[1], want)
		}
	}
	shot := filepath.Join(dir, "report.png")
	runChromium(t, chromium, dir, "--screenshot="+shot, "--window-size=1280,2400", "file://"+plain)
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 10000 {
		t.Errorf("screenshot %s: %v", shot, err)
	}
	t.Logf("screenshot: %s", shot)
	if out := os.Getenv("REPORT_OUT"); out != "" {
		b, _ := os.ReadFile(shot)
		os.WriteFile(filepath.Join(out, "report.png"), b, 0o644)
		os.WriteFile(filepath.Join(out, "report.html"), []byte(page), 0o644)
	}
}

// driver plays gestures on the page: hover over a topology node and a
// message arrow, zoom the diagram with the wheel and reset it, switch the
// topology's colouring, hover over the heat map.
const driver = `<pre id="selftest"></pre><script>
(function () {
  var out = [];
  function fire(el, type, x, y, extra) {
    var r = el.getBoundingClientRect();
    var init = { bubbles: true, cancelable: true, clientX: r.left + (x === undefined ? r.width / 2 : x), clientY: r.top + (y === undefined ? r.height / 2 : y) };
    for (var k in extra || {}) { init[k] = extra[k]; }
    el.dispatchEvent(type === "wheel" ? new WheelEvent(type, init) : new MouseEvent(type, init));
  }
  try {
    var tip = document.getElementById("tip");
    fire(document.querySelector("#topology-svg circle"), "mouseover");
    out.push("tip=" + (tip.hidden ? "hidden" : tip.textContent));
    var arrow = document.querySelector("#spacetime-svg g.msg line");
    fire(arrow, "mouseover");
    out.push("arrow-tip=" + (tip.hidden ? "" : tip.textContent));
    var st = document.getElementById("spacetime-svg");
    var before = st.getAttribute("viewBox");
    fire(st, "wheel", 300, 100, { deltaY: -100 });
    out.push("zoomed=" + (st.getAttribute("viewBox") !== before ? "yes" : "no"));
    document.getElementById("spacetime-reset").click();
    out.push("reset=" + (st.getAttribute("viewBox") === before ? "yes" : "no"));
    document.querySelector('[data-color-by="online"]').click();
    out.push("recolor=" + document.getElementById("topology-svg").getAttribute("class"));
    var shown = document.querySelector("[data-legend]:not([hidden])");
    out.push("legend=" + (shown ? shown.getAttribute("data-legend") : "none"));
    fire(document.getElementById("heatmap-img"), "mousemove", 5, 5);
    out.push("heat=" + (tip.hidden ? "" : tip.textContent));
  } catch (e) { out.push("exception=" + e); }
  out.push("errors=" + window.__errors.length);
  document.getElementById("selftest").textContent = out.join("\n");
})();
</script>`

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// runChromium runs headless Chromium with the flags known to work on a
// machine without network, a fresh profile each time, and returns stdout.
func runChromium(t *testing.T, chromium, dir string, args ...string) string {
	t.Helper()
	profile, err := os.MkdirTemp(dir, "profile")
	if err != nil {
		t.Fatal(err)
	}
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + profile, "--virtual-time-budget=5000"}
	cmd := exec.Command(chromium, append(flags, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
		}
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("chromium %v did not finish in 90 s\n%s", args, stderr.String())
	}
	return stdout.String()
}

// BenchmarkReportS1 writes the report of scenario S1 at N = 10,000 (10 s
// simulated, history kept): the issue asks for under 2 s and 5 MB.
func BenchmarkReportS1(b *testing.B) {
	s, _, err := scenario.S1(10000, 42)
	if err != nil {
		b.Fatal(err)
	}
	s.KeepHistory()
	if err := s.Run(scenario.Until); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	size := 0
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := Write(&buf, Input{Title: "S1", Sim: s}); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/1e6, "MB")
}

// With more peers than columns, each cell stands for a group of peers;
// a sparse spread (few peers of each group got a message) still shows.
func TestHeatmapGroups(t *testing.T) {
	s, _, err := scenario.S1(1199, 42)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(3000); err != nil {
		t.Fatal(err)
	}
	hm, err := buildHeatmap(s)
	if err != nil {
		t.Fatal(err)
	}
	if hm.Cols != 400 || !strings.Contains(hm.Caption, "groups of 3 peers") {
		t.Fatalf("%d columns, caption %q", hm.Cols, hm.Caption)
	}
	b64 := strings.TrimPrefix(hm.PNG, "data:image/png;base64,")
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	colored := 0
	for y := 0; y < hm.Rows; y++ {
		for x := 0; x < hm.Cols; x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); !(r>>8 == 0xee && g>>8 == 0xee && b>>8 == 0xee) {
				colored++
			}
		}
	}
	// Every id reached some peers: at least its first receivers' cells.
	if colored < hm.Rows*3 {
		t.Errorf("%d colored cells of %d x %d", colored, hm.Rows, hm.Cols)
	}
}
