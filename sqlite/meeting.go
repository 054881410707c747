package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/keyset"
)

// queryer is what *sql.DB and *sql.Tx share, so lookups run in either.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const meetingCols = `m.id, m.title, m.date, m.duration_ms, m.source, m.source_meeting_id, m.summary,
	m.visibility, m.segment_count, m.created_by, m.updated_by, m.created_at, m.updated_at`

func scanMeeting(sc interface{ Scan(...any) error }) (*meetingintel.Meeting, error) {
	var m meetingintel.Meeting
	var date, created, updated int64
	var vis string
	if err := sc.Scan(&m.ID, &m.Title, &date, &m.DurationMS, &m.Source, &m.SourceMeetingID, &m.Summary,
		&vis, &m.SegmentCount, &m.CreatedBy, &m.UpdatedBy, &created, &updated); err != nil {
		return nil, err
	}
	m.Date, m.CreatedAt, m.UpdatedAt = fromMS(date), fromMS(created), fromMS(updated)
	m.Visibility = meetingintel.Visibility(vis)
	m.Attendees, m.Tags = []meetingintel.Attendee{}, []string{}
	return &m, nil
}

// CreateMeeting stores m and its transcript in one transaction.
func (db *DB) CreateMeeting(ctx context.Context, m *meetingintel.Meeting, segs []meetingintel.Segment) error {
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := prepareMeeting(m, segs); err != nil {
		return err
	}
	now := db.now()
	return db.write(ctx, func(tx *sql.Tx) error {
		return createMeeting(ctx, tx, u, m, segs, now)
	})
}

// ImportMeeting creates m, or replaces the fields and transcript of the
// meeting with the same source and source meeting id.
func (db *DB) ImportMeeting(ctx context.Context, m *meetingintel.Meeting, segs []meetingintel.Segment) (bool, error) {
	u, err := actor(ctx)
	if err != nil {
		return false, err
	}
	if err := prepareMeeting(m, segs); err != nil {
		return false, err
	}
	now := db.now()
	created := false
	err = db.write(ctx, func(tx *sql.Tx) error {
		var id int64
		if m.SourceMeetingID != "" {
			err := tx.QueryRowContext(ctx, `SELECT id FROM meetings WHERE source = ? AND source_meeting_id = ?`,
				m.Source, m.SourceMeetingID).Scan(&id)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return internal(err)
			}
		}
		if id == 0 {
			created = true
			return createMeeting(ctx, tx, u, m, segs, now)
		}
		old, err := findMeeting(ctx, tx, u, id)
		if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
			return meetingintel.Errorf(meetingintel.ECONFLICT,
				"A meeting from %s with id %q already exists and you may not change it.", m.Source, m.SourceMeetingID)
		} else if err != nil {
			return err
		}
		m.ID, m.CreatedBy, m.CreatedAt = old.ID, old.CreatedBy, old.CreatedAt
		m.UpdatedBy, m.UpdatedAt = u.Email, fromMS(ms(now))
		return replaceMeeting(ctx, tx, m, &segs)
	})
	if err != nil {
		return false, err
	}
	return created, nil
}

// prepareMeeting normalises and validates a meeting and its transcript.
func prepareMeeting(m *meetingintel.Meeting, segs []meetingintel.Segment) error {
	if m == nil {
		return meetingintel.Errorf(meetingintel.EINVALID, "A meeting is required.")
	}
	m.Normalize()
	if err := m.Validate(); err != nil {
		return err
	}
	return meetingintel.ValidateSegments(segs)
}

func createMeeting(ctx context.Context, tx *sql.Tx, u *meetingintel.User, m *meetingintel.Meeting, segs []meetingintel.Segment, now time.Time) error {
	at := now.UnixMilli()
	m.CreatedBy, m.UpdatedBy = strings.ToLower(u.Email), strings.ToLower(u.Email)
	m.CreatedAt, m.UpdatedAt = fromMS(at), fromMS(at)
	m.SegmentCount = len(segs)
	res, err := tx.ExecContext(ctx, `INSERT INTO meetings (title, date, duration_ms, source, source_meeting_id, summary,
		visibility, segment_count, created_by, updated_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.Title, ms(m.Date), m.DurationMS, m.Source, m.SourceMeetingID, m.Summary,
		string(m.Visibility), m.SegmentCount, m.CreatedBy, m.UpdatedBy, at, at)
	if isUnique(err) {
		return meetingintel.Errorf(meetingintel.ECONFLICT, "A meeting from %s with id %q already exists.", m.Source, m.SourceMeetingID)
	} else if err != nil {
		return internal(err)
	}
	if m.ID, err = res.LastInsertId(); err != nil {
		return internal(err)
	}
	if err := insertChildren(ctx, tx, m); err != nil {
		return err
	}
	if err := putMeetingDocs(ctx, tx, m); err != nil {
		return err
	}
	return insertSegments(ctx, tx, m.ID, segs)
}

