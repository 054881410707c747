package transcript

import (
	"fmt"
	"strings"
)

// parseClock reads a clock time as transcripts write it: "hh:mm:ss.mmm",
// SRT's "hh:mm:ss,mmm", Teams' unpadded "0:0:1.5", and forms without hours
// ("01:02.500", "1:02") or without a fraction. It returns milliseconds.
func parseClock(s string) (int64, bool) {
	frac := int64(0)
	if i := strings.LastIndexAny(s, ".,"); i >= 0 {
		f := s[i+1:]
		if len(f) == 0 || len(f) > 9 || !isDigits(f) {
			return 0, false
		}
		f = (f + "00")[:3] // milliseconds; finer digits are dropped
		frac = atoi(f)
		s = s[:i]
	}
	parts := strings.Split(s, ":")
	var h, m, sec string
	switch len(parts) {
	case 3:
		h, m, sec = parts[0], parts[1], parts[2]
		if len(h) > 5 || len(m) > 2 {
			return 0, false
		}
	case 2:
		m, sec = parts[0], parts[1]
		if len(m) > 4 {
			return 0, false
		}
	default:
		return 0, false
	}
	if (h != "" || len(parts) == 3) && !isDigits(h) || !isDigits(m) || !isDigits(sec) || len(sec) > 2 {
		return 0, false
	}
	hv, mv, sv := atoi(h), atoi(m), atoi(sec)
	if sv > 59 || len(parts) == 3 && mv > 59 {
		return 0, false
	}
	return ((hv*60+mv)*60+sv)*1000 + frac, true
}

// atoi reads a short run of ASCII digits already checked by isDigits.
func atoi(s string) int64 {
	var n int64
	for i := 0; i < len(s); i++ {
		n = n*10 + int64(s[i]-'0')
	}
	return n
}

// clock formats milliseconds as hh:mm:ss.mmm for messages.
func clock(ms int64) string {
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
}

// wordsMS estimates how long speaking text takes at about 150 words a minute.
func wordsMS(text string) int64 {
	return int64(max(1, len(strings.Fields(text)))) * wordMS
}
