package keyset_test

import (
	"testing"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/keyset"
)

func TestCursorsRoundTripAndBelongToOneList(t *testing.T) {
	c := keyset.Cursor{T: "meetings", N: 1767225600000, ID: 42}
	s := keyset.Encode(c)
	got, err := keyset.Decode(s, "meetings")
	if err != nil || got == nil || *got != c {
		t.Fatalf("Decode(Encode(c)) = %+v, %v; want %+v", got, err, c)
	}
	if got, err := keyset.Decode("", "meetings"); got != nil || err != nil {
		t.Fatalf(`Decode("") = %+v, %v; want the first page`, got, err)
	}
	for _, bad := range []string{s + "!", "not base64 at all", keyset.Encode(keyset.Cursor{T: "actions", ID: 1}), "e30"} {
		if _, err := keyset.Decode(bad, "meetings"); meetingintel.ErrorCode(err) != meetingintel.EINVALID {
			t.Errorf("Decode(%q) = %v, want EINVALID", bad, err)
		}
	}
}
