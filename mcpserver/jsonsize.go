package mcpserver

import (
	"strconv"
	"unicode/utf8"

	"github.com/meetingintel/meetingintel"
)

// The result budgets count encoded bytes. list_meetings sized each item by
// marshalling it, which with the final marshal encoded every page twice:
// the profile of an 8-client list_meetings load put that second encoding
// at a tenth of the tool's CPU (docs/benchmarks-mcp.md, "Where the time
// goes"). These functions compute the same number without encoding: the
// length encoding/json's Marshal gives, byte for byte (a test compares
// them on hostile text).

// jsonStringSize is len(json.Marshal(s)): quotes, escapes as encoding/json
// writes them (HTML-safe: <, > and & as \u003c...; other control bytes as
// \u00XX but \b \f \n \r \t; invalid UTF-8 as \ufffd; U+2028 and U+2029
// escaped).
func jsonStringSize(s string) int {
	n := 2
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			switch {
			case b == '"' || b == '\\' || b == '\b' || b == '\f' || b == '\n' || b == '\r' || b == '\t':
				n += 2
			case b < 0x20 || b == '<' || b == '>' || b == '&':
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += 6
		case r == '\u2028' || r == '\u2029':
			n += 6
		default:
			n += size
		}
		i += size
	}
	return n
}

func jsonIntSize(v int64) int {
	var buf [20]byte
	return len(strconv.AppendInt(buf[:0], v, 10))
}

// jsonStringsSize is the encoded size of a []string (null when nil).
func jsonStringsSize(ss []string) int {
	if ss == nil {
		return 4
	}
	n := 2 + max(len(ss)-1, 0) // [ ] and commas
	for _, s := range ss {
		n += jsonStringSize(s)
	}
	return n
}

// jsonAttendeesSize is the encoded size of a []meetingintel.Attendee.
func jsonAttendeesSize(as []meetingintel.Attendee) int {
	if as == nil {
		return 4
	}
	n := 2 + max(len(as)-1, 0)
	for _, a := range as {
		n += len(`{"name":}`) + jsonStringSize(a.Name)
		if a.Email != "" {
			n += len(`,"email":`) + jsonStringSize(a.Email)
		}
	}
	return n
}

// meetingItemSize is len(json.Marshal(m)).
func meetingItemSize(m MeetingItem) int {
	return len(`{"id":,"title":,"date":,"duration_ms":,"attendees":,"source":,"tags":,"visibility":,"segment_count":,"url":}`) +
		jsonIntSize(m.ID) + jsonStringSize(m.Title) + jsonStringSize(m.Date) + jsonIntSize(m.DurationMS) +
		jsonAttendeesSize(m.Attendees) + jsonStringSize(m.Source) + jsonStringsSize(m.Tags) +
		jsonStringSize(m.Visibility) + jsonIntSize(int64(m.SegmentCount)) + jsonStringSize(m.URL)
}
