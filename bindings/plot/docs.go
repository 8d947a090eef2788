package plot

import "github.com/p2prepl/p2prepl/bindings/api"

const common = `
Every chart also takes title="", xlabel="", ylabel="" (defaults come from
table column names where there are some), width=800 and height=500 (in
pixels, 100 to 10000), and path: the file to write, relative to the run's
output directory; its extension picks the format (.png, .svg, .pdf, .jpg).
The file is replaced atomically. Returns path.`

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
			api.Method("line", `plot.line(data=None, x=None, y=None, by=None, points=False, title="", xlabel="", ylabel="", path="line.png", width=800, height=500) -> string

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

    plot.line(t, x = "time", y = ["coverage", "bandwidth"], path = "run.svg")
    plot.line({"push": (ts, c1), "pull": (ts, c2)}, title = "coverage")
`+common, lineFn),
			api.Method("scatter", `plot.scatter(data=None, x=None, y=None, by=None, title="", xlabel="", ylabel="", path="scatter.png", width=800, height=500) -> string

Draws points, one color per series; takes data, x, y and by exactly as
plot.line does.
`+common, scatterFn),
			api.Method("hist", `plot.hist(values, x=None, bins=20, normalize=False, title="", xlabel="", ylabel="count", path="hist.png", width=800, height=500) -> string

Draws a histogram of a list of numbers, or of the column x of a table (x
may be left out for a one-column table), in bins equal-width bins (1 to
10000). None and NaN are skipped. normalize=True scales the bars so their
total area is 1 (and the y label defaults to "density").

    plot.hist(t, x = "latency", bins = 50, path = "latency.png")
`+common, histFn),
			api.Method("bar", `plot.bar(labels, values=None, x=None, y=None, title="", xlabel="", ylabel="", path="bar.png", width=800, height=500) -> string

Draws a bar per label. The data can be:
  - labels a list and values a list of numbers, one per label;
  - labels a list and values a dict {series: [numbers]}: grouped bars with
    a legend;
  - labels a dict {label: number};
  - labels a table: x names the label column (default: the first column),
    y a column or a list of columns (default: every other numeric column).

    plot.bar(["eu", "us"], {"sent": [10, 20], "dropped": [1, 4]})
    plot.bar(t.count(False, key = "msg"), x = "column", y = "count")
`+common, barFn),
			api.Method("heatmap", `plot.heatmap(matrix, row_labels=None, col_labels=None, palette="viridis", title="", xlabel="", ylabel="", path="heatmap.png", width=800, height=500) -> string

Draws a grid of colored cells, row 0 at the top, with a color scale at the
right. matrix is a list of rows (lists of numbers or bools), or a table:
then row_labels may name a column holding the row labels (it is not drawn)
and the other column names label the columns. Otherwise row_labels and
col_labels are lists with one label per row / column (default: the
indexes). A matrix of bools uses the two ends of the palette (False low,
True high); None cells are grey. Palettes: viridis, grey, blackbody,
kindlmann, bluered.

    plot.heatmap(versions, row_labels = "msg", title = "who has which version")
`+common, heatmapFn),
		},
	}).Global())
}
