package web

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

// md renders summaries. It runs without html.WithUnsafe: raw HTML in the
// markdown is dropped and links with dangerous schemes (javascript:,
// vbscript:, file:, data: other than images) lose their destination.
var md = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.TaskList),
	goldmark.WithRendererOptions(html.WithHardWraps()),
)

// Markdown renders markdown as sanitised HTML.
func Markdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(buf.String()) // goldmark's safe mode output
}

// Snippet renders a search snippet, whose matched words come marked as
// **word**, as escaped HTML with <mark> around the matches.
func Snippet(s string) template.HTML {
	parts := strings.Split(s, "**")
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 && i < len(parts)-1 {
			b.WriteString("<mark>" + template.HTMLEscapeString(p) + "</mark>")
		} else {
			if i%2 == 1 {
				b.WriteString("**") // an unpaired marker is text
			}
			b.WriteString(template.HTMLEscapeString(p))
		}
	}
	return template.HTML(b.String())
}

// clock formats milliseconds as h:mm:ss, or m:ss under an hour.
func clock(ms int64) string {
	if ms < 0 {
		ms = 0
	}
	sec := ms / 1000
	h, m, s := sec/3600, sec/60%60, sec%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}

// minutes formats a duration in ms as "1 h 05 min" or "45 min".
func minutes(ms int64) string {
	m := (ms + 30_000) / 60_000
	if m >= 60 {
		return fmt.Sprintf("%d h %02d min", m/60, m%60)
	}
	return fmt.Sprintf("%d min", m)
}

// talk formats talk time: "45 s" under a minute, else "12 min".
func talk(ms int64) string {
	if ms < 59_500 {
		return fmt.Sprintf("%d s", (ms+500)/1000)
	}
	return minutes(ms)
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":    s.asset,
		"markdown": Markdown,
		"snippet":  Snippet,
		"clock":    clock,
		"minutes":  minutes,
		"talk":     talk,
		"date":     func(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006") },
		"datetime": func(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006, 15:04 UTC") },
		"shortdate": func(t time.Time) string {
			if t.Year() == s.now().UTC().Year() {
				return t.UTC().Format("2 Jan")
			}
			return t.UTC().Format("2 Jan 2006")
		},
		"isodate": func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"dayname": func(day string) string {
			t, err := time.Parse(meetingintel.DateLayout, day)
			if err != nil {
				return day
			}
			return t.Format("2 Jan 2006")
		},
		"timeago": s.timeAgo,
		"pct":     func(f float64) string { return fmt.Sprintf("%.1f", f*100) },
		"initials": func(name string) string {
			var out []rune
			for _, w := range strings.Fields(name) {
				for _, r := range w {
					out = append(out, r)
					break
				}
				if len(out) == 2 {
					break
				}
			}
			return strings.ToUpper(string(out))
		},
		"join":  strings.Join,
		"add":   func(a, b int) int { return a + b },
		"list":  func(xs ...string) []string { return xs },
		"duein": func(d string) string { return dueIn(d, s.now().UTC()) },
	}
}

// timeAgo says how long ago t was, for "last used" columns.
func (s *Server) timeAgo(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "never"
	}
	d := s.now().Sub(*t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 60*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
	return t.UTC().Format("2 Jan 2006")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