// replaceMeeting overwrites the stored meeting m.ID with m (already
// normalised and validated), and its transcript when segs is non-nil.
func replaceMeeting(ctx context.Context, tx *sql.Tx, m *meetingintel.Meeting, segs *[]meetingintel.Segment) error {
	if segs != nil {
		m.SegmentCount = len(*segs)
	}
	_, err := tx.ExecContext(ctx, `UPDATE meetings SET title = ?, date = ?, duration_ms = ?, source = ?,
		source_meeting_id = ?, summary = ?, visibility = ?, segment_count = ?, updated_by = ?, updated_at = ?
		WHERE id = ?`,
		m.Title, ms(m.Date), m.DurationMS, m.Source, m.SourceMeetingID, m.Summary, string(m.Visibility),
		m.SegmentCount, m.UpdatedBy, ms(m.UpdatedAt), m.ID)
	if isUnique(err) {
		return meetingintel.Errorf(meetingintel.ECONFLICT, "A meeting from %s with id %q already exists.", m.Source, m.SourceMeetingID)
	} else if err != nil {
		return internal(err)
	}
	for _, q := range []string{`DELETE FROM meeting_attendees WHERE meeting_id = ?`, `DELETE FROM meeting_tags WHERE meeting_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, m.ID); err != nil {
			return internal(err)
		}
	}
	if err := insertChildren(ctx, tx, m); err != nil {
		return err
	}
	if err := removeDocs(ctx, tx, `meeting_id = ? AND kind IN ('title', 'summary')`, m.ID); err != nil {
		return err
	}
	if err := putMeetingDocs(ctx, tx, m); err != nil {
		return err
	}
	if segs == nil {
		return nil
	}
	if err := removeDocs(ctx, tx, `meeting_id = ? AND kind = 'segment'`, m.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM segments WHERE meeting_id = ?`, m.ID); err != nil {
		return internal(err)
	}
	return insertSegments(ctx, tx, m.ID, *segs)
}

func insertChildren(ctx context.Context, tx *sql.Tx, m *meetingintel.Meeting) error {
	if len(m.Attendees) > 0 {
		args := make([]any, 0, 4*len(m.Attendees))
		for i, a := range m.Attendees {
			args = append(args, m.ID, i, a.Email, a.Name)
		}
		q := `INSERT INTO meeting_attendees (meeting_id, pos, email, name) VALUES ` + rowMarks(len(m.Attendees), 4)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return internal(err)
		}
	}
	if len(m.Tags) > 0 {
		args := make([]any, 0, 3*len(m.Tags))
		for i, t := range m.Tags {
			args = append(args, m.ID, i, t)
		}
		q := `INSERT INTO meeting_tags (meeting_id, pos, tag) VALUES ` + rowMarks(len(m.Tags), 3)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return internal(err)
		}
	}
	return nil
}

// segmentBatch is how many segments go into one INSERT: multi-row statements
// cut the per-statement cost that dominates bulk import.
const segmentBatch = 200

