package report

import "html/template"

// guard runs first: it records any script error in #js-errors, where a
// reader (and the browser test) sees it.
const guard = `window.__errors = [];
window.addEventListener("error", function (e) {
  window.__errors.push(String(e.message || e));
  var box = document.getElementById("js-errors");
  if (box) { box.hidden = false; box.textContent = "Script error: " + window.__errors.join("; "); }
});`

// script is the page's behaviour, hand-written and small: hover details
// from the SVG titles, topology colouring, zoom and pan of the space-time
// diagram, and the heat map's cell under the pointer.
const script = `(function () {
  "use strict";
  var tip = document.getElementById("tip");
  function show(text, ev) {
    tip.textContent = text;
    tip.hidden = false;
    var x = ev.clientX + 14, y = ev.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth - 8) { x = ev.clientX - tip.offsetWidth - 10; }
    if (y + tip.offsetHeight > window.innerHeight - 8) { y = ev.clientY - tip.offsetHeight - 10; }
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  function hide() { tip.hidden = true; }

  // Titles become hover details (one tooltip, not the browser's slow one).
  var titled = document.querySelectorAll("svg title");
  for (var i = 0; i < titled.length; i++) {
    var t = titled[i], el = t.parentNode;
    el.setAttribute("data-tip", t.textContent);
    el.removeChild(t);
  }
  document.addEventListener("mouseover", function (ev) {
    var el = ev.target.closest ? ev.target.closest("[data-tip]") : null;
    if (el) { el.classList.add("hot"); show(el.getAttribute("data-tip"), ev); }
  });
  document.addEventListener("mousemove", function (ev) {
    if (!tip.hidden && ev.target.closest && ev.target.closest("[data-tip]")) { show(tip.textContent, ev); }
  });
  document.addEventListener("mouseout", function (ev) {
    var el = ev.target.closest ? ev.target.closest("[data-tip]") : null;
    if (el) { el.classList.remove("hot"); hide(); }
  });

  // Topology: colour by type, region or online state.
  var topo = document.getElementById("topology-svg");
  var buttons = document.querySelectorAll("[data-color-by]");
  for (var j = 0; j < buttons.length; j++) {
    buttons[j].addEventListener("click", function (ev) {
      var mode = ev.currentTarget.getAttribute("data-color-by");
      topo.setAttribute("class", "by-" + mode);
      for (var k = 0; k < buttons.length; k++) { buttons[k].classList.toggle("on", buttons[k] === ev.currentTarget); }
      var legends = document.querySelectorAll("[data-legend]");
      for (var m = 0; m < legends.length; m++) { legends[m].hidden = legends[m].getAttribute("data-legend") !== mode; }
    });
  }

  // Space-time diagram: wheel zooms around the pointer, drag pans,
  // double-click resets.
  var st = document.getElementById("spacetime-svg");
  if (st) {
    var base = st.getAttribute("viewBox").split(" ").map(Number);
    var vb = base.slice();
    var set = function () { st.setAttribute("viewBox", vb.join(" ")); };
    var toSVG = function (ev) {
      var r = st.getBoundingClientRect();
      return [vb[0] + (ev.clientX - r.left) / r.width * vb[2], vb[1] + (ev.clientY - r.top) / r.height * vb[3]];
    };
    st.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var p = toSVG(ev), f = ev.deltaY < 0 ? 0.8 : 1.25;
      var w = Math.min(base[2], Math.max(base[2] / 200, vb[2] * f)), h = w * base[3] / base[2];
      vb = [p[0] - (p[0] - vb[0]) * w / vb[2], p[1] - (p[1] - vb[1]) * h / vb[3], w, h];
      set();
    }, { passive: false });
    var drag = null;
    st.addEventListener("mousedown", function (ev) { drag = { x: ev.clientX, y: ev.clientY, vb: vb.slice() }; ev.preventDefault(); });
    window.addEventListener("mouseup", function () { drag = null; });
    window.addEventListener("mousemove", function (ev) {
      if (!drag) { return; }
      var r = st.getBoundingClientRect();
      vb[0] = drag.vb[0] - (ev.clientX - drag.x) / r.width * vb[2];
      vb[1] = drag.vb[1] - (ev.clientY - drag.y) / r.height * vb[3];
      set();
    });
    st.addEventListener("dblclick", function () { vb = base.slice(); set(); });
    var reset = document.getElementById("spacetime-reset");
    if (reset) { reset.addEventListener("click", function () { vb = base.slice(); set(); }); }
  }

  // Heat map: the cell under the pointer.
  var heat = document.getElementById("heatmap-img");
  var labels = document.getElementById("heatmap-labels");
  if (heat && labels) {
    var lab = JSON.parse(labels.textContent);
    heat.addEventListener("mousemove", function (ev) {
      var r = heat.getBoundingClientRect();
      var c = Math.floor((ev.clientX - r.left) / r.width * lab.cols.length);
      var rw = Math.floor((ev.clientY - r.top) / r.height * lab.rows.length);
      if (c >= 0 && c < lab.cols.length && rw >= 0 && rw < lab.rows.length) {
        show("message " + lab.rows[rw] + ", " + lab.cols[c], ev);
      }
    });
    heat.addEventListener("mouseleave", hide);
  }
  document.body.setAttribute("data-ready", "1");
})();`

