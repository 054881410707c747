package postgres

import (
	"context"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/sqlstore"
)

// insertSegments stores a transcript's rows in one statement (arrays,
// whatever the length): the Dialect.InsertSegments of this store.
func insertSegments(ctx context.Context, tx *sqlstore.Tx, meetingID int64, segs []meetingintel.Segment) error {
	speakers, texts := make([]string, len(segs)), make([]string, len(segs))
	starts, ends := make([]int64, len(segs)), make([]int64, len(segs))
	for i, s := range segs {
		speakers[i], texts[i], starts[i], ends[i] = strings.TrimSpace(s.Speaker), s.Text, s.StartMS, s.EndMS
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO segments (meeting_id, seq, speaker, start_ms, end_ms, text)
		SELECT ?, s.ord - 1, s.speaker, s.start_ms, s.end_ms, s.text
		FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::text[]) WITH ORDINALITY AS s(speaker, start_ms, end_ms, text, ord)`,
		meetingID, speakers, starts, ends, texts)
	return internal(err)
}
