package postings

import (
	"math/bits"
	"strings"
	"unicode/utf8"
)

// Snippet returns the part of text a search hit shows: a window of at most
// maxTokens tokens holding the most distinct query words (then the most
// matches, then the earliest), with every token that matches a word
// marked as **token** and "…" where text was cut. Tokens and stems are the
// index's own, so a snippet marks exactly the words that ranked the hit,
// the same on every store. words are query words (meetingintel.SearchTerms).
func Snippet(text string, words []string, maxTokens int) string {
	want := make(map[string]int, len(words)) // stem -> bit
	for _, w := range words {
		if t := Term(w); t != "" {
			if _, ok := want[t]; !ok && len(want) < 64 {
				want[t] = len(want)
			}
		}
	}
	type tok struct {
		from, to int    // bytes of text
		bits     uint64 // the query word it matches, if any
	}
	var toks []tok
	var buf []byte
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !tokenChar(r) {
			i += n
			continue
		}
		from := i
		for i < len(text) {
			r, n = utf8.DecodeRuneInString(text[i:])
			if !tokenChar(r) {
				break
			}
			i += n
		}
		t := tok{from: from, to: i}
		buf = eachToken(text[from:i], buf, func(b []byte) {
			if bit, ok := want[stem(string(b))]; ok {
				t.bits = 1 << bit
			}
		})
		toks = append(toks, t)
	}
	if maxTokens < 1 {
		maxTokens = 1
	}
	start, end := 0, len(toks)
	if len(toks) > maxTokens {
		// The best window by (distinct words, matches), earliest on ties.
		best, bestD, bestN := 0, -1, -1
		for s := 0; s+maxTokens <= len(toks); s++ {
			var seen uint64
			n := 0
			for _, t := range toks[s : s+maxTokens] {
				if t.bits != 0 {
					seen |= t.bits
					n++
				}
			}
			if d := bits.OnesCount64(seen); d > bestD || d == bestD && n > bestN {
				best, bestD, bestN = s, d, n
			}
		}
		// Centre the window's matches, so a match has words on both sides.
		first, last := -1, -1
		for i := best; i < best+maxTokens; i++ {
			if toks[i].bits != 0 {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if first >= 0 {
			best = first - (maxTokens-(last-first+1))/2
			best = max(0, min(best, len(toks)-maxTokens))
		}
		start, end = best, best+maxTokens
	}
	if len(toks) == 0 {
		return strings.TrimSpace(text)
	}
	var b strings.Builder
	lo := toks[start].from
	if start == 0 {
		lo = 0
	} else {
		b.WriteString("…")
	}
	hi := len(text)
	if end < len(toks) {
		hi = toks[end].from // up to the next token: a word's punctuation stays with it
	}
	at := lo
	for _, t := range toks[start:end] {
		if t.bits == 0 {
			continue
		}
		b.WriteString(text[at:t.from])
		b.WriteString("**")
		b.WriteString(text[t.from:t.to])
		b.WriteString("**")
		at = t.to
	}
	b.WriteString(text[at:hi])
	out := strings.TrimSpace(b.String())
	if end < len(toks) {
		out += "…"
	}
	return out
}
