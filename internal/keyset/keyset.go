// Package keyset holds the opaque page cursors both stores hand out: a keyset
// position (the sort key of the last row of a page), so paging stays cheap
// and stable while rows are added.
package keyset

import (
	"encoding/base64"
	"encoding/json"

	"github.com/meetingintel/meetingintel"
)

// Cursor is a keyset position: the sort key of the last row of a page. It
// travels as unpadded base64url JSON; clients treat it as opaque. T names the
// list it belongs to, so a cursor of one list is refused by another.
type Cursor struct {
	T    string `json:"t"`
	N    int64  `json:"n,omitempty"` // numeric sort key (date ms, seq)
	S    string `json:"s,omitempty"` // text sort key (due date)
	Null bool   `json:"z,omitempty"` // the text key is NULL
	ID   int64  `json:"i,omitempty"`
}

// Encode returns c as an opaque string.
func Encode(c Cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode parses s for list t; "" is the first page (nil).
func Decode(s, t string) (*Cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := meetingintel.Errorf(meetingintel.EINVALID, "invalid cursor")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c Cursor
	if err := json.Unmarshal(b, &c); err != nil || c.T != t {
		return nil, bad
	}
	return &c, nil
}
