package transcript

import (
	"bytes"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// decode checks the size and encoding of a file and returns its text as
// UTF-8 without a byte order mark, with "\n" line ends.
func decode(data []byte) (string, error) {
	if len(data) > MaxSize {
		return "", errorf(0, "the file is %.1f MB; the largest transcript accepted is %d MB", float64(len(data))/(1<<20), MaxSize>>20)
	}
	// Windows tools ("Unicode" in Notepad) save UTF-16 with a byte order
	// mark; its NUL bytes would otherwise look like binary data.
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		data = fromUTF16(data[2:], false)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		data = fromUTF16(data[2:], true)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if len(bytes.TrimSpace(data)) == 0 {
		return "", errorf(0, "the file is empty")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return "", errorf(lineAt(data, i), "the file holds binary data (a NUL byte), not a text transcript")
	}
	if !utf8.Valid(data) {
		var err error
		if data, err = fromLegacy(data); err != nil {
			return "", err
		}
	}
	s := string(data)
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return s, nil
}

// lineAt returns the 1-based line of byte offset i.
func lineAt(data []byte, i int) int {
	return bytes.Count(data[:min(i, len(data))], []byte("\n")) + 1
}

func fromUTF16(b []byte, bigEndian bool) []byte {
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return []byte(string(utf16.Decode(u)))
}

// cp1252 maps the bytes 0x80..0x9F of Windows-1252 that differ from Latin-1.
var cp1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ',
}

// fromLegacy converts text that is mostly UTF-8 with a few stray bytes
// (a Windows-1252 export with accented names) by reading each invalid byte as
// Windows-1252. More than a few invalid bytes means the file is not text.
func fromLegacy(data []byte) ([]byte, error) {
	invalid, first := 0, -1
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			if first < 0 {
				first = i
			}
			invalid++
		}
		i += n
	}
	// Accented letters are a few percent of a Western European text; random
	// binary data is about half invalid.
	if invalid > 16 && invalid*100 > len(data)*5 {
		return nil, errorf(lineAt(data, first), "the file is not UTF-8 text (%d invalid bytes); save it as UTF-8 and try again", invalid)
	}
	out := make([]byte, 0, len(data)+invalid*2)
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			b := data[i]
			r = rune(b)
			if b >= 0x80 && b < 0xA0 {
				r = cp1252[b-0x80]
			}
		}
		out = utf8.AppendRune(out, r)
		i += n
	}
	return out, nil
}
