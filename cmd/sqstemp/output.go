package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// table writes rows as an aligned table under a header, or as one JSON
// object per line.
type table struct {
	enc *json.Encoder     // JSON lines; nil for a table
	tw  *tabwriter.Writer // the table; nil for JSON
	err error             // the first write error
}

func newTable(w io.Writer, asJSON bool, header ...string) *table {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return &table{enc: enc}
	}
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.line(header)
	return t
}

// add writes one row: v as JSON, or cells in the table.
func (t *table) add(v any, cells ...string) {
	if t.err != nil {
		return
	}
	if t.enc != nil {
		t.err = t.enc.Encode(v)
		return
	}
	t.line(cells)
}

func (t *table) line(cells []string) {
	for i, c := range cells {
		cells[i] = cell(c)
	}
	if _, err := fmt.Fprintln(t.tw, strings.Join(cells, "\t")); err != nil && t.err == nil {
		t.err = err
	}
}

// flush writes out the table and returns the first write error.
func (t *table) flush() error {
	if t.tw != nil {
		if err := t.tw.Flush(); err != nil && t.err == nil {
			t.err = err
		}
	}
	if t.err != nil {
		return fmt.Errorf("write output: %w", t.err)
	}
	return nil
}

// cell makes s fit in one table cell: control characters (tabs, newlines:
// message bodies and tags are untrusted) are shown escaped, and empty
// cells as "-".
func cell(s string) string {
	if s == "" {
		return "-"
	}
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	q := fmt.Sprintf("%q", s)
	return q[1 : len(q)-1]
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
