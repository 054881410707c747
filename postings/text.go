package postings

import (
	"unicode"
	"unicode/utf8"

	porter "github.com/blevesearch/go-porterstemmer"
	"golang.org/x/text/unicode/norm"
)

// Tokens as SQLite's FTS5 tokenizer "porter unicode61 remove_diacritics 2"
// makes them, so both stores match the same words: runs of letters and
// digits, lower case, accents removed, then the Porter stemmer.

// tokenChar reports whether r belongs to a token (unicode61: letters,
// numbers and private-use characters).
func tokenChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r)
}

// eachToken calls fn with every token of text, in lower case and without
// accents (not stemmed), in order. The slice is reused between calls.
func eachToken(text string, buf []byte, fn func(tok []byte)) []byte {
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !tokenChar(r) {
			i += n
			continue
		}
		buf = buf[:0]
		ascii := true
		for i < len(text) {
			r, n = utf8.DecodeRuneInString(text[i:])
			if !tokenChar(r) {
				break
			}
			if r < utf8.RuneSelf {
				if 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
				buf = append(buf, byte(r))
			} else {
				ascii = false
				buf = utf8.AppendRune(buf, unicode.ToLower(r))
			}
			i += n
		}
		if !ascii {
			buf = fold(buf)
		}
		if len(buf) > 0 {
			fn(buf)
		}
	}
	return buf
}

// fold removes accents (combining marks after canonical decomposition):
// "café" is "cafe".
func fold(b []byte) []byte {
	d := norm.NFD.Bytes(b)
	out := b[:0]
	for len(d) > 0 {
		r, n := utf8.DecodeRune(d)
		if !unicode.Is(unicode.Mn, r) {
			out = utf8.AppendRune(out, r)
		}
		d = d[n:]
	}
	return out
}

// stem is the Porter stem of a token (as FTS5's porter tokenizer: ASCII
// tokens of at least three letters; others stay as they are).
func stem(tok string) string {
	if len(tok) < 3 || len(tok) > 64 {
		return tok
	}
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; c < 'a' || c > 'z' {
			return tok
		}
	}
	return porter.StemString(tok)
}

// Term is the index term of a query word: the stem of its one token, or
// "" when the word holds no token.
func Term(word string) string {
	var t string
	eachToken(word, nil, func(tok []byte) {
		if t == "" {
			t = stem(string(tok))
		}
	})
	return t
}
