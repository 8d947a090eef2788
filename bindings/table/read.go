package table

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/outfiles"
)

// Reading back what t.csv() and t.json() write. The rules (in the docs of
// table.read_csv and table.read_json) are chosen so that a table of ints,
// floats, bools, None and strings written by p2prepl reads back equal,
// whatever tool wrote it in between, as long as the tool keeps the text.

// readInput opens path through outfiles.Open (the script's tree, then
// --out) and reads it whole.
func readInput(thread *starlark.Thread, b *starlark.Builtin, path string) ([]byte, string, error) {
	f, name, err := outfiles.Open(thread, path)
	if err != nil {
		return nil, "", errorf(b, "%v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, "", errorf(b, "cannot read %q: %v", path, err)
	}
	return bytes.TrimPrefix(data, []byte("\ufeff")), name, nil // a spreadsheet's byte-order mark
}

// stringsArg reads strings=: a column name or a list of them.
func stringsArg(b *starlark.Builtin, v starlark.Value) (map[string]bool, error) {
	set := map[string]bool{}
	if v == starlark.None {
		return set, nil
	}
	var names []string
	if s, ok := v.(starlark.String); ok {
		names = []string{string(s)}
	} else {
		var err error
		if names, err = stringList(v); err != nil {
			return nil, errorf(b, "strings: %v", err)
		}
	}
	for _, n := range names {
		set[n] = true
	}
	return set, nil
}

// checkStrings reports a strings= column that the file does not have.
func checkStrings(b *starlark.Builtin, path string, set map[string]bool, cols []string) error {
	have := map[string]bool{}
	for _, c := range cols {
		have[c] = true
	}
	for n := range set {
		if !have[n] {
			return errorf(b, "%s: strings: no column %q (columns: %s)", path, n, strings.Join(cols, ", "))
		}
	}
	return nil
}

// readArgs unpacks the arguments of read_csv and read_json (path,
// strings=None) and reads the file.
func readArgs(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (path string, asString map[string]bool, data []byte, err error) {
	var stringsV starlark.Value = starlark.None
	if err = starlark.UnpackArgs(b.Name(), args, kwargs, "path", &path, "strings?", &stringsV); err != nil {
		return
	}
	if asString, err = stringsArg(b, stringsV); err != nil {
		return
	}
	data, _, err = readInput(thread, b, path)
	return
}

func readCSV(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	path, asString, data, err := readArgs(thread, b, args, kwargs)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(data))
	header, err := r.Read()
	if err == io.EOF {
		return nil, errorf(b, "%s: the file is empty; want a header line with the column names", path)
	}
	if err != nil {
		return nil, errorf(b, "%s: %v", path, csvError(err))
	}
	if err := checkStrings(b, path, asString, header); err != nil {
		return nil, err
	}
	var records [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errorf(b, "%s: %v", path, csvError(err))
		}
		records = append(records, rec)
	}
	// A column is read as values when every field is one (int, float,
	// bool or empty); one other field makes the whole column strings.
	rows := make([][]starlark.Value, len(records))
	for i := range rows {
		rows[i] = make([]starlark.Value, len(header))
	}
	for c, name := range header {
		text := asString[name]
		for _, rec := range records {
			if !text && rec[c] != "" && csvScalar(rec[c]) == nil {
				text = true
				break
			}
		}
		for i, rec := range records {
			switch f := rec[c]; {
			case f == "":
				rows[i][c] = starlark.None
			case text:
				rows[i][c] = starlark.String(f)
			default:
				rows[i][c] = csvScalar(f)
			}
		}
	}
	t, err := New(header, rows)
	if err != nil {
		return nil, errorf(b, "%s: header: %v", path, err)
	}
	return t, nil
}

// csvError says a CSV syntax error with its line, as the user sees it.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return fmt.Errorf("line %d has a different number of fields than the header", pe.Line)
		}
		return fmt.Errorf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return err
}

var (
	intText   = regexp.MustCompile(`^[+-]?[0-9]+$`)
	floatText = regexp.MustCompile(`^[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(\.[0-9]*)?[eE][+-]?[0-9]+|[0-9]*\.[0-9]+[eE][+-]?[0-9]+)$`)
)

// csvScalar parses a field as t.csv() writes a non-string cell: True,
// False, an int, or a float as Starlark prints it (always with a "." or an
// exponent; nan, inf, +inf, -inf). It returns nil for any other text.
func csvScalar(f string) starlark.Value {
	switch f {
	case "True":
		return starlark.True
	case "False":
		return starlark.False
	case "nan", "NaN":
		return starlark.Float(math.NaN())
	case "inf", "+inf", "Infinity", "+Infinity":
		return starlark.Float(math.Inf(1))
	case "-inf", "-Infinity":
		return starlark.Float(math.Inf(-1))
	}
	if intText.MatchString(f) {
		return parseInt(f)
	}
	if floatText.MatchString(f) {
		if x, err := strconv.ParseFloat(f, 64); err == nil || errors.Is(err, strconv.ErrRange) {
			return starlark.Float(x)
		}
	}
	return nil
}

// parseInt parses a decimal integer of any size.
func parseInt(s string) starlark.Value {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return starlark.MakeInt64(n)
	}
	n, _ := new(big.Int).SetString(strings.TrimPrefix(s, "+"), 10)
	return starlark.MakeBigInt(n)
}

