// Package metrics counts what the server does and serves it in the
// Prometheus text exposition format (version 0.0.4), with the standard
// library only: counters and histograms with labels, and a handler for
// GET /metrics behind a bearer token.
//
// Label values come from the server (route patterns, tool names, OAuth
// error codes), never from raw request paths or queries, so no token can end
// up in a series; each vector also caps its number of series, so a client
// calling made-up tool names cannot grow memory without bound.
package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// MaxSeries bounds the label combinations of one vector; observations
// beyond it are counted under OverflowLabel in every label.
const MaxSeries = 500

// OverflowLabel replaces label values once a vector holds MaxSeries series.
const OverflowLabel = "_other"

// Registry holds metric vectors and writes them in registration order.
// Its zero value is not usable; call NewRegistry.
type Registry struct {
	mu      sync.Mutex
	metrics []collector
	names   map[string]bool
}

// collector is a metric vector the registry can write.
type collector interface {
	write(w *bufio.Writer)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{names: map[string]bool{}}
}

func (r *Registry) add(name string, c collector) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !validName(name) || r.names[name] {
		// Names are constants of this program: a bad or duplicate one is a
		// programming error caught by the first test that builds the set.
		panic("metrics: invalid or duplicate metric name " + strconv.Quote(name))
	}
	r.names[name] = true
	r.metrics = append(r.metrics, c)
}

// WriteTo writes every metric in the Prometheus text format.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	r.mu.Lock()
	ms := append([]collector(nil), r.metrics...)
	r.mu.Unlock()
	cw := &countWriter{w: w}
	bw := bufio.NewWriter(cw)
	for _, m := range ms {
		m.write(bw)
	}
	err := bw.Flush()
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// vec is the label handling shared by counters and histograms.
type vec[T any] struct {
	name, help string
	labels     []string
	newSeries  func() *T

	mu     sync.Mutex
	series map[string]*T // key: label values joined by \xff
	values map[string][]string
}

func newVec[T any](name, help string, labels []string, mk func() *T) *vec[T] {
	for _, l := range labels {
		if !validName(l) || strings.HasPrefix(l, "__") || l == "le" {
			panic("metrics: invalid label name " + strconv.Quote(l))
		}
	}
	return &vec[T]{name: name, help: help, labels: labels, newSeries: mk, series: map[string]*T{}, values: map[string][]string{}}
}

// get returns the series for the label values, creating it if needed.
// A wrong number of values is folded into the overflow series rather
// than panicking in a request path.
func (v *vec[T]) get(vals []string) *T {
	if len(vals) != len(v.labels) {
		vals = overflow(len(v.labels))
	}
	key := strings.Join(vals, "\xff")
	v.mu.Lock()
	defer v.mu.Unlock()
	if s, ok := v.series[key]; ok {
		return s
	}
	if len(v.series) >= MaxSeries {
		vals = overflow(len(v.labels))
		key = strings.Join(vals, "\xff")
		if s, ok := v.series[key]; ok {
			return s
		}
	}
	s := v.newSeries()
	v.series[key] = s
	v.values[key] = append([]string(nil), vals...)
	return s
}

func overflow(n int) []string {
	vals := make([]string, n)
	for i := range vals {
		vals[i] = OverflowLabel
	}
	return vals
}

// sorted returns the series keys in order, for stable output.
func (v *vec[T]) sorted() []string {
	keys := make([]string, 0, len(v.series))
	for k := range v.series {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// labelString renders {a="x",b="y"} plus any extra pair (le for buckets).
func labelString(names, vals []string, extraName, extraVal string) string {
	if len(names) == 0 && extraName == "" {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n)
		b.WriteString(`="`)
		b.WriteString(escapeLabel(vals[i]))
		b.WriteByte('"')
	}
	if extraName != "" {
		if len(names) > 0 {
			b.WriteByte(',')
		}
		b.WriteString(extraName + `="` + extraVal + `"`)
	}
	b.WriteByte('}')
	return b.String()
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }

var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

func writeHeader(w *bufio.Writer, name, help, typ string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, helpEscaper.Replace(help), name, typ)
}

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// validName reports whether s is a valid metric or label name.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r == '_' || r == ':' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// CounterVec is a counter with labels: a value that only goes up.
type CounterVec struct {
	v *vec[counter]
}

type counter struct {
	mu  sync.Mutex
	val float64
}

// NewCounter registers a counter named name (end it in _total) with the
// given label names.
func (r *Registry) NewCounter(name, help string, labels ...string) *CounterVec {
	c := &CounterVec{v: newVec(name, help, labels, func() *counter { return &counter{} })}
	r.add(name, c)
	return c
}

// Inc adds one to the series of the label values (in label order).
func (c *CounterVec) Inc(labelValues ...string) { c.Add(1, labelValues...) }

// Add adds d (ignored unless positive: counters never go down).
func (c *CounterVec) Add(d float64, labelValues ...string) {
	if !(d > 0) {
		return
	}
	s := c.v.get(labelValues)
	s.mu.Lock()
	s.val += d
	s.mu.Unlock()
}

// Value returns the current value of one series (0 when it does not exist).
func (c *CounterVec) Value(labelValues ...string) float64 {
	c.v.mu.Lock()
	s, ok := c.v.series[strings.Join(labelValues, "\xff")]
	c.v.mu.Unlock()
	if !ok {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.val
}

func (c *CounterVec) write(w *bufio.Writer) {
	writeHeader(w, c.v.name, c.v.help, "counter")
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	for _, k := range c.v.sorted() {
		s := c.v.series[k]
		s.mu.Lock()
		val := s.val
		s.mu.Unlock()
		fmt.Fprintf(w, "%s%s %s\n", c.v.name, labelString(c.v.labels, c.v.values[k], "", ""), formatFloat(val))
	}
}

// HistogramVec is a histogram with labels: counts of observations in
// cumulative buckets, their sum and their count.
type HistogramVec struct {
	v       *vec[histogram]
	buckets []float64
}

type histogram struct {
	mu     sync.Mutex
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	count  uint64
}

// DefaultBuckets suit request latencies in seconds, from 5 ms to 30 s.
var DefaultBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// NewHistogram registers a histogram with upper bucket bounds (sorted,
// ascending; +Inf is implied) and label names.
func (r *Registry) NewHistogram(name, help string, buckets []float64, labels ...string) *HistogramVec {
	b := append([]float64(nil), buckets...)
	sort.Float64s(b)
	h := &HistogramVec{buckets: b}
	h.v = newVec(name, help, labels, func() *histogram { return &histogram{counts: make([]uint64, len(b)+1)} })
	r.add(name, h)
	return h
}

// Observe records one observation in the series of the label values.
func (h *HistogramVec) Observe(val float64, labelValues ...string) {
	if math.IsNaN(val) {
		return
	}
	s := h.v.get(labelValues)
	i := sort.SearchFloat64s(h.buckets, val) // first bucket with bound >= val
	s.mu.Lock()
	s.counts[i]++
	s.sum += val
	s.count++
	s.mu.Unlock()
}

// Count returns how many observations one series holds.
func (h *HistogramVec) Count(labelValues ...string) uint64 {
	h.v.mu.Lock()
	s, ok := h.v.series[strings.Join(labelValues, "\xff")]
	h.v.mu.Unlock()
	if !ok {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

func (h *HistogramVec) write(w *bufio.Writer) {
	name := h.v.name
	writeHeader(w, name, h.v.help, "histogram")
	h.v.mu.Lock()
	defer h.v.mu.Unlock()
	for _, k := range h.v.sorted() {
		s := h.v.series[k]
		vals := h.v.values[k]
		s.mu.Lock()
		counts := append([]uint64(nil), s.counts...)
		sum, count := s.sum, s.count
		s.mu.Unlock()
		var cum uint64
		for i, bound := range h.buckets {
			cum += counts[i]
			fmt.Fprintf(w, "%s_bucket%s %d\n", name, labelString(h.v.labels, vals, "le", formatFloat(bound)), cum)
		}
		fmt.Fprintf(w, "%s_bucket%s %d\n", name, labelString(h.v.labels, vals, "le", "+Inf"), count)
		fmt.Fprintf(w, "%s_sum%s %s\n", name, labelString(h.v.labels, vals, "", ""), formatFloat(sum))
		fmt.Fprintf(w, "%s_count%s %d\n", name, labelString(h.v.labels, vals, "", ""), count)
	}
}
