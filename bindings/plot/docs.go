package plot

import "github.com/p2prepl/p2prepl/bindings/api"

const common = `
Every chart also takes title="", xlabel="", ylabel="" (defaults come from
table column names where there are some), width=800 and height=500 (in
pixels, 100 to 10000), scale=2 (PNG and JPEG images get scale x scale
pixels per pixel: 1600 x 1000 by default, sharp in print; 1 to 4), and
path: the file to write, relative to the run's output directory; its
extension picks the format (.png, .svg, .pdf, .jpg). The file is replaced
atomically. Returns path.`

// axes documents the arguments of the x-y charts' axes and legend.
const axes = `
Error bars: yerr names a column (or, with several y columns, a list, one
per y) holding a half-width: bars from y - yerr to y + yerr, as the ci
column of t.group_by(..., stats = ...) gives. ylo and yhi name columns
holding the ends instead (ci_lo and ci_hi). With a list as data, they are
lists. A None leaves that point without a bar. band=True fills the area
between the ends instead of drawing bars.

Axes: logx=True, logy=True use a log scale (every value must be > 0).
` + limitsDoc + `
Otherwise the range is the data's with a small margin, so markers and
bars at the edges are whole.

legend: where the key of several lines goes, one of
` + legendDoc + `.
`

// limitsDoc and legendDoc are shared by the charts that take xlim, ylim
// and legend.
const (
	limitsDoc = `xlim=(low, high) and ylim=(low, high) fix the range, either end None
for the data's; a log axis's limits must be > 0.`
	legendDoc = `"best" (the corner hiding the fewest points), "top left", "top right",
"bottom left", "bottom right", "outside" (at the right of the chart) or
"none"`
)

func init() {
	api.Register(api.NewModule(&api.Module{
		Name: "plot",
		Doc: `plot: charts written to image files.

    plot.line(t, x = "time", y = "coverage", path = "coverage.png")
    plot.scatter(x = sizes, y = delays, path = "delay.svg")
    plot.hist(latencies, bins = 30, path = "latency.png")
    plot.bar(["eu", "us"], [12, 30], path = "peers.png")
    plot.heatmap(versions, row_labels = "msg", path = "versions.png")

help(plot.line) and so on tell more.`,
		Members: []api.Builtin{
			api.Method("line", `plot.line(data=None, x=None, y=None, by=None, points=False, yerr=None, ylo=None, yhi=None, band=False, logx=False, logy=False, xlim=None, ylim=None, legend="best", title="", xlabel="", ylabel="", path="line.png", width=800, height=500, scale=2) -> string

Draws one or more lines. The data can be:
  - a table: x names the x column (default: the first column), y a column
    or a list of columns (default: every other numeric column), one line
    each; by names a column whose values split the rows into one line per
    value.
  - a dict of series: {"name": ([x...], [y...])} or {"name": [y...]} (x is
    then the x argument, or 0, 1, 2, ...).
  - a list of y values, with x an optional list of x values.
  - or no data, with y a list (or a dict of name: list) and x a list.
A None (or NaN) value leaves a gap. points=True marks each point too.
Several lines get a legend.
`+axes+`
    plot.line(t, x = "time", y = ["coverage", "bandwidth"], path = "run.svg")
    plot.line({"push": (ts, c1), "pull": (ts, c2)}, title = "coverage")

    # a sweep: mean coverage over seeds with its 95% interval, one line
    # per loss rate
    s = runs.group_by(["fanout", "loss"], stats = "coverage")
    plot.line(s, x = "fanout", y = "coverage_mean", yerr = "coverage_ci",
              by = "loss", band = True, path = "coverage.png")
`+common, lineFn),
			api.Method("scatter", `plot.scatter(data=None, x=None, y=None, by=None, yerr=None, ylo=None, yhi=None, band=False, logx=False, logy=False, xlim=None, ylim=None, legend="best", title="", xlabel="", ylabel="", path="scatter.png", width=800, height=500, scale=2) -> string

Draws points, one color per series; takes data, x, y, by, the error bars,
axes and legend exactly as plot.line does.
`+common, scatterFn),
			api.Method("hist", `plot.hist(values, x=None, bins=20, normalize=False, logx=False, logy=False, xlim=None, ylim=None, title="", xlabel="", ylabel="count", path="hist.png", width=800, height=500, scale=2) -> string

Draws a histogram of a list of numbers, or of the column x of a table (x
may be left out for a one-column table), in bins equal-width bins (1 to
10000). None and NaN are skipped. normalize=True divides each count by
the number of values and the bin's width: a density, whose bars have a
total area of 1 (and the y label defaults to "density").

Axes: logy=True draws the counts on a log scale, where empty bins are
left blank and the bars rise from the bottom of the axis. logx=True puts
the values on a log scale and makes the bins equal in width there
(log-spaced: from 1 to 1000, bins = 3 gives 1-10, 10-100, 100-1000),
the way a heavy-tailed latency reads; every value must then be > 0.
`+limitsDoc+`
xlim also sets what the bins span: values outside it are left out of
the bars (normalize=True still divides by all the values, so the bars
show the true density and their area is the share inside xlim).

    plot.hist(t, x = "latency", bins = 50, path = "latency.png")
    plot.hist(t, x = "latency", logx = True, logy = True, xlim = (1, None))
`+common, histFn),
			api.Method("bar", `plot.bar(labels, values=None, x=None, y=None, logy=False, ylim=None, legend="best", title="", xlabel="", ylabel="", path="bar.png", width=800, height=500, scale=2) -> string

Draws a bar per label. The data can be:
  - labels a list and values a list of numbers, one per label;
  - labels a list and values a dict {series: [numbers]}: grouped bars with
    a legend;
  - labels a dict {label: number};
  - labels a table: x names the label column (default: the first column),
    y a column or a list of columns (default: every other numeric column).

logy=True draws the values on a log scale: bars rise from the bottom of
the axis, a 0 draws no bar, a negative value is an error. ylim=(low,
high) fixes the value range, either end None for the data's; on a linear
axis bars still start at 0 (cut by the frame when low > 0).

legend: where the key of grouped bars goes, one of
`+legendDoc+`.

    plot.bar(["eu", "us"], {"sent": [10, 20], "dropped": [1, 4]})
    plot.bar(t.count(False, key = "msg"), x = "column", y = "count")
    plot.bar(regions, {"sent": sent, "dropped": dropped}, logy = True,
             legend = "outside")
`+common, barFn),
			api.Method("heatmap", `plot.heatmap(matrix, row_labels=None, col_labels=None, palette="viridis", value_labels=None, title="", xlabel="", ylabel="", path="heatmap.png", width=800, height=500, scale=2) -> string

Draws a grid of colored cells, row 0 at the top, with a key at the right.
matrix is a list of rows (lists of numbers or bools), or a table: then
row_labels may name a column holding the row labels (it is not drawn)
and the other column names label the columns. Otherwise row_labels and
col_labels are lists with one label per row / column (default: the
indexes). Palettes: viridis, grey, blackbody, kindlmann, bluered.

A matrix of numbers gets a color scale. A matrix of bools is two
categories: the two ends of the palette (False low, True high), with a
key of swatches rather than a scale. None (and NaN) cells are grey and
get a swatch in the key too. value_labels names the categories in the
key: {True: "...", False: "...", None: "..."} (for numbers, only None).

    plot.heatmap(versions, row_labels = "msg", title = "who has which version",
                 value_labels = {True: "producer's version", False: "another version",
                                 None: "not received"})
`+common, heatmapFn),
		},
	}).Global())
}
