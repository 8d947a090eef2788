package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"math"

	"github.com/p2prepl/p2prepl/engine"
)

// Heat map limits: beyond them rows (message ids) are sampled evenly and
// columns (peers) grouped, so the picture stays a few kilobytes whatever
// the run's size.
const (
	maxHeatRows = 200
	maxHeatCols = 400
)

// heatmap is the version table as a picture: a row per message id, a
// column per peer (or group of peers), each cell the version that peer
// accepted first.
type heatmap struct {
	PNG        string // data: URI
	Rows, Cols int
	Caption    string
	Legend     []legendEntry
	Labels     string       // JSON: {"rows": [...ids], "cols": [...peer ranges]}
	Split      int          // ids some peers hold in another version than others
	Style      template.CSS // the image's displayed size
	IDs        int
}

var (
	cellNone = color.NRGBA{0xee, 0xee, 0xee, 0xff}
	versionC = []color.NRGBA{{0x4e, 0x79, 0xa7, 0xff}, {0xe1, 0x57, 0x59, 0xff}, {0x59, 0xa1, 0x4f, 0xff}, {0xf2, 0x8e, 0x2b, 0xff}}
)

func buildHeatmap(sim *engine.Sim) (heatmap, error) {
	ids := sim.MessageIDs()
	peers := sim.Peers()
	hm := heatmap{IDs: len(ids)}
	if len(ids) == 0 || len(peers) == 0 {
		return hm, nil
	}
	col := map[int]int{}
	for i, p := range peers {
		col[p.ID()] = i
	}
	// Split: ids whose first-seen versions differ between peers.
	for _, id := range ids {
		seen := -1
		for _, f := range sim.FirstSeen(id) {
			if seen >= 0 && f.Version != seen {
				hm.Split++
				break
			}
			seen = f.Version
		}
	}
	rows := ids
	if len(rows) > maxHeatRows {
		rows = make([]string, maxHeatRows)
		for i := range rows {
			rows[i] = ids[i*len(ids)/maxHeatRows]
		}
	}
	group := (len(peers) + maxHeatCols - 1) / maxHeatCols
	ncols := (len(peers) + group - 1) / group
	img := image.NewNRGBA(image.Rect(0, 0, ncols, len(rows)))
	state := make([]int, len(peers)) // -1 none, else version
	maxVersion := 0
	for r, id := range rows {
		for i := range state {
			state[i] = -1
		}
		for _, f := range sim.FirstSeen(id) {
			if c, ok := col[f.Peer]; ok {
				state[c] = f.Version
				maxVersion = max(maxVersion, f.Version)
			}
		}
		for c := 0; c < ncols; c++ {
			// The version most of the group's peers received, paler the
			// fewer of them received any: a sparse spread stays visible.
			counts := map[int]int{}
			best, bestN, got, n := -1, 0, 0, 0
			for i := c * group; i < min((c+1)*group, len(peers)); i++ {
				n++
				if v := state[i]; v >= 0 {
					got++
					counts[v]++
					if k := counts[v]; k > bestN || (k == bestN && v < best) {
						best, bestN = v, k
					}
				}
			}
			col := stateColor(best)
			if best >= 0 && got < n {
				col = blend(cellNone, col, 0.3+0.7*float64(got)/float64(n))
			}
			img.SetNRGBA(c, r, col)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return hm, err
	}
	hm.PNG = "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
	hm.Rows, hm.Cols = len(rows), ncols
	cw := math.Max(1, math.Min(24, 1100/float64(ncols)))
	ch := math.Max(2, math.Min(16, 600/float64(len(rows))))
	hm.Style = template.CSS(fmt.Sprintf("width: %.0fpx; height: %.0fpx", cw*float64(ncols), ch*float64(len(rows))))
	hm.Caption = fmt.Sprintf("%d message ids × %d peers", len(ids), len(peers))
	if len(rows) < len(ids) {
		hm.Caption += fmt.Sprintf("; %d of the ids shown, evenly spaced", len(rows))
	}
	if group > 1 {
		hm.Caption += fmt.Sprintf("; columns are groups of %d peers in id order, each cell the version most of the group received, paler the fewer received it", group)
	}
	hm.Legend = append(hm.Legend, legendEntry{Color: hex(cellNone), Label: "not received"})
	for v := 0; v <= maxVersion && v < len(versionC); v++ {
		label := fmt.Sprintf("version %d", v)
		if v == len(versionC)-1 && maxVersion > v {
			label += " or later"
		}
		hm.Legend = append(hm.Legend, legendEntry{Color: hex(versionC[v]), Label: label})
	}
	labels := struct {
		Rows []string `json:"rows"`
		Cols []string `json:"cols"`
	}{Rows: rows}
	for c := 0; c < ncols; c++ {
		a, z := peers[c*group].ID(), peers[min((c+1)*group, len(peers))-1].ID()
		if a == z {
			labels.Cols = append(labels.Cols, fmt.Sprintf("peer %d", a))
		} else {
			labels.Cols = append(labels.Cols, fmt.Sprintf("peers %d to %d", a, z))
		}
	}
	js, err := json.Marshal(labels)
	if err != nil {
		return hm, err
	}
	hm.Labels = string(js)
	return hm, nil
}

func stateColor(s int) color.NRGBA {
	if s < 0 {
		return cellNone
	}
	return versionC[min(s, len(versionC)-1)]
}

// blend mixes a and b, f of the way to b.
func blend(a, b color.NRGBA, f float64) color.NRGBA {
	mix := func(x, y uint8) uint8 { return uint8(float64(x)*(1-f) + float64(y)*f + 0.5) }
	return color.NRGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 0xff}
}

func hex(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }
