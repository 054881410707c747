package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/keyset"
)

const meetingCols = `m.id, m.title, m.date, m.duration_ms, m.source, m.source_meeting_id, m.summary,
	m.visibility, m.segment_count, m.created_by, m.updated_by, m.created_at, m.updated_at, m.workspace_id`

func scanMeeting(sc interface{ Scan(...any) error }) (*meetingintel.Meeting, error) {
	var m meetingintel.Meeting
	var date, created, updated int64
	var vis string
	if err := sc.Scan(&m.ID, &m.Title, &date, &m.DurationMS, &m.Source, &m.SourceMeetingID, &m.Summary,
		&vis, &m.SegmentCount, &m.CreatedBy, &m.UpdatedBy, &created, &updated, &m.WorkspaceID); err != nil {
		return nil, err
	}
	m.Date, m.CreatedAt, m.UpdatedAt = FromMS(date), FromMS(created), FromMS(updated)
	m.Visibility = meetingintel.Visibility(vis)
	m.Attendees, m.Tags = []meetingintel.Attendee{}, []string{}
	return &m, nil
}

// CreateMeeting stores m and its transcript in one transaction.
func (db *Store) CreateMeeting(ctx context.Context, m *meetingintel.Meeting, segs []meetingintel.Segment) error {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return err
	}
	if err := prepareMeeting(m, segs); err != nil {
		return err
	}
	now := db.Now()
	return db.write(ctx, func(tx *Tx) error {
		return db.createMeeting(ctx, tx, ac, m, segs, now)
	})
}

// ImportMeeting creates m, or replaces the fields and transcript of the
// meeting with the same source and source meeting id.
func (db *Store) ImportMeeting(ctx context.Context, m *meetingintel.Meeting, segs []meetingintel.Segment) (bool, error) {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return false, err
	}
	if err := prepareMeeting(m, segs); err != nil {
		return false, err
	}
	now := db.Now()
	created := false
	// A source's meeting id is unique within a workspace: the import
	// upserts in the one it goes into.
	ws, err := ac.homeWorkspace()
	if err != nil {
		return false, err
	}
	err = db.write(ctx, func(tx *Tx) error {
		created = false
		var id int64
		if m.SourceMeetingID != "" {
			// Two replicas importing the same source meeting at once would
			// both find nothing and both insert; the lock makes the second
			// wait and then replace what the first stored.
			if err := db.lock(ctx, tx, strconv.FormatInt(ws, 10)+":"+m.Source, m.SourceMeetingID); err != nil {
				return err
			}
			err := tx.QueryRowContext(ctx, `SELECT id FROM meetings WHERE workspace_id = ? AND source = ? AND source_meeting_id = ?`,
				ws, m.Source, m.SourceMeetingID).Scan(&id)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return db.internal(err)
			}
		}
		if id == 0 {
			created = true
			return db.createMeeting(ctx, tx, ac, m, segs, now)
		}
		old, err := db.findMeeting(ctx, tx, ac, id, false)
		if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
			return meetingintel.Errorf(meetingintel.ECONFLICT,
				"A meeting from %s with id %q already exists and you may not change it.", m.Source, m.SourceMeetingID)
		} else if err != nil {
			return err
		}
		if err := ac.editable(old.WorkspaceID, old.CreatedBy, "meeting"); err != nil {
			return err
		}
		m.ID, m.CreatedBy, m.CreatedAt, m.WorkspaceID = old.ID, old.CreatedBy, old.CreatedAt, old.WorkspaceID
		m.UpdatedBy, m.UpdatedAt = ac.u.Email, FromMS(MS(now))
		return db.replaceMeeting(ctx, tx, m, &segs)
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

func (db *Store) createMeeting(ctx context.Context, tx *Tx, ac *access, m *meetingintel.Meeting, segs []meetingintel.Segment, now time.Time) error {
	ws, err := ac.homeWorkspace()
	if err != nil {
		return err
	}
	at := now.UnixMilli()
	m.CreatedBy, m.UpdatedBy, m.WorkspaceID = ac.email, ac.email, ws
	m.CreatedAt, m.UpdatedAt = FromMS(at), FromMS(at)
	m.SegmentCount = len(segs)
	err = tx.QueryRowContext(ctx, `INSERT INTO meetings (title, date, duration_ms, source, source_meeting_id, summary,
		visibility, segment_count, created_by, updated_by, created_at, updated_at, workspace_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.Title, MS(m.Date), m.DurationMS, m.Source, m.SourceMeetingID, m.Summary,
		string(m.Visibility), m.SegmentCount, m.CreatedBy, m.UpdatedBy, at, at, ws).Scan(&m.ID)
	if db.isUnique(err) {
		return meetingintel.Errorf(meetingintel.ECONFLICT, "A meeting from %s with id %q already exists.", m.Source, m.SourceMeetingID)
	} else if err != nil {
		return db.internal(err)
	}
	if err := db.insertChildren(ctx, tx, m); err != nil {
		return err
	}
	if err := db.putMeetingDocs(ctx, tx, m); err != nil {
		return err
	}
	return db.insertSegments(ctx, tx, m.ID, segs)
}

// replaceMeeting overwrites the stored meeting m.ID with m (already
// normalised and validated), and its transcript when segs is non-nil.
func (db *Store) replaceMeeting(ctx context.Context, tx *Tx, m *meetingintel.Meeting, segs *[]meetingintel.Segment) error {
	if segs != nil {
		m.SegmentCount = len(*segs)
	}
	_, err := tx.ExecContext(ctx, `UPDATE meetings SET title = ?, date = ?, duration_ms = ?, source = ?,
		source_meeting_id = ?, summary = ?, visibility = ?, segment_count = ?, updated_by = ?, updated_at = ?
		WHERE id = ?`,
		m.Title, MS(m.Date), m.DurationMS, m.Source, m.SourceMeetingID, m.Summary, string(m.Visibility),
		m.SegmentCount, m.UpdatedBy, MS(m.UpdatedAt), m.ID)
	if db.isUnique(err) {
		return meetingintel.Errorf(meetingintel.ECONFLICT, "A meeting from %s with id %q already exists.", m.Source, m.SourceMeetingID)
	} else if err != nil {
		return db.internal(err)
	}
	for _, q := range []string{`DELETE FROM meeting_attendees WHERE meeting_id = ?`, `DELETE FROM meeting_tags WHERE meeting_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, m.ID); err != nil {
			return db.internal(err)
		}
	}
	if err := db.insertChildren(ctx, tx, m); err != nil {
		return err
	}
	if err := db.removeDocs(ctx, tx, `meeting_id = ? AND kind IN ('title', 'summary')`, m.ID); err != nil {
		return err
	}
	if err := db.putMeetingDocs(ctx, tx, m); err != nil {
		return err
	}
	if segs == nil {
		return nil
	}
	if err := db.removeDocs(ctx, tx, `meeting_id = ? AND kind = 'segment'`, m.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM segments WHERE meeting_id = ?`, m.ID); err != nil {
		return db.internal(err)
	}
	return db.insertSegments(ctx, tx, m.ID, *segs)
}

func (db *Store) insertChildren(ctx context.Context, tx *Tx, m *meetingintel.Meeting) error {
	if len(m.Attendees) > 0 {
		args := make([]any, 0, 4*len(m.Attendees))
		for i, a := range m.Attendees {
			args = append(args, m.ID, i, a.Email, a.Name)
		}
		q := `INSERT INTO meeting_attendees (meeting_id, pos, email, name) VALUES ` + RowMarks(len(m.Attendees), 4)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return db.internal(err)
		}
	}
	if len(m.Tags) > 0 {
		args := make([]any, 0, 3*len(m.Tags))
		for i, t := range m.Tags {
			args = append(args, m.ID, i, t)
		}
		q := `INSERT INTO meeting_tags (meeting_id, pos, tag) VALUES ` + RowMarks(len(m.Tags), 3)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return db.internal(err)
		}
	}
	return nil
}

// insertSegments stores a transcript, its rows the dialect's way, and its
// lines' search documents.
func (db *Store) insertSegments(ctx context.Context, tx *Tx, meetingID int64, segs []meetingintel.Segment) error {
	if len(segs) == 0 {
		return nil
	}
	if err := db.D.InsertSegments(ctx, tx, meetingID, segs); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO search_docs (kind, meeting_id, seq)
		SELECT 'segment', meeting_id, seq FROM segments WHERE meeting_id = ? ORDER BY seq`, meetingID)
	return db.internal(err)
}

// putMeetingDocs indexes a meeting's title and summary.
func (db *Store) putMeetingDocs(ctx context.Context, tx *Tx, m *meetingintel.Meeting) error {
	if err := db.addDoc(ctx, tx, meetingintel.KindTitle, &m.ID, 0, m.Title); err != nil {
		return err
	}
	if strings.TrimSpace(m.Summary) == "" {
		return nil
	}
	return db.addDoc(ctx, tx, meetingintel.KindSummary, &m.ID, 0, m.Summary)
}

// addDoc indexes one non-segment text: a search document, which
// search_log's triggers hand to the in-process index, as they do a line's.
func (db *Store) addDoc(ctx context.Context, tx *Tx, kind string, meetingID *int64, refID int64, body string) error {
	var ref *int64
	if refID != 0 {
		ref = &refID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO search_docs (kind, meeting_id, ref_id, body) VALUES (?, ?, ?, ?)`,
		kind, meetingID, ref, body)
	return db.internal(err)
}

// removeDocs drops the search documents selected by where (over
// search_docs).
func (db *Store) removeDocs(ctx context.Context, tx *Tx, where string, args ...any) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM search_docs WHERE `+where, args...)
	return db.internal(err)
}

// FindMeetingByID returns a meeting the actor may see.
func (db *Store) FindMeetingByID(ctx context.Context, id int64) (*meetingintel.Meeting, error) {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return nil, err
	}
	return db.findMeeting(ctx, db.r(), ac, id, false)
}

// findMeeting returns a visible meeting; forUpdate locks its row until the
// transaction ends.
// Reads by id reach every workspace the actor is a member of.
func (db *Store) findMeeting(ctx context.Context, q queryer, ac *access, id int64, forUpdate bool) (*meetingintel.Meeting, error) {
	args := append([]any{id}, VisArgs(ac.u)...)
	lock := ""
	if forUpdate {
		lock = db.forUpdate("m")
	}
	m, err := scanMeeting(q.QueryRowContext(ctx, `SELECT `+meetingCols+` FROM meetings m WHERE m.id = ? AND `+ac.canSee(true)+lock, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Meeting", id)
	} else if err != nil {
		return nil, db.internal(err)
	}
	if err := db.loadChildren(ctx, q, []*meetingintel.Meeting{m}); err != nil {
		return nil, err
	}
	return m, nil
}

// visible returns ENOTFOUND unless the actor may see meeting id (in any
// of their workspaces), and else its workspace and creator.
func (db *Store) visible(ctx context.Context, q queryer, ac *access, id int64) (ws int64, createdBy string, err error) {
	args := append([]any{id}, VisArgs(ac.u)...)
	err = q.QueryRowContext(ctx, `SELECT m.workspace_id, m.created_by FROM meetings m WHERE m.id = ? AND `+ac.canSee(true), args...).Scan(&ws, &createdBy)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", notFound("Meeting", id)
	}
	return ws, createdBy, db.internal(err)
}

// loadChildren fills attendees and tags of ms in two queries.
func (db *Store) loadChildren(ctx context.Context, q queryer, ms []*meetingintel.Meeting) error {
	if len(ms) == 0 {
		return nil
	}
	byID := make(map[int64]*meetingintel.Meeting, len(ms))
	ids := make([]any, len(ms))
	for i, m := range ms {
		byID[m.ID], ids[i] = m, m.ID
	}
	in := "(" + Placeholders(len(ids)) + ")"
	rows, err := q.QueryContext(ctx, `SELECT meeting_id, email, name FROM meeting_attendees WHERE meeting_id IN `+in+` ORDER BY meeting_id, pos`, ids...)
	if err != nil {
		return db.internal(err)
	}
	for rows.Next() {
		var id int64
		var a meetingintel.Attendee
		if err := rows.Scan(&id, &a.Email, &a.Name); err != nil {
			rows.Close()
			return db.internal(err)
		}
		byID[id].Attendees = append(byID[id].Attendees, a)
	}
	if err := rows.Close(); err != nil {
		return db.internal(err)
	}
	rows, err = q.QueryContext(ctx, `SELECT meeting_id, tag FROM meeting_tags WHERE meeting_id IN `+in+` ORDER BY meeting_id, pos`, ids...)
	if err != nil {
		return db.internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t string
		if err := rows.Scan(&id, &t); err != nil {
			return db.internal(err)
		}
		byID[id].Tags = append(byID[id].Tags, t)
	}
	return db.internal(rows.Err())
}

