package plugin

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// table writes aligned columns as kubectl does (three spaces between columns), each line
// after an indent.
type table struct {
	out    io.Writer
	indent string
	buf    bytes.Buffer
	w      *tabwriter.Writer
}

func newTable(out io.Writer, header ...string) *table {
	return newIndentedTable(out, "", header...)
}

func newIndentedTable(out io.Writer, indent string, header ...string) *table {
	t := &table{out: out, indent: indent}
	t.w = tabwriter.NewWriter(&t.buf, 0, 8, 3, ' ', 0)
	t.row(header...)
	return t
}

// row writes one row; an empty cell prints as "-" so columns stay readable.
func (t *table) row(cells ...string) {
	for i, c := range cells {
		if c == "" {
			cells[i] = "-"
		}
		cells[i] = strings.ReplaceAll(cells[i], "\t", " ")
	}
	_, _ = fmt.Fprintln(t.w, strings.Join(cells, "\t"))
}

func (t *table) flush() error {
	if err := t.w.Flush(); err != nil {
		return fmt.Errorf("writing the table: %w", err)
	}
	var b strings.Builder
	for line := range strings.Lines(t.buf.String()) {
		b.WriteString(t.indent + line)
	}
	if _, err := io.WriteString(t.out, b.String()); err != nil {
		return fmt.Errorf("writing the table: %w", err)
	}
	return nil
}

// age is how long ago t was, as kubectl prints it ("5m", "3d").
func age(now time.Time, t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// timestamp prints a time as the API server stores it, "" when unset.
func timestamp(t *metav1.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}
