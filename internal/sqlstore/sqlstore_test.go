package sqlstore

import "testing"

func TestNumberRewritesPlaceholdersOutsideQuotes(t *testing.T) {
	for _, tc := range []struct {
		q    string
		from int
		want string
	}{
		{`SELECT 1`, 1, `SELECT 1`},
		{`a = ? AND b = ?`, 1, `a = $1 AND b = $2`},
		{`a = ? AND b = ?`, 4, `a = $4 AND b = $5`},
		{`a = '?' AND b = ?`, 1, `a = '?' AND b = $1`},
		{`a = 'it''s ?' AND b = ?::text`, 1, `a = 'it''s ?' AND b = $1::text`},
	} {
		if got := Number(tc.q, tc.from); got != tc.want {
			t.Errorf("Number(%q, %d) = %q, want %q", tc.q, tc.from, got, tc.want)
		}
	}
}
