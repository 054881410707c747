package sqlite

import (
	"context"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/sqlstore"
)

// segmentBatch is how many segments go into one INSERT: multi-row statements
// cut the per-statement cost that dominates bulk import.
const segmentBatch = 200

// insertSegments stores a transcript's rows in batches: the
// Dialect.InsertSegments of this store.
func insertSegments(ctx context.Context, tx *sqlstore.Tx, meetingID int64, segs []meetingintel.Segment) error {
	var full string
	args := make([]any, 0, 6*segmentBatch)
	for start := 0; start < len(segs); start += segmentBatch {
		batch := segs[start:min(start+segmentBatch, len(segs))]
		args = args[:0]
		for i, s := range batch {
			args = append(args, meetingID, start+i, strings.TrimSpace(s.Speaker), s.StartMS, s.EndMS, s.Text)
		}
		q := full
		if len(batch) != segmentBatch || q == "" {
			q = `INSERT INTO segments (meeting_id, seq, speaker, start_ms, end_ms, text) VALUES ` + sqlstore.RowMarks(len(batch), 6)
			if len(batch) == segmentBatch {
				full = q
			}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return internal(err)
		}
	}
	return nil
}
