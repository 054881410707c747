-- Initial schema. Times are UTC unix milliseconds (INTEGER); due dates are
-- 'YYYY-MM-DD' text. Booleans are 0/1.

CREATE TABLE users (
	id         INTEGER PRIMARY KEY,
	email      TEXT    NOT NULL UNIQUE, -- lower case
	name       TEXT    NOT NULL DEFAULT '',
	admin      INTEGER NOT NULL DEFAULT 0,
	active     INTEGER NOT NULL DEFAULT 1,
	created_at INTEGER NOT NULL
);

-- Personal access tokens, stored only as the hex SHA-256 of the token.
CREATE TABLE tokens (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	label        TEXT    NOT NULL DEFAULT '',
	token_hash   TEXT    NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER,
	revoked_at   INTEGER
);
CREATE INDEX tokens_user_id ON tokens(user_id);

CREATE TABLE meetings (
	id                INTEGER PRIMARY KEY,
	title             TEXT    NOT NULL,
	date              INTEGER NOT NULL,
	duration_ms       INTEGER NOT NULL DEFAULT 0,
	source            TEXT    NOT NULL,
	source_meeting_id TEXT    NOT NULL DEFAULT '',
	summary           TEXT    NOT NULL DEFAULT '',
	visibility        TEXT    NOT NULL CHECK (visibility IN ('team', 'private')),
	segment_count     INTEGER NOT NULL DEFAULT 0,
	created_by        TEXT    NOT NULL,
	updated_by        TEXT    NOT NULL,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL
);
-- Newest first, keyset paged on (date, id).
CREATE INDEX meetings_date_id ON meetings(date DESC, id DESC);
-- Import upserts by the source's own id; manual meetings have none.
CREATE UNIQUE INDEX meetings_source_id ON meetings(source, source_meeting_id) WHERE source_meeting_id <> '';

-- Attendees in their given order. email is lower case ('' when unknown);
-- it is the identity for visibility.
CREATE TABLE meeting_attendees (
	meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
	pos        INTEGER NOT NULL,
	email      TEXT    NOT NULL DEFAULT '',
	name       TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (meeting_id, pos)
) WITHOUT ROWID;
CREATE INDEX meeting_attendees_email ON meeting_attendees(email, meeting_id);
CREATE INDEX meeting_attendees_name ON meeting_attendees(name COLLATE NOCASE, meeting_id);

CREATE TABLE meeting_tags (
	meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
	pos        INTEGER NOT NULL,
	tag        TEXT    NOT NULL, -- lower case
	PRIMARY KEY (meeting_id, pos)
) WITHOUT ROWID;
CREATE INDEX meeting_tags_tag ON meeting_tags(tag, meeting_id);

-- Transcript segments, clustered by meeting and order so a page is one range scan.
CREATE TABLE segments (
	meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
	seq        INTEGER NOT NULL,
	speaker    TEXT    NOT NULL DEFAULT '',
	start_ms   INTEGER NOT NULL,
	end_ms     INTEGER NOT NULL,
	text       TEXT    NOT NULL,
	PRIMARY KEY (meeting_id, seq)
) WITHOUT ROWID;

CREATE TABLE actions (
	id         INTEGER PRIMARY KEY,
	meeting_id INTEGER REFERENCES meetings(id) ON DELETE SET NULL,
	text       TEXT    NOT NULL,
	owner      TEXT    NOT NULL DEFAULT '',
	due_date   TEXT,
	status     TEXT    NOT NULL CHECK (status IN ('Open', 'Complete', 'Parked')),
	notes      TEXT    NOT NULL DEFAULT '',
	created_by TEXT    NOT NULL,
	updated_by TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX actions_due ON actions(due_date IS NULL, due_date, id);
CREATE INDEX actions_meeting_id ON actions(meeting_id);

CREATE TABLE decisions (
	id         INTEGER PRIMARY KEY,
	meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
	text       TEXT    NOT NULL,
	context    TEXT    NOT NULL DEFAULT '',
	created_by TEXT    NOT NULL,
	updated_by TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX decisions_meeting_id ON decisions(meeting_id);

-- One row per searchable text, keyed by the FTS rowid. The metadata a search
-- filters on sits here so the full-text index holds words only. kind is
-- title, summary, segment, action or decision; ref_id is the action or
-- decision id; seq locates a segment (its speaker and start are read from
-- segments for the few hits shown). body holds the text
-- for every kind but segment, whose text stays in segments (not stored twice).
-- meeting_id is NULL for an action without a meeting. Maintained by the store
-- in the same transaction as the rows it describes.
CREATE TABLE search_docs (
	id         INTEGER PRIMARY KEY,
	kind       TEXT    NOT NULL,
	meeting_id INTEGER,
	ref_id     INTEGER,
	seq        INTEGER,
	body       TEXT
);
CREATE INDEX search_docs_meeting ON search_docs(meeting_id, kind, seq);
CREATE INDEX search_docs_ref ON search_docs(kind, ref_id) WHERE ref_id IS NOT NULL;

-- The text each document indexes: its own body, or its segment's text.
CREATE VIEW search_content(id, body) AS
	SELECT d.id, coalesce(d.body, s.text)
	FROM search_docs d
	LEFT JOIN segments s ON d.kind = 'segment' AND s.meeting_id = d.meeting_id AND s.seq = d.seq;

-- External-content FTS5 index over search_content: words only, no copy of the text.
CREATE VIRTUAL TABLE search_fts USING fts5(
	body,
	content = 'search_content',
	content_rowid = 'id',
	tokenize = 'porter unicode61 remove_diacritics 2'
);