// FindMeetings lists visible meetings newest first.
func (db *Store) FindMeetings(ctx context.Context, f meetingintel.MeetingFilter) ([]*meetingintel.Meeting, string, error) {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return nil, "", err
	}
	cur, err := keyset.Decode(f.Cursor, "meetings")
	if err != nil {
		return nil, "", err
	}
	limit := ClampLimit(f.Limit, meetingintel.DefaultLimit, meetingintel.MaxLimit)
	where := []string{ac.canSee(false)}
	args := VisArgs(ac.u)
	if c, a := db.D.MeetingFilterSQL(f.From, f.To, f.Attendee, f.Tag); c != "" {
		where, args = append(where, c), append(args, a...)
	}
	if cur != nil {
		where = append(where, `(m.date < ? OR (m.date = ? AND m.id < ?))`)
		args = append(args, cur.N, cur.N, cur.ID)
	}
	args = append(args, limit+1)
	rows, err := db.r().QueryContext(ctx, `SELECT `+meetingCols+` FROM meetings m WHERE `+strings.Join(where, " AND ")+
		` ORDER BY m.date DESC, m.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, "", db.internal(err)
	}
	var out []*meetingintel.Meeting
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			rows.Close()
			return nil, "", db.internal(err)
		}
		out = append(out, m)
	}
	if err := rows.Close(); err != nil {
		return nil, "", db.internal(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = keyset.Encode(keyset.Cursor{T: "meetings", N: MS(last.Date), ID: last.ID})
	}
	if err := db.loadChildren(ctx, db.r(), out); err != nil {
		return nil, "", err
	}
	if out == nil {
		out = []*meetingintel.Meeting{}
	}
	return out, next, nil
}

// UpdateMeeting changes the given fields of a visible meeting, replacing
// its transcript when upd.Segments is set, in one transaction.
func (db *Store) UpdateMeeting(ctx context.Context, id int64, upd meetingintel.MeetingUpdate) (*meetingintel.Meeting, error) {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return nil, err
	}
	if upd.Segments != nil {
		if err := meetingintel.ValidateSegments(*upd.Segments); err != nil {
			return nil, err
		}
	}
	now := db.Now()
	var out *meetingintel.Meeting
	err = db.write(ctx, func(tx *Tx) error {
		// A row lock: two replicas updating one meeting apply one after
		// the other, each on what the other stored.
		m, err := db.findMeeting(ctx, tx, ac, id, true)
		if err != nil {
			return err
		}
		if err := ac.editable(m.WorkspaceID, m.CreatedBy, "meeting"); err != nil {
			return err
		}
		upd.Apply(m)
		m.Normalize()
		if err := m.Validate(); err != nil {
			return err
		}
		m.UpdatedBy, m.UpdatedAt = ac.email, FromMS(MS(now))
		if err := db.replaceMeeting(ctx, tx, m, upd.Segments); err != nil {
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
func (db *Store) DeleteMeeting(ctx context.Context, id int64) error {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *Tx) error {
		ws, createdBy, err := db.visible(ctx, tx, ac, id)
		if err != nil {
			return err
		}
		if err := ac.editable(ws, createdBy, "meeting"); err != nil {
			return err
		}
		if err := db.removeDocs(ctx, tx, `meeting_id = ? AND kind <> 'action'`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE search_docs SET meeting_id = NULL WHERE meeting_id = ? AND kind = 'action'`, id); err != nil {
			return db.internal(err)
		}
		// Foreign keys cascade to segments, attendees, tags and decisions,
		// and unlink actions (ON DELETE SET NULL).
		if _, err := tx.ExecContext(ctx, `DELETE FROM meetings WHERE id = ?`, id); err != nil {
			return db.internal(err)
		}
		return nil
	})
}

// FindSegments pages a visible meeting's transcript in order.
func (db *Store) FindSegments(ctx context.Context, meetingID int64, f meetingintel.SegmentFilter) ([]meetingintel.Segment, string, error) {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return nil, "", err
	}
	cur, err := keyset.Decode(f.Cursor, "segments")
	if err != nil {
		return nil, "", err
	}
	limit := ClampLimit(f.Limit, 100, 1000)
	if _, _, err := db.visible(ctx, db.r(), ac, meetingID); err != nil {
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
		where, args = append(where, fmt.Sprintf(db.D.FoldEq, "speaker")), append(args, s)
	}
	args = append(args, limit+1)
	rows, err := db.r().QueryContext(ctx, `SELECT seq, speaker, start_ms, end_ms, text FROM segments
		WHERE `+strings.Join(where, " AND ")+` ORDER BY seq LIMIT ?`, args...)
	if err != nil {
		return nil, "", db.internal(err)
	}
	defer rows.Close()
	out := []meetingintel.Segment{}
	for rows.Next() {
		var s meetingintel.Segment
		if err := rows.Scan(&s.Seq, &s.Speaker, &s.StartMS, &s.EndMS, &s.Text); err != nil {
			return nil, "", db.internal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, "", db.internal(err)
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
func (db *Store) TalkTime(ctx context.Context, meetingID int64) ([]meetingintel.SpeakerTime, error) {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return nil, err
	}
	if _, _, err := db.visible(ctx, db.r(), ac, meetingID); err != nil {
		return nil, err
	}
	rows, err := db.r().QueryContext(ctx, `SELECT speaker, CAST(sum(`+db.D.Greatest+`(end_ms - start_ms, 0)) AS BIGINT), count(*)
		FROM segments WHERE meeting_id = ? GROUP BY speaker ORDER BY min(seq)`, meetingID)
	if err != nil {
		return nil, db.internal(err)
	}
	defer rows.Close()
	out := []meetingintel.SpeakerTime{}
	for rows.Next() {
		var st meetingintel.SpeakerTime
		if err := rows.Scan(&st.Speaker, &st.MS, &st.Segments); err != nil {
			return nil, db.internal(err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, db.internal(err)
	}
	meetingintel.RankTalkTime(out)
	return out, nil
}