// insertSegments stores a transcript and indexes it: rows in batches, then
// one INSERT ... SELECT each for the search documents and the FTS index.
func insertSegments(ctx context.Context, tx *sql.Tx, meetingID int64, segs []meetingintel.Segment) error {
	if len(segs) == 0 {
		return nil
	}
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
			q = `INSERT INTO segments (meeting_id, seq, speaker, start_ms, end_ms, text) VALUES ` + rowMarks(len(batch), 6)
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
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, body)
		SELECT d.id, s.text FROM search_docs d JOIN segments s ON s.meeting_id = d.meeting_id AND s.seq = d.seq
		WHERE d.meeting_id = ? AND d.kind = 'segment'`, meetingID); err != nil {
		return internal(err)
	}
	return nil
}

// putMeetingDocs indexes a meeting's title and summary.
func putMeetingDocs(ctx context.Context, tx *sql.Tx, m *meetingintel.Meeting) error {
	if err := addDoc(ctx, tx, meetingintel.KindTitle, &m.ID, 0, m.Title); err != nil {
		return err
	}
	if strings.TrimSpace(m.Summary) == "" {
		return nil
	}
	return addDoc(ctx, tx, meetingintel.KindSummary, &m.ID, 0, m.Summary)
}

// addDoc indexes one non-segment text.
func addDoc(ctx context.Context, tx *sql.Tx, kind string, meetingID *int64, refID int64, body string) error {
	ref := sql.NullInt64{Int64: refID, Valid: refID != 0}
	res, err := tx.ExecContext(ctx, `INSERT INTO search_docs (kind, meeting_id, ref_id, body) VALUES (?, ?, ?, ?)`,
		kind, meetingID, ref, body)
	if err != nil {
		return internal(err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return internal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, body) VALUES (?, ?)`, id, body); err != nil {
		return internal(err)
	}
	return nil
}

// removeDocs drops the search documents selected by where (over
// search_docs). The FTS delete needs the indexed text, so it runs before the
// rows (and any segments) it reads are gone.
func removeDocs(ctx context.Context, tx *sql.Tx, where string, args ...any) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_fts (search_fts, rowid, body)
		SELECT 'delete', c.id, c.body FROM search_content c
		WHERE c.id IN (SELECT id FROM search_docs WHERE `+where+`)`, args...); err != nil {
		return internal(err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_docs WHERE `+where, args...); err != nil {
		return internal(err)
	}
	return nil
}

