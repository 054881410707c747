package postgres

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

// InsertSegments stores a transcript and indexes it: one statement for the
// rows (arrays, whatever the length), one for their search documents.
func (docIndex) InsertSegments(ctx context.Context, tx *sqlstore.Tx, meetingID int64, segs []meetingintel.Segment) error {
	speakers, texts := make([]string, len(segs)), make([]string, len(segs))
	starts, ends := make([]int64, len(segs)), make([]int64, len(segs))
	for i, s := range segs {
		speakers[i], texts[i], starts[i], ends[i] = strings.TrimSpace(s.Speaker), s.Text, s.StartMS, s.EndMS
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO segments (meeting_id, seq, speaker, start_ms, end_ms, text)
		SELECT ?, s.ord - 1, s.speaker, s.start_ms, s.end_ms, s.text
		FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::text[]) WITH ORDINALITY AS s(speaker, start_ms, end_ms, text, ord)`,
		meetingID, speakers, starts, ends, texts); err != nil {
		return internal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_docs (kind, meeting_id, seq)
		SELECT 'segment', meeting_id, seq FROM segments WHERE meeting_id = ? ORDER BY seq`,
		meetingID); err != nil {
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
	_, err := tx.ExecContext(ctx, `INSERT INTO search_docs (kind, meeting_id, ref_id, body)
		VALUES (?, ?, ?, ?::text)`, kind, meetingID, ref, body)
	return internal(err)
}

// RemoveDocs drops the search documents selected by where (over
// search_docs).
func (docIndex) RemoveDocs(ctx context.Context, tx *sqlstore.Tx, where string, args ...any) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM search_docs WHERE `+where, args...)
	return internal(err)
}
