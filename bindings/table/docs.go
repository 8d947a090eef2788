package table

import "github.com/p2prepl/p2prepl/bindings/api"

// docs holds the help text of the constructor ("table"), its functions
// ("table.from_dicts") and the table's properties and methods
// ("table.filter").
func init() {
	api.Register(api.NewModule(&api.Module{
		Name: "table",
		Doc: `table(columns, rows=[]) -> table

A table of named columns and rows of plain values (string, int, float,
bool or None). Tables are immutable: every method returns a new table.

    t = table(columns = ["peer", "region", "latency"],
              rows = [[1, "eu", 3.5], [2, "us", 12.0]])
    t = table.from_dicts([{"peer": 1, "latency": 3.5}, ...])
    t = table.from_columns({"peer": [1, 2], "latency": [3.5, 12.0]})

len(t) is the number of rows; t[i] is row i as a dict (negative i counts
from the end); t[i:j] is a table of those rows; "for row in t" gives each
row as a dict; t == u compares columns and rows.

Properties: columns, rows.
Methods: column, row, filter, where, select, drop, rename, sort, head,
tail, count, group_by, join, add_column, sum, mean, min, max, percentile,
csv, json, to_csv, to_json. help(t.method) tells more.`,
		Members: []api.Builtin{
			api.Method("from_dicts", `table.from_dicts(dicts, columns=None) -> table

Builds a table from a list of dicts, one per row, keyed by column name.
Columns appear in the order their names are first seen; a row missing a
key gets None there. With columns=[...], the table has exactly those
columns in that order and other keys are ignored.

    table.from_dicts([{"peer": 1, "ok": True}, {"peer": 2}])`, fromDicts),
			api.Method("from_columns", `table.from_columns(columns) -> table

Builds a table from a dict of column name -> list of values; all lists
must have the same length.

    table.from_columns({"time": [0, 100, 200], "coverage": [0.04, 0.5, 1.0]})`, fromColumns),
			api.Method("read_csv", `table.read_csv(path, strings=None) -> table

Reads a CSV file with a header line, as t.to_csv writes it, so that
t.to_csv(p) then table.read_csv(p) gives t back. The rules:

  an empty field              None
  True, False                 a bool
  digits, with a sign         an int (of any size)
  a number with "." or an     a float (nan, inf, +inf, -inf too)
    exponent: 2.0, 1e-05
  anything else               a string

A column is read as values only when every field in it is one of the
above; a single other field makes every field of that column a string
(so ids like "26_1" or "007" stay strings, never numbers). strings names
columns (one or a list) to read as strings whatever they hold. Strings
that look like numbers or bools in a column of such, and "" (written
as an empty field, like None), do not survive CSV: use JSON for those.

A relative path is looked up next to the script, then in the output
directory (--out); files elsewhere are refused, as links leading out are.

    t.to_csv("runs.csv")
    runs = table.read_csv("runs.csv")
    ids = table.read_csv("ids.csv", strings = "msg")`, readCSV),
			api.Method("read_json", `table.read_json(path, strings=None) -> table

Reads a JSON file as t.to_json writes it (an array of objects, one per
row) or as a trace is written (JSON Lines: one object per line), so that
t.to_json(p) then table.read_json(p) gives t back. Columns come in the
order their keys first appear; a row without a key gets None there.
Strings, true/false and null read as strings, bools and None; a number
without "." or an exponent is an int, any other number a float. A value
that is a list or an object (a trace's vector clock) is kept as its JSON
text, a string: a table holds plain values.
NaN and infinities, which JSON cannot hold, were written as null and
read back as None. strings names columns (one or a list) to read as
strings: numbers and bools there become their JSON text.

Paths are looked up as for table.read_csv.

    runs = table.read_json("runs.json")
    trace = table.read_json("trace.jsonl")   # simulation(trace = ...)
    trace.where(ev = "deliver").group_by("id", stats = "hops")`, readJSON),
		},
		Call: construct,
	}).Global())
}