// rowMarks returns n "(?, ?, ...)" groups of width marks each.
func rowMarks(n, width int) string {
	row := "(" + placeholders(width) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// FindMeetingByID returns a meeting the actor may see.
func (db *DB) FindMeetingByID(ctx context.Context, id int64) (*meetingintel.Meeting, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return findMeeting(ctx, db.reader, u, id)
}

func findMeeting(ctx context.Context, q queryer, u *meetingintel.User, id int64) (*meetingintel.Meeting, error) {
	args := append([]any{id}, visArgs(u)...)
	m, err := scanMeeting(q.QueryRowContext(ctx, `SELECT `+meetingCols+` FROM meetings m WHERE m.id = ? AND `+canSee, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Meeting", id)
	} else if err != nil {
		return nil, internal(err)
	}
	if err := loadChildren(ctx, q, []*meetingintel.Meeting{m}); err != nil {
		return nil, err
	}
	return m, nil
}

// visible returns ENOTFOUND unless the actor may see meeting id.
func visible(ctx context.Context, q queryer, u *meetingintel.User, id int64) error {
	var one int
	args := append([]any{id}, visArgs(u)...)
	err := q.QueryRowContext(ctx, `SELECT 1 FROM meetings m WHERE m.id = ? AND `+canSee, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("Meeting", id)
	}
	return internal(err)
}

// loadChildren fills attendees and tags of ms in two queries.
func loadChildren(ctx context.Context, q queryer, ms []*meetingintel.Meeting) error {
	if len(ms) == 0 {
		return nil
	}
	byID := make(map[int64]*meetingintel.Meeting, len(ms))
	ids := make([]any, len(ms))
	for i, m := range ms {
		byID[m.ID], ids[i] = m, m.ID
	}
	in := "(" + placeholders(len(ids)) + ")"
	rows, err := q.QueryContext(ctx, `SELECT meeting_id, email, name FROM meeting_attendees WHERE meeting_id IN `+in+` ORDER BY meeting_id, pos`, ids...)
	if err != nil {
		return internal(err)
	}
	for rows.Next() {
		var id int64
		var a meetingintel.Attendee
		if err := rows.Scan(&id, &a.Email, &a.Name); err != nil {
			rows.Close()
			return internal(err)
		}
		byID[id].Attendees = append(byID[id].Attendees, a)
	}
	if err := rows.Close(); err != nil {
		return internal(err)
	}
	rows, err = q.QueryContext(ctx, `SELECT meeting_id, tag FROM meeting_tags WHERE meeting_id IN `+in+` ORDER BY meeting_id, pos`, ids...)
	if err != nil {
		return internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t string
		if err := rows.Scan(&id, &t); err != nil {
			return internal(err)
		}
		byID[id].Tags = append(byID[id].Tags, t)
	}
	return internal(rows.Err())
}

// meetingFilterSQL returns the SQL conditions (over meetings m) and
// arguments for date, attendee and tag filters.
func meetingFilterSQL(from, to time.Time, attendee, tag string) (string, []any) {
	var conds []string
	var args []any
	if !from.IsZero() {
		conds, args = append(conds, `m.date >= ?`), append(args, ms(from))
	}
	if !to.IsZero() {
		conds, args = append(conds, `m.date < ?`), append(args, ms(to))
	}
	if a := strings.TrimSpace(attendee); a != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM meeting_attendees fa WHERE fa.meeting_id = m.id
			AND (fa.email = ? OR fa.name = ? COLLATE NOCASE))`)
		args = append(args, strings.ToLower(a), a)
	}
	if t := strings.ToLower(strings.TrimSpace(tag)); t != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM meeting_tags ft WHERE ft.meeting_id = m.id AND ft.tag = ?)`)
		args = append(args, t)
	}
	return strings.Join(conds, " AND "), args
}

// FindMeetings lists visible meetings newest first.
func (db *DB) FindMeetings(ctx context.Context, f meetingintel.MeetingFilter) ([]*meetingintel.Meeting, string, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, "", err
	}
	cur, err := keyset.Decode(f.Cursor, "meetings")
	if err != nil {
		return nil, "", err
	}
	limit := clampLimit(f.Limit, meetingintel.DefaultLimit, meetingintel.MaxLimit)
	where := []string{canSee}
	args := visArgs(u)
	if c, a := meetingFilterSQL(f.From, f.To, f.Attendee, f.Tag); c != "" {
		where, args = append(where, c), append(args, a...)
	}
	if cur != nil {
		where = append(where, `(m.date < ? OR (m.date = ? AND m.id < ?))`)
		args = append(args, cur.N, cur.N, cur.ID)
	}
	args = append(args, limit+1)
	rows, err := db.reader.QueryContext(ctx, `SELECT `+meetingCols+` FROM meetings m WHERE `+strings.Join(where, " AND ")+
		` ORDER BY m.date DESC, m.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, "", internal(err)
	}
	var out []*meetingintel.Meeting
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			rows.Close()
			return nil, "", internal(err)
		}
		out = append(out, m)
	}
	if err := rows.Close(); err != nil {
		return nil, "", internal(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = keyset.Encode(keyset.Cursor{T: "meetings", N: ms(last.Date), ID: last.ID})
	}
	if err := loadChildren(ctx, db.reader, out); err != nil {
		return nil, "", err
	}
	if out == nil {
		out = []*meetingintel.Meeting{}
	}
	return out, next, nil
}

// UpdateMeeting changes the given fields of a visible meeting, replacing
// its transcript when upd.Segments is set, in one transaction.
func (db *DB) UpdateMeeting(ctx context.Context, id int64, upd meetingintel.MeetingUpdate) (*meetingintel.Meeting, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if upd.Segments != nil {
		if err := meetingintel.ValidateSegments(*upd.Segments); err != nil {
			return nil, err
		}
	}
	now := db.now()
	var out *meetingintel.Meeting
	err = db.write(ctx, func(tx *sql.Tx) error {
		m, err := findMeeting(ctx, tx, u, id)
		if err != nil {
			return err
		}
		upd.Apply(m)
		m.Normalize()
		if err := m.Validate(); err != nil {
			return err
		}
		m.UpdatedBy, m.UpdatedAt = strings.ToLower(u.Email), fromMS(ms(now))
		if err := replaceMeeting(ctx, tx, m, upd.Segments); err != nil {
			return err
		}
		out = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteMeeting removes a visible meeting, its transcript, decisions and
// search documents; its actions stay, unlinked.
func (db *DB) DeleteMeeting(ctx context.Context, id int64) error {
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := visible(ctx, tx, u, id); err != nil {
			return err
		}
		if err := removeDocs(ctx, tx, `meeting_id = ? AND kind <> 'action'`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE search_docs SET meeting_id = NULL WHERE meeting_id = ? AND kind = 'action'`, id); err != nil {
			return internal(err)
		}
		// Foreign keys cascade to segments, attendees, tags and decisions,
		// and unlink actions (ON DELETE SET NULL).
		if _, err := tx.ExecContext(ctx, `DELETE FROM meetings WHERE id = ?`, id); err != nil {
			return internal(err)
		}
		return nil
	})
}

