package sqlite

import (
	"context"
	"database/sql"

	"github.com/meetingintel/meetingintel/postings"
)

// WarmSearch builds the in-process search index now rather than at the
// first search (serve calls it at start).
func (db *DB) WarmSearch(ctx context.Context) error {
	_, err := db.search.Index(ctx)
	return err
}

// SearchRebuilds returns how many times the in-process search index was
// built again because the change log had been trimmed past it.
func (db *DB) SearchRebuilds() int { return db.search.Rebuilds() }

// feed is how the in-process search index (postings.Live) reads the
// database: search_docs, the text they index, and search_log.
type feed struct{ db *DB }

var _ postings.Feed = feed{}

// docSQL reads search documents with their text and (segments) speaker.
const docSQL = `SELECT d.id, d.kind, coalesce(d.meeting_id, 0), coalesce(d.seq, 0), coalesce(s.speaker, ''),
	coalesce(d.body, s.text, '')
	FROM search_docs d
	LEFT JOIN segments s ON d.kind = 'segment' AND s.meeting_id = d.meeting_id AND s.seq = d.seq`

func (f feed) LogHead(ctx context.Context) (int64, error) {
	var n int64
	err := f.db.reader.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM search_log`).Scan(&n)
	return n, internal(err)
}

func (f feed) LogTrimmed(ctx context.Context) (int64, error) {
	var n int64
	err := f.db.reader.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM search_log_trimmed`).Scan(&n)
	return n, internal(err)
}

func (f feed) Count(ctx context.Context) (int, error) {
	var n int
	err := f.db.reader.QueryRowContext(ctx, `SELECT count(*) FROM search_docs`).Scan(&n)
	return n, internal(err)
}

func (f feed) Changes(ctx context.Context, after int64, gaps []int64, limit int) ([]postings.Change, error) {
	// Two searches of the primary key, not one OR that SQLite would answer
	// by scanning the whole log: this runs before every search.
	rows, err := f.db.reader.QueryContext(ctx, `SELECT seq, doc_id FROM (
			SELECT seq, doc_id FROM search_log WHERE seq > ?
			UNION ALL SELECT l.seq, l.doc_id FROM json_each(?) g CROSS JOIN search_log l ON l.seq = g.value
		) ORDER BY seq LIMIT ?`, after, jsonIDs(gaps), limit)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	var out []postings.Change
	for rows.Next() {
		var c postings.Change
		if err := rows.Scan(&c.Seq, &c.DocID); err != nil {
			return nil, internal(err)
		}
		out = append(out, c)
	}
	return out, internal(rows.Err())
}

func (f feed) Docs(ctx context.Context, ids []int64) ([]postings.Doc, error) {
	rows, err := f.db.reader.QueryContext(ctx, docSQL+` WHERE d.id IN (SELECT value FROM json_each(?))`, jsonIDs(ids))
	if err != nil {
		return nil, internal(err)
	}
	var out []postings.Doc
	err = scanDocs(rows, func(d postings.Doc) error { out = append(out, d); return nil })
	return out, err
}

func (f feed) All(ctx context.Context, fn func(postings.Doc) error) error {
	rows, err := f.db.reader.QueryContext(ctx, docSQL+` ORDER BY d.id`)
	if err != nil {
		return internal(err)
	}
	return scanDocs(rows, fn)
}

func scanDocs(rows *sql.Rows, fn func(postings.Doc) error) error {
	defer rows.Close()
	for rows.Next() {
		var d postings.Doc
		if err := rows.Scan(&d.ID, &d.Kind, &d.Meeting, &d.Seq, &d.Speaker, &d.Text); err != nil {
			return internal(err)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return internal(rows.Err())
}