// tableType declares a table's attributes and methods (help(t)).
var tableType = api.NewType(&api.Type[*Table]{
	Name: "table",
	Var:  "t",
	Doc:  "A table of named columns (see help(table)); immutable: every method returns a new table.",
	Fields: []api.Field[*Table]{
		api.Attr("columns", `t.columns -> list of strings

The column names, in order.`, tColumns),
		api.Attr("rows", `t.rows -> list of tuples

The rows, each a tuple of values in column order.`, tRows),
	},
	Methods: []api.Builtin{
		api.Pure(api.Method("column", `t.column(name) -> list

The values of one column, top to bottom.`, tColumn)),
		api.Pure(api.Method("row", `t.row(i) -> dict

Row i (0-based; negative counts from the end) as a dict from column name to
value. Same as t[i].`, tRow)),
		api.Method("filter", `t.filter(fn) -> table

The rows for which fn(row) is true, where row is a dict from column name to
value.

    t.filter(lambda r: r["latency"] > 10)`, tFilter),
		api.Pure(api.Method("where", `t.where(column, value) -> table
t.where(column=value, ...) -> table

The rows whose cell in column equals value (1 == 1.0; True != 1). With
keyword arguments, the rows matching all of them.

    t.where("region", "eu")
    t.where(region = "eu", online = True)`, tWhere)),
		api.Pure(api.Method("select", `t.select(column, ...) -> table

A table with only the named columns, in the order given. The names may also
be given as one list: t.select(["a", "b"]).`, tSelect)),
		api.Pure(api.Method("drop", `t.drop(column, ...) -> table

A table without the named columns (also accepts one list of names).`, tDrop)),
		api.Pure(api.Method("sort", `t.sort(by, reverse=False) -> table

The rows sorted by a column, or by a list of columns (the first deciding,
the next breaking ties). The sort is stable: equal rows keep their order.
Values of different types sort as bools, then numbers, then strings; None
(and NaN) always come last, also with reverse=True.`, tSort)),
		api.Pure(api.Method("head", `t.head(n=10) -> table

The first n rows.`, tHead)),
		api.Pure(api.Method("tail", `t.tail(n=10) -> table

The last n rows.`, tTail)),
		api.Pure(api.Method("count", `t.count(value, by="column", key=None) -> table

Counts the cells equal to value. Without value, counts the cells that are
not None (nor NaN).

by="column" (the default) gives one row per column of t, with columns
"column" (the name) and "count". by="row" gives one row per row of t, with
columns "row" (its index) and "count". key names a column that labels the
rows and is not counted: with by="row" its values replace the index.

For a peer x message table of booleans (did the peer get the right
version?), the number of wrong versions each peer holds is

    t.count(False, key = "msg")             # one row per peer column
    t.count(False, by = "row", key = "msg") # one row per message`, tCount)),
		api.Pure(api.Method("group_by", `t.group_by(by, agg=None, stats=None, level=0.95) -> table

Groups the rows by the values of a column (or a list of columns) and
reduces each group to one row, groups sorted by their values. agg maps
each output column name to "count" (rows in the group) or to a pair
(how, column) where how is a function taking the list of the group's
values or one of

  count          values that are not None
  sum, mean, median, min, max, first, last
  std            sample standard deviation (n - 1 in the denominator)
  sem            standard error of the mean, std / sqrt(n)
  ci             half-width of the confidence interval of the mean at
                 level (95%): t * std / sqrt(n), t the quantile of
                 Student's t with n - 1 degrees of freedom (12.706 for
                 n = 2, 2.262 for n = 10, 1.96 as n grows)
  ci_lo, ci_hi   mean - ci and mean + ci

None values are skipped by the named aggregations; std, sem and the ci
are None for a group of fewer than two values. Without agg, the result
has the group columns and "count" (rows in the group).

stats names a column (or a list) to summarize over the group's rows, the
usual summary of repetitions: for each column C it adds C_mean, C_std and
C_ci. Grouping a sweep's results by its parameters gives one row per
grid cell with the mean, spread and 95% interval over the seeds, ready
for plot.line(..., yerr = "C_ci"):

    t.group_by("region", agg = {"n": "count",
                                "avg": ("mean", "latency"),
                                "worst": ("max", "latency")})
    runs.group_by(["fanout", "loss"], stats = "coverage")
    # fanout  loss  count  coverage_mean  coverage_std  coverage_ci`, tGroupBy)),
		api.Pure(api.Method("join", `t.join(other, on, how="inner") -> table

The rows of t matched with the rows of other that have equal values in
the column (or list of columns) on, which both tables must have. The
result has t's columns, then other's columns except on. how="inner"
keeps only rows of t that match; how="left" keeps every row of t, with
None in other's columns where nothing matches. Rows come in t's order;
a row of t that matches several rows of other appears once for each, in
other's order. Keys compare as == does (1 == 1.0); a None key matches
nothing (as NULL in SQL).

A column other than the keys that is in both tables is an error: rename
it first (t.rename) or join on it too.

    runs.join(params, on = "run")
    runs.join(summary, on = ["fanout", "loss"], how = "left")`, tJoin)),
		api.Pure(api.Method("rename", `t.rename({old: new, ...}) -> table
t.rename(old=new, ...) -> table

A table with columns renamed, in place; the other columns keep their
names. Renaming to a name another column has is an error.

    t.rename({"coverage_mean": "coverage"})`, tRename)),
		api.Pure(api.Method("add_column", `t.add_column(name, values, replace=False) -> table

A table with one more column at the end: values is a list with one value
per row, or a function called with each row (a dict) returning the value.
Adding a column that exists is an error unless replace=True, which
replaces it in place.

    t.add_column("slow", lambda r: r["latency"] > 10)`, tAddColumn)),
		api.Pure(api.Method("sum", `t.sum(column) -> int or float

The sum of a column's numbers (bools count as 0 and 1; None is skipped).
An int if every value is an int or bool.`, tSum)),
		api.Pure(api.Method("mean", `t.mean(column) -> float or None

The mean of a column's numbers, skipping None; None if there are none.`, tMean)),
		api.Pure(api.Method("min", `t.min(column) -> value or None

The smallest value of a column, skipping None, in sort order.`, tMin)),
		api.Pure(api.Method("max", `t.max(column) -> value or None

The largest value of a column, skipping None, in sort order.`, tMax)),
		api.Pure(api.Method("percentile", `t.percentile(column, q) -> float or None

The q-th percentile (0 <= q <= 100) of a column's numbers, skipping None,
interpolating linearly between ranks like numpy. q may be a list, giving a
list. None if the column has no numbers.

    t.percentile("latency", 95)
    t.percentile("latency", [50, 90, 99])`, tPercentile)),
		api.Pure(api.Method("csv", `t.csv() -> string

The table as CSV with a header line. None is an empty field; bools are True
and False; floats are written in full.`, tCSV)),
		api.Pure(api.Method("json", `t.json() -> string

The table as a JSON array of objects, one per row, keys in column order.
None, NaN and infinities are null.`, tJSON)),
		api.Method("to_csv", `t.to_csv(path) -> string

Writes t.csv() to path, relative to the run's output directory, replacing
the file atomically (a failure never leaves a partial file). Returns path.`, tToCSV),
		api.Method("to_json", `t.to_json(path) -> string

Writes t.json() to path, relative to the run's output directory, replacing
the file atomically. Returns path.`, tToJSON),
	},
})