func readJSON(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	path, asString, data, err := readArgs(thread, b, args, kwargs)
	if err != nil {
		return nil, err
	}
	cols, rows, err := decodeRows(data, asString)
	if err != nil {
		return nil, errorf(b, "%s: %v", path, err)
	}
	if err := checkStrings(b, path, asString, cols); err != nil {
		return nil, err
	}
	t, err := New(cols, rows)
	if err != nil {
		return nil, errorf(b, "%s: %v", path, err)
	}
	return t, nil
}

// decodeRows reads a JSON array of objects (what t.json() writes) or a
// sequence of objects, one per line (JSON Lines, as traces are written).
// Columns come in the order their keys are first seen; a row without a
// key has None there. The values of the columns in asString are read as
// strings: numbers and bools as their JSON text, null as None.
func decodeRows(data []byte, asString map[string]bool) ([]string, [][]starlark.Value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var cols []string
	index := map[string]int{}
	var rows []map[int]starlark.Value
	line := func() int { return 1 + bytes.Count(data[:dec.InputOffset()], []byte("\n")) }

	tok, err := dec.Token()
	if err == io.EOF {
		return nil, nil, errors.New("the file is empty; want a JSON array of objects (as t.to_json writes) or one object per line")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("line %d: %v", line(), err)
	}
	array := tok == json.Delim('[')
	if !array && tok != json.Delim('{') {
		return nil, nil, fmt.Errorf("line %d: want a JSON array of objects (as t.to_json writes) or one object per line, got %v", line(), tok)
	}
	for {
		if array {
			if !dec.More() {
				if _, err := dec.Token(); err != nil { // ]
					return nil, nil, fmt.Errorf("line %d: %v", line(), err)
				}
				break
			}
			if tok, err = dec.Token(); err != nil {
				return nil, nil, fmt.Errorf("line %d: %v", line(), err)
			}
			if tok != json.Delim('{') {
				return nil, nil, fmt.Errorf("line %d: item %d is %s, want an object {\"column\": value, ...}", line(), len(rows), jsonKind(tok))
			}
		}
		row := map[int]starlark.Value{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, nil, fmt.Errorf("line %d: %v", line(), err)
			}
			key := kt.(string)
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, nil, fmt.Errorf("line %d: %v", line(), err)
			}
			var vt json.Token
			var v starlark.Value
			if raw[0] == '[' || raw[0] == '{' {
				// A list or an object (a trace's vector clock): a table
				// holds plain values, so it keeps the JSON text.
				var compact bytes.Buffer
				_ = json.Compact(&compact, raw)
				v = starlark.String(compact.String())
			} else {
				d := json.NewDecoder(bytes.NewReader(raw))
				d.UseNumber()
				if vt, err = d.Token(); err != nil {
					return nil, nil, fmt.Errorf("line %d: %v", line(), err)
				}
				if v, err = jsonScalar(vt); err != nil {
					return nil, nil, fmt.Errorf("line %d: row %d, column %q: %v", line(), len(rows), key, err)
				}
			}
			if asString[key] {
				switch x := vt.(type) {
				case json.Number:
					v = starlark.String(x)
				case bool:
					v = starlark.String(strconv.FormatBool(x))
				}
			}
			c, ok := index[key]
			if !ok {
				c = len(cols)
				index[key] = c
				cols = append(cols, key)
			}
			if _, dup := row[c]; dup {
				return nil, nil, fmt.Errorf("line %d: row %d has column %q twice", line(), len(rows), key)
			}
			row[c] = v
		}
		if _, err := dec.Token(); err != nil { // }
			return nil, nil, fmt.Errorf("line %d: %v", line(), err)
		}
		rows = append(rows, row)
		if !array {
			tok, err = dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, nil, fmt.Errorf("line %d: %v", line(), err)
			}
			if tok != json.Delim('{') {
				return nil, nil, fmt.Errorf("line %d: want one object per line, got %s", line(), jsonKind(tok))
			}
		}
	}
	if array {
		if _, err := dec.Token(); err != io.EOF {
			return nil, nil, fmt.Errorf("line %d: unexpected data after the array", line())
		}
	}
	out := make([][]starlark.Value, len(rows))
	for r, row := range rows {
		out[r] = make([]starlark.Value, len(cols))
		for c := range cols {
			if v, ok := row[c]; ok {
				out[r][c] = v
			} else {
				out[r][c] = starlark.None
			}
		}
	}
	return cols, out, nil
}

// jsonScalar converts a JSON value token: a number without "." or an
// exponent is an int (of any size), other numbers floats.
func jsonScalar(tok json.Token) (starlark.Value, error) {
	switch v := tok.(type) {
	case nil:
		return starlark.None, nil
	case bool:
		return starlark.Bool(v), nil
	case string:
		return starlark.String(v), nil
	case json.Number:
		if intText.MatchString(string(v)) {
			return parseInt(string(v)), nil
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, err
		}
		return starlark.Float(f), nil
	}
	return nil, fmt.Errorf("got %s, want a string, number, true, false or null (a table holds no lists or objects)", jsonKind(tok))
}

func jsonKind(tok json.Token) string {
	switch tok {
	case json.Delim('['):
		return "an array"
	case json.Delim('{'):
		return "an object"
	}
	switch tok.(type) {
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a bool"
	case nil:
		return "null"
	}
	return fmt.Sprint(tok)
}
