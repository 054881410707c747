package sqlstore

import (
	"context"
	"database/sql"

	"github.com/meetingintel/meetingintel/postings"
)

// SearchFeed returns how the in-process search index (postings.Live) reads
// this database: search_docs with the text they index, search_log (the
// change log triggers write, migration 009) and its trim mark (migration
// 030). Both stores feed their index through it.
func (db *Store) SearchFeed() postings.Feed { return feed{db} }

type feed struct{ db *Store }

// docSQL reads search documents with their text and (segments) speaker.
const docSQL = `SELECT d.id, d.kind, coalesce(d.meeting_id, 0), coalesce(d.seq, 0), coalesce(s.speaker, ''),
	coalesce(d.body, s.text, '')
	FROM search_docs d
	LEFT JOIN segments s ON d.kind = 'segment' AND s.meeting_id = d.meeting_id AND s.seq = d.seq`

func (f feed) LogHead(ctx context.Context) (int64, error) {
	var n int64
	err := f.db.r().QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM search_log`).Scan(&n)
	return n, f.db.internal(err)
}

func (f feed) LogTrimmed(ctx context.Context) (int64, error) {
	var n int64
	err := f.db.r().QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM search_log_trimmed`).Scan(&n)
	return n, f.db.internal(err)
}

func (f feed) Count(ctx context.Context) (int, error) {
	var n int
	err := f.db.r().QueryRowContext(ctx, `SELECT count(*) FROM search_docs`).Scan(&n)
	return n, f.db.internal(err)
}

func (f feed) Changes(ctx context.Context, after int64, gaps []int64, limit int) ([]postings.Change, error) {
	// Two searches of the primary key, not one OR that a planner (SQLite's
	// for one) would answer by scanning the whole log: this runs before
	// every search.
	rows, err := f.db.r().QueryContext(ctx, `SELECT seq, doc_id FROM (
			SELECT seq, doc_id FROM search_log WHERE seq > ?
			UNION ALL SELECT seq, doc_id FROM search_log WHERE seq IN (`+f.db.D.IDList+`)
		) AS l ORDER BY seq LIMIT ?`, after, JSONInts(gaps), limit)
	if err != nil {
		return nil, f.db.internal(err)
	}
	defer rows.Close()
	var out []postings.Change
	for rows.Next() {
		var c postings.Change
		if err := rows.Scan(&c.Seq, &c.DocID); err != nil {
			return nil, f.db.internal(err)
		}
		out = append(out, c)
	}
	return out, f.db.internal(rows.Err())
}

func (f feed) Docs(ctx context.Context, ids []int64) ([]postings.Doc, error) {
	rows, err := f.db.r().QueryContext(ctx, docSQL+` WHERE d.id IN (`+f.db.D.IDList+`)`, JSONInts(ids))
	if err != nil {
		return nil, f.db.internal(err)
	}
	var out []postings.Doc
	err = f.scan(rows, func(d postings.Doc) error { out = append(out, d); return nil })
	return out, err
}

func (f feed) All(ctx context.Context, fn func(postings.Doc) error) error {
	rows, err := f.db.r().QueryContext(ctx, docSQL+` ORDER BY d.id`)
	if err != nil {
		return f.db.internal(err)
	}
	return f.scan(rows, fn)
}

func (f feed) scan(rows *sql.Rows, fn func(postings.Doc) error) error {
	defer rows.Close()
	for rows.Next() {
		var d postings.Doc
		if err := rows.Scan(&d.ID, &d.Kind, &d.Meeting, &d.Seq, &d.Speaker, &d.Text); err != nil {
			return f.db.internal(err)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return f.db.internal(rows.Err())
}