const css = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0; background: #f6f6f4; }
header { background: #243447; color: #fff; padding: 14px 28px; }
header h1 { margin: 0; font-size: 20px; font-weight: 600; }
header p { margin: 2px 0 0; color: #c9d3de; }
nav { padding: 6px 28px; background: #e9ecef; font-size: 13px; }
nav a { margin-right: 14px; color: #243447; text-decoration: none; }
main { padding: 8px 28px 40px; max-width: 1200px; }
section { background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; margin: 16px 0; padding: 12px 18px; }
h2 { font-size: 16px; margin: 4px 0 8px; }
.note { color: #666; font-size: 12.5px; margin: 4px 0 8px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.total td { font-weight: 600; border-top: 1px solid #bbb; }
table.kv td { text-align: left; }
table.kv td:first-child { color: #555; }
svg { display: block; max-width: 100%; height: auto; }
.chart { max-width: 720px; }
#topology-svg { max-width: 760px; }
.row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.row > div { flex: 1 1 340px; min-width: 0; }
.error { background: #fdecea; border: 1px solid #e0a39d; color: #8a1f11; padding: 10px 14px; border-radius: 6px; margin: 16px 0; white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: 12.5px; }
#tip { position: fixed; z-index: 10; max-width: 420px; background: #243447; color: #fff; padding: 5px 8px; border-radius: 4px; font-size: 12px; pointer-events: none; }
button { font: inherit; font-size: 12.5px; padding: 2px 10px; border: 1px solid #bbb; background: #fff; border-radius: 4px; cursor: pointer; }
button.on { background: #243447; color: #fff; border-color: #243447; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin: 0 4px 0 12px; vertical-align: -1px; }
#topology-svg circle { stroke: #fff; stroke-width: 0.8; }
#topology-svg circle.hot, .hot > * { stroke: #000 !important; stroke-width: 1.6 !important; }
.by-online circle.on { fill: #59a14f; }
.by-online circle.off { fill: #e15759; }
#spacetime-svg { cursor: grab; border: 1px solid #eee; }
#heatmap-img { image-rendering: pixelated; max-width: 100%; border: 1px solid #ddd; }
.pass { color: #2e7d32; font-weight: 600; }
.fail { color: #c62828; font-weight: 600; }
ul.problems { margin: 2px 0; padding-left: 20px; font-family: ui-monospace, monospace; font-size: 12px; }
`

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"typeCSS": func(t topology) template.CSS {
		var s string
		for _, e := range t.Types {
			s += ".by-type circle." + e.Class + " { fill: " + e.Color + "; }\n"
		}
		for _, e := range t.Regions {
			s += ".by-region circle." + e.Class + " { fill: " + e.Color + "; }\n"
		}
		return template.CSS(s)
	},
	"commas": func(n int64) string { return thousands(n) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>p2prepl report: {{.Title}}</title>
<script>{{.Guard}}</script>
<style>{{.CSS}}
{{typeCSS .Topology}}</style>
</head>
<body>
<header><h1>Run report: {{.Title}}</h1><p>p2prepl, simulated time {{with index .Summary 1}}{{.Value}}{{end}}, seed {{with index .Summary 0}}{{.Value}}{{end}}</p></header>
<nav><a href="#summary">Run</a><a href="#topology">Topology</a><a href="#traffic">Traffic</a><a href="#load">Load</a><a href="#coverage">Coverage and latency</a><a href="#versions">Versions</a><a href="#spacetime">Space-time</a><a href="#checks">Checks</a></nav>
<main>
<div id="js-errors" class="error" hidden></div>
{{if .Error}}<div id="run-error" class="error">The script failed:
{{.Error}}</div>{{end}}

<section id="summary"><h2>Run: parameters and seed</h2>
<div class="row"><div><table class="kv">{{range .Summary}}<tr><td>{{.Key}}</td><td>{{.Value}}</td></tr>{{end}}</table></div>
<div><h3 style="font-size:14px;margin:0 0 4px">Parameters (--set)</h3>{{if .Params}}<table class="kv">{{range .Params}}<tr><td>{{.Key}}</td><td>{{.Value}}</td></tr>{{end}}</table>{{else}}<p class="note">none: the script ran with its defaults</p>{{end}}</div></div>
</section>

<section id="topology"><h2>Topology</h2>
<p class="note">{{.Topology.Caption}}. Color by:
<button data-color-by="type" class="on">type</button> <button data-color-by="region">region</button> <button data-color-by="online">online state</button></p>
<p class="note" data-legend="type">{{range .Topology.Types}}<span class="swatch" style="background:{{.Color}}"></span>{{.Label}} ({{.Count}}){{end}}</p>
<p class="note" data-legend="region" hidden>{{range .Topology.Regions}}<span class="swatch" style="background:{{.Color}}"></span>{{.Label}} ({{.Count}}){{end}}</p>
<p class="note" data-legend="online" hidden><span class="swatch" style="background:#59a14f"></span>online <span class="swatch" style="background:#e15759"></span>offline (at the end of the run)</p>
{{.Topology.SVG}}
</section>

<section id="traffic"><h2>Traffic per message kind</h2>
<table><tr><th>kind</th><th>sent</th><th>delivered</th><th>unhandled</th><th>rejected</th><th>dropped</th><th>offline</th><th>loss</th><th>partition</th><th>MB sent</th></tr>
{{range .Traffic}}<tr{{if .Total}} class="total"{{end}}><td>{{.Kind}}</td><td>{{commas .Sent}}</td><td>{{commas .Delivered}}</td><td>{{commas .Unhandled}}</td><td>{{commas .Rejected}}</td><td>{{commas .Dropped}}</td><td>{{.DroppedOffline}}</td><td>{{.DroppedLoss}}</td><td>{{.DroppedPartition}}</td><td>{{.MBytes}}</td></tr>
{{end}}</table>
</section>

<section id="load"><h2>Load over time</h2>
<p class="note">Messages delivered per simulated second; {{.LoadNote}}.</p>
{{.Load}}
</section>

<section id="coverage"><h2>Coverage and latency</h2>
<p class="note">{{.CoverNote}}.</p>
<div class="row"><div><h3 style="font-size:14px;margin:0">Coverage of each message id</h3>{{.Coverage}}</div>
<div><h3 style="font-size:14px;margin:0">Latency of first receipts</h3>{{.Latency}}
{{if .Quantiles}}<table class="kv">{{range .Quantiles}}<tr><td>{{.Key}}</td><td>{{.Value}}</td></tr>{{end}}</table>{{end}}</div></div>
</section>

<section id="versions"><h2>Versions held</h2>
{{if .Heatmap.PNG}}<p class="note">The version of each message id each peer accepted first ({{.Heatmap.Caption}}). {{.Heatmap.Split}} of {{.Heatmap.IDs}} ids reached peers in more than one version.
{{range .Heatmap.Legend}}<span class="swatch" style="background:{{.Color}}"></span>{{.Label}}{{end}}</p>
<img id="heatmap-img" alt="version heat map: rows are message ids, columns peers" src="{{.HeatPNG}}" width="{{.Heatmap.Cols}}" height="{{.Heatmap.Rows}}" style="{{.Heatmap.Style}}">
<script type="application/json" id="heatmap-labels">{{.HeatLabels}}</script>
{{else}}<p class="note">No tracked message ids: nothing to show.</p>{{end}}
</section>

<section id="spacetime"><h2>Space-time diagram</h2>
<p class="note">{{.STNote}}{{if .Spacetime}} <button id="spacetime-reset">reset zoom</button>{{end}}</p>
{{.Spacetime}}
</section>

<section id="checks"><h2>Checks</h2>
{{if .Checks}}<table><tr><th>check</th><th>at (ms)</th><th>result</th></tr>
{{range .Checks}}<tr><td>{{.Name}}</td><td>{{.T}}</td><td style="text-align:left">{{if .OK}}<span class="pass">passed</span>{{else}}<span class="fail">failed</span><ul class="problems">{{range .Problems}}<li>{{.}}</li>{{end}}{{if .More}}<li>... and {{.More}} more</li>{{end}}</ul>{{end}}</td></tr>
{{end}}</table>{{else}}<p class="note">No checks ran (check.agreement, check.validity and check.termination from @stdlib/checks.star record their results here).</p>{{end}}
</section>
</main>
<div id="tip" hidden></div>
<script>{{.Script}}</script>
</body>
</html>
`))