// FindSegments pages a visible meeting's transcript in order.
func (db *DB) FindSegments(ctx context.Context, meetingID int64, f meetingintel.SegmentFilter) ([]meetingintel.Segment, string, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, "", err
	}
	cur, err := keyset.Decode(f.Cursor, "segments")
	if err != nil {
		return nil, "", err
	}
	limit := clampLimit(f.Limit, 100, 1000)
	if err := visible(ctx, db.reader, u, meetingID); err != nil {
		return nil, "", err
	}
	where := []string{`meeting_id = ?`}
	args := []any{meetingID}
	if cur != nil {
		where, args = append(where, `seq > ?`), append(args, cur.N)
	}
	if f.StartMS != nil {
		where, args = append(where, `end_ms > ?`), append(args, *f.StartMS)
	}
	if f.EndMS != nil {
		where, args = append(where, `start_ms < ?`), append(args, *f.EndMS)
	}
	if s := strings.TrimSpace(f.Speaker); s != "" {
		where, args = append(where, `speaker = ? COLLATE NOCASE`), append(args, s)
	}
	args = append(args, limit+1)
	rows, err := db.reader.QueryContext(ctx, `SELECT seq, speaker, start_ms, end_ms, text FROM segments
		WHERE `+strings.Join(where, " AND ")+` ORDER BY seq LIMIT ?`, args...)
	if err != nil {
		return nil, "", internal(err)
	}
	defer rows.Close()
	out := []meetingintel.Segment{}
	for rows.Next() {
		var s meetingintel.Segment
		if err := rows.Scan(&s.Seq, &s.Speaker, &s.StartMS, &s.EndMS, &s.Text); err != nil {
			return nil, "", internal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, "", internal(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = keyset.Encode(keyset.Cursor{T: "segments", N: int64(out[limit-1].Seq)})
	}
	return out, next, nil
}

// TalkTime sums talk time per speaker of a visible meeting, longest first
// (ties in order of first appearance, as meetingintel.TalkTime does).
func (db *DB) TalkTime(ctx context.Context, meetingID int64) ([]meetingintel.SpeakerTime, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := visible(ctx, db.reader, u, meetingID); err != nil {
		return nil, err
	}
	rows, err := db.reader.QueryContext(ctx, `SELECT speaker, sum(max(end_ms - start_ms, 0)), count(*)
		FROM segments WHERE meeting_id = ? GROUP BY speaker ORDER BY min(seq)`, meetingID)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	out := []meetingintel.SpeakerTime{}
	for rows.Next() {
		var st meetingintel.SpeakerTime
		if err := rows.Scan(&st.Speaker, &st.MS, &st.Segments); err != nil {
			return nil, internal(err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err)
	}
	meetingintel.RankTalkTime(out)
	return out, nil
}
