package sqlite

import (
	"context"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/sqlstore"
)

// docIndex keeps search_docs (the rows the in-process index reads, through
// search_log's triggers) in step with meetings, transcripts, actions and
// decisions: the sqlstore.Indexer of this store.
type docIndex struct{}

// segmentBatch is how many segments go into one INSERT: multi-row statements
// cut the per-statement cost that dominates bulk import.
const segmentBatch = 200

// InsertSegments stores a transcript and indexes it: rows in batches, then
// one INSERT ... SELECT for their search documents.
func (docIndex) InsertSegments(ctx context.Context, tx *sqlstore.Tx, meetingID int64, segs []meetingintel.Segment) error {
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
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_docs (kind, meeting_id, seq)
		SELECT 'segment', meeting_id, seq FROM segments WHERE meeting_id = ? ORDER BY seq`, meetingID); err != nil {
		return internal(err)
	}
	return nil
}

// AddDoc indexes one non-segment text.
func (docIndex) AddDoc(ctx context.Context, tx *sqlstore.Tx, kind string, meetingID *int64, refID int64, body string) error {
	var ref *int64
	if refID != 0 {
		ref = &refID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO search_docs (kind, meeting_id, ref_id, body) VALUES (?, ?, ?, ?)`,
		kind, meetingID, ref, body)
	return internal(err)
}

// RemoveDocs drops the search documents selected by where (over
// search_docs).
func (docIndex) RemoveDocs(ctx context.Context, tx *sqlstore.Tx, where string, args ...any) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM search_docs WHERE `+where, args...)
	return internal(err)
}
