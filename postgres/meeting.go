package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/keyset"
)

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
	return db.write(ctx, func(tx pgx.Tx) error {
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
	err = db.write(ctx, func(tx pgx.Tx) error {
		created = false
		var id int64
		if m.SourceMeetingID != "" {
			// Two replicas importing the same source meeting at once would
			// both find nothing and both insert; the lock makes the second
			// wait and then replace what the first stored.
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`,
				m.Source, m.SourceMeetingID); err != nil {
				return internal(err)
			}
			err := tx.QueryRow(ctx, `SELECT id FROM meetings WHERE source = $1 AND source_meeting_id = $2`,
				m.Source, m.SourceMeetingID).Scan(&id)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
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

func createMeeting(ctx context.Context, tx pgx.Tx, u *meetingintel.User, m *meetingintel.Meeting, segs []meetingintel.Segment, now time.Time) error {
	at := now.UnixMilli()
	m.CreatedBy, m.UpdatedBy = strings.ToLower(u.Email), strings.ToLower(u.Email)
	m.CreatedAt, m.UpdatedAt = fromMS(at), fromMS(at)
	m.SegmentCount = len(segs)
	err := tx.QueryRow(ctx, `INSERT INTO meetings (title, date, duration_ms, source, source_meeting_id, summary,
		visibility, segment_count, created_by, updated_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		m.Title, ms(m.Date), m.DurationMS, m.Source, m.SourceMeetingID, m.Summary,
		string(m.Visibility), m.SegmentCount, m.CreatedBy, m.UpdatedBy, at, at).Scan(&m.ID)
	if isUnique(err) {
		return meetingintel.Errorf(meetingintel.ECONFLICT, "A meeting from %s with id %q already exists.", m.Source, m.SourceMeetingID)
	} else if err != nil {
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
func replaceMeeting(ctx context.Context, tx pgx.Tx, m *meetingintel.Meeting, segs *[]meetingintel.Segment) error {
	if segs != nil {
		m.SegmentCount = len(*segs)
	}
	_, err := tx.Exec(ctx, `UPDATE meetings SET title = $1, date = $2, duration_ms = $3, source = $4,
		source_meeting_id = $5, summary = $6, visibility = $7, segment_count = $8, updated_by = $9, updated_at = $10
		WHERE id = $11`,
		m.Title, ms(m.Date), m.DurationMS, m.Source, m.SourceMeetingID, m.Summary, string(m.Visibility),
		m.SegmentCount, m.UpdatedBy, ms(m.UpdatedAt), m.ID)
	if isUnique(err) {
		return meetingintel.Errorf(meetingintel.ECONFLICT, "A meeting from %s with id %q already exists.", m.Source, m.SourceMeetingID)
	} else if err != nil {
		return internal(err)
	}
	for _, q := range []string{`DELETE FROM meeting_attendees WHERE meeting_id = $1`, `DELETE FROM meeting_tags WHERE meeting_id = $1`} {
		if _, err := tx.Exec(ctx, q, m.ID); err != nil {
			return internal(err)
		}
	}
	if err := insertChildren(ctx, tx, m); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM search_docs WHERE meeting_id = $1 AND kind IN ('title', 'summary')`, m.ID); err != nil {
		return internal(err)
	}
	if err := putMeetingDocs(ctx, tx, m); err != nil {
		return err
	}
	if segs == nil {
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM search_docs WHERE meeting_id = $1 AND kind = 'segment'`, m.ID); err != nil {
		return internal(err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM segments WHERE meeting_id = $1`, m.ID); err != nil {
		return internal(err)
	}
	return insertSegments(ctx, tx, m.ID, *segs)
}

// insertChildren stores attendees and tags, one statement each (unnest
// turns arrays into rows, keeping their order as pos).
func insertChildren(ctx context.Context, tx pgx.Tx, m *meetingintel.Meeting) error {
	if len(m.Attendees) > 0 {
		emails, names := make([]string, len(m.Attendees)), make([]string, len(m.Attendees))
		for i, a := range m.Attendees {
			emails[i], names[i] = a.Email, a.Name
		}
		if _, err := tx.Exec(ctx, `INSERT INTO meeting_attendees (meeting_id, pos, email, name)
			SELECT $1, a.ord - 1, a.email, a.name FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS a(email, name, ord)`,
			m.ID, emails, names); err != nil {
			return internal(err)
		}
	}
	if len(m.Tags) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO meeting_tags (meeting_id, pos, tag)
			SELECT $1, t.ord - 1, t.tag FROM unnest($2::text[]) WITH ORDINALITY AS t(tag, ord)`,
			m.ID, m.Tags); err != nil {
			return internal(err)
		}
	}
	return nil
}

// insertSegments stores a transcript and indexes it: one statement for the
// rows (arrays, whatever the length), one for their search documents.
func insertSegments(ctx context.Context, tx pgx.Tx, meetingID int64, segs []meetingintel.Segment) error {
	if len(segs) == 0 {
		return nil
	}
	speakers, texts := make([]string, len(segs)), make([]string, len(segs))
	starts, ends := make([]int64, len(segs)), make([]int64, len(segs))
	for i, s := range segs {
		speakers[i], texts[i], starts[i], ends[i] = strings.TrimSpace(s.Speaker), s.Text, s.StartMS, s.EndMS
	}
	if _, err := tx.Exec(ctx, `INSERT INTO segments (meeting_id, seq, speaker, start_ms, end_ms, text)
		SELECT $1, s.ord - 1, s.speaker, s.start_ms, s.end_ms, s.text
		FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::text[]) WITH ORDINALITY AS s(speaker, start_ms, end_ms, text, ord)`,
		meetingID, speakers, starts, ends, texts); err != nil {
		return internal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO search_docs (kind, meeting_id, seq, tsv)
		SELECT 'segment', meeting_id, seq, to_tsvector('english', text) FROM segments WHERE meeting_id = $1 ORDER BY seq`,
		meetingID); err != nil {
		return internal(err)
	}
	return nil
}

// putMeetingDocs indexes a meeting's title and summary.
func putMeetingDocs(ctx context.Context, tx pgx.Tx, m *meetingintel.Meeting) error {
	if err := addDoc(ctx, tx, meetingintel.KindTitle, &m.ID, 0, m.Title); err != nil {
		return err
	}
	if strings.TrimSpace(m.Summary) == "" {
		return nil
	}
	return addDoc(ctx, tx, meetingintel.KindSummary, &m.ID, 0, m.Summary)
}

// addDoc indexes one non-segment text.
func addDoc(ctx context.Context, tx pgx.Tx, kind string, meetingID *int64, refID int64, body string) error {
	var ref *int64
	if refID != 0 {
		ref = &refID
	}
	_, err := tx.Exec(ctx, `INSERT INTO search_docs (kind, meeting_id, ref_id, body, tsv)
		VALUES ($1, $2, $3, $4::text, to_tsvector('english', $4::text))`, kind, meetingID, ref, body)
	return internal(err)
}

// FindMeetingByID returns a meeting the actor may see.
func (db *DB) FindMeetingByID(ctx context.Context, id int64) (*meetingintel.Meeting, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return findMeeting(ctx, db.pool, u, id)
}

func findMeeting(ctx context.Context, q queryer, u *meetingintel.User, id int64) (*meetingintel.Meeting, error) {
	a := args{id}
	m, err := scanMeeting(q.QueryRow(ctx, `SELECT `+meetingCols+` FROM meetings m WHERE m.id = $1 AND `+canSee(&a, u), a...))
	if errors.Is(err, pgx.ErrNoRows) {
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
	a := args{id}
	err := q.QueryRow(ctx, `SELECT 1 FROM meetings m WHERE m.id = $1 AND `+canSee(&a, u), a...).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
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
	ids := make([]int64, len(ms))
	for i, m := range ms {
		byID[m.ID], ids[i] = m, m.ID
	}
	rows, err := q.Query(ctx, `SELECT meeting_id, email, name FROM meeting_attendees WHERE meeting_id = ANY($1) ORDER BY meeting_id, pos`, ids)
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
	rows.Close()
	if err := rows.Err(); err != nil {
		return internal(err)
	}
	rows, err = q.Query(ctx, `SELECT meeting_id, tag FROM meeting_tags WHERE meeting_id = ANY($1) ORDER BY meeting_id, pos`, ids)
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

// meetingFilterSQL returns the SQL conditions (over meetings m) for date,
// attendee and tag filters, their arguments appended to a; "" for none.
func meetingFilterSQL(a *args, from, to time.Time, attendee, tag string) string {
	var conds []string
	if !from.IsZero() {
		conds = append(conds, `m.date >= `+a.add(ms(from)))
	}
	if !to.IsZero() {
		conds = append(conds, `m.date < `+a.add(ms(to)))
	}
	if at := strings.TrimSpace(attendee); at != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM meeting_attendees fa WHERE fa.meeting_id = m.id
			AND (fa.email = `+a.add(strings.ToLower(at))+` OR lower(fa.name) = lower(`+a.add(at)+`)))`)
	}
	if t := strings.ToLower(strings.TrimSpace(tag)); t != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM meeting_tags ft WHERE ft.meeting_id = m.id AND ft.tag = `+a.add(t)+`)`)
	}
	return strings.Join(conds, " AND ")
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
	var a args
	where := []string{canSee(&a, u)}
	if c := meetingFilterSQL(&a, f.From, f.To, f.Attendee, f.Tag); c != "" {
		where = append(where, c)
	}
	if cur != nil {
		n := a.add(cur.N)
		where = append(where, `(m.date < `+n+` OR (m.date = `+n+` AND m.id < `+a.add(cur.ID)+`))`)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+meetingCols+` FROM meetings m WHERE `+strings.Join(where, " AND ")+
		` ORDER BY m.date DESC, m.id DESC LIMIT `+a.add(limit+1), a...)
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
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", internal(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = keyset.Encode(keyset.Cursor{T: "meetings", N: ms(last.Date), ID: last.ID})
	}
	if err := loadChildren(ctx, db.pool, out); err != nil {
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
	err = db.write(ctx, func(tx pgx.Tx) error {
		// FOR UPDATE: two replicas updating one meeting apply one after
		// the other, each on what the other stored.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM meetings WHERE id = $1 FOR UPDATE`, id); err != nil {
			return internal(err)
		}
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
	return db.write(ctx, func(tx pgx.Tx) error {
		if err := visible(ctx, tx, u, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM search_docs WHERE meeting_id = $1 AND kind <> 'action'`, id); err != nil {
			return internal(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE search_docs SET meeting_id = NULL WHERE meeting_id = $1 AND kind = 'action'`, id); err != nil {
			return internal(err)
		}
		// Foreign keys cascade to segments, attendees, tags and decisions,
		// and unlink actions (ON DELETE SET NULL).
		if _, err := tx.Exec(ctx, `DELETE FROM meetings WHERE id = $1`, id); err != nil {
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
	if err := visible(ctx, db.pool, u, meetingID); err != nil {
		return nil, "", err
	}
	a := args{meetingID}
	where := []string{`meeting_id = $1`}
	if cur != nil {
		where = append(where, `seq > `+a.add(cur.N))
	}
	if f.StartMS != nil {
		where = append(where, `end_ms > `+a.add(*f.StartMS))
	}
	if f.EndMS != nil {
		where = append(where, `start_ms < `+a.add(*f.EndMS))
	}
	if s := strings.TrimSpace(f.Speaker); s != "" {
		where = append(where, `lower(speaker) = lower(`+a.add(s)+`)`)
	}
	rows, err := db.pool.Query(ctx, `SELECT seq, speaker, start_ms, end_ms, text FROM segments
		WHERE `+strings.Join(where, " AND ")+` ORDER BY seq LIMIT `+a.add(limit+1), a...)
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
	if err := visible(ctx, db.pool, u, meetingID); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT speaker, sum(greatest(end_ms - start_ms, 0))::bigint, count(*)
		FROM segments WHERE meeting_id = $1 GROUP BY speaker ORDER BY min(seq)`, meetingID)
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
