package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var _ meetingintel.OAuthStore = (*DB)(nil)

// nullMS stores an optional time.
func nullMS(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: ms(*t), Valid: true}
}

func joinWords(ws []string) string { return strings.Join(ws, " ") }

func splitWords(s string) []string {
	out := strings.Fields(s)
	if out == nil {
		out = []string{}
	}
	return out
}

// CreateOAuthClient stores a new client.
func (db *DB) CreateOAuthClient(ctx context.Context, c *meetingintel.OAuthClient) error {
	if c == nil || c.ID == "" {
		return meetingintel.Errorf(meetingintel.EINVALID, "A client id is required.")
	}
	uris, err := json.Marshal(c.RedirectURIs)
	if err != nil {
		return internal(err)
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oauth_clients
			(id, secret_hash, name, redirect_uris, grant_types, response_types, auth_method, created_at, last_used_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.SecretHash, c.Name, string(uris), joinWords(c.GrantTypes), joinWords(c.ResponseTypes),
			c.AuthMethod, ms(c.CreatedAt), nullMS(c.LastUsedAt))
		if isUnique(err) || isPrimaryKey(err) {
			return meetingintel.Errorf(meetingintel.ECONFLICT, "This client id already exists.")
		}
		return internal(err)
	})
}

// isPrimaryKey reports whether err is a PRIMARY KEY violation (WITHOUT ROWID
// tables report those apart from UNIQUE ones).
func isPrimaryKey(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// FindOAuthClient returns a client by id.
func (db *DB) FindOAuthClient(ctx context.Context, id string) (*meetingintel.OAuthClient, error) {
	var c meetingintel.OAuthClient
	var uris, grants, resp string
	var created int64
	var used sql.NullInt64
	err := db.reader.QueryRowContext(ctx, `SELECT id, secret_hash, name, redirect_uris, grant_types, response_types,
		auth_method, created_at, last_used_at FROM oauth_clients WHERE id = ?`, id).
		Scan(&c.ID, &c.SecretHash, &c.Name, &uris, &grants, &resp, &c.AuthMethod, &created, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, meetingintel.Errorf(meetingintel.ENOTFOUND, "Unknown client.")
	} else if err != nil {
		return nil, internal(err)
	}
	if err := json.Unmarshal([]byte(uris), &c.RedirectURIs); err != nil {
		return nil, internal(err)
	}
	c.GrantTypes, c.ResponseTypes = splitWords(grants), splitWords(resp)
	c.CreatedAt, c.LastUsedAt = fromMS(created), fromNullMS(used)
	return &c, nil
}

// CreateOAuthCode stores a new authorization code.
func (db *DB) CreateOAuthCode(ctx context.Context, c *meetingintel.OAuthCode) error {
	if c == nil || c.Hash == "" {
		return meetingintel.Errorf(meetingintel.EINVALID, "A code is required.")
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oauth_codes
			(hash, client_id, user_id, redirect_uri, scope, resource, code_challenge, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.Hash, c.ClientID, c.UserID, c.RedirectURI, joinWords(c.Scopes), c.Resource, c.CodeChallenge,
			ms(c.CreatedAt), ms(c.ExpiresAt))
		if isUnique(err) || isPrimaryKey(err) {
			return meetingintel.Errorf(meetingintel.ECONFLICT, "This code already exists.")
		}
		return internal(err)
	})
}

// FindOAuthCode returns a code by hash.
func (db *DB) FindOAuthCode(ctx context.Context, hash string) (*meetingintel.OAuthCode, error) {
	var c meetingintel.OAuthCode
	var scope string
	var created, expires int64
	var used, grant sql.NullInt64
	err := db.reader.QueryRowContext(ctx, `SELECT hash, client_id, user_id, redirect_uri, scope, resource,
		code_challenge, created_at, expires_at, used_at, grant_id FROM oauth_codes WHERE hash = ?`, hash).
		Scan(&c.Hash, &c.ClientID, &c.UserID, &c.RedirectURI, &scope, &c.Resource, &c.CodeChallenge,
			&created, &expires, &used, &grant)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, meetingintel.Errorf(meetingintel.ENOTFOUND, "Unknown authorization code.")
	} else if err != nil {
		return nil, internal(err)
	}
	c.Scopes, c.CreatedAt, c.ExpiresAt, c.UsedAt = splitWords(scope), fromMS(created), fromMS(expires), fromNullMS(used)
	c.GrantID = grant.Int64
	return &c, nil
}

// RedeemOAuthCode marks the code used and stores its grant and first
// refresh token, all or nothing.
func (db *DB) RedeemOAuthCode(ctx context.Context, codeHash string, at time.Time, g *meetingintel.OAuthGrant, rt *meetingintel.OAuthRefreshToken) error {
	if g == nil {
		return meetingintel.Errorf(meetingintel.EINVALID, "A grant is required.")
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oauth_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL`, ms(at), codeHash)
		if err != nil {
			return internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM oauth_codes WHERE hash = ?`, codeHash).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return meetingintel.Errorf(meetingintel.ENOTFOUND, "Unknown authorization code.")
			}
			return meetingintel.Errorf(meetingintel.ECONFLICT, "The authorization code was already used.")
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO oauth_grants (user_id, client_id, scope, resource, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, g.UserID, g.ClientID, joinWords(g.Scopes), g.Resource, ms(g.CreatedAt), ms(g.ExpiresAt))
		if err != nil {
			return internal(err)
		}
		if g.ID, err = res.LastInsertId(); err != nil {
			return internal(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE oauth_codes SET grant_id = ? WHERE hash = ?`, g.ID, codeHash); err != nil {
			return internal(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE oauth_clients SET last_used_at = ? WHERE id = ?`, ms(at), g.ClientID); err != nil {
			return internal(err)
		}
		if rt != nil {
			rt.GrantID, rt.ClientID, rt.UserID = g.ID, g.ClientID, g.UserID
			return insertRefresh(ctx, tx, rt)
		}
		return nil
	})
}

func insertRefresh(ctx context.Context, tx *sql.Tx, rt *meetingintel.OAuthRefreshToken) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO oauth_refresh_tokens (hash, grant_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		rt.Hash, rt.GrantID, ms(rt.CreatedAt), ms(rt.ExpiresAt))
	if isUnique(err) || isPrimaryKey(err) {
		return meetingintel.Errorf(meetingintel.ECONFLICT, "This refresh token already exists.")
	}
	return internal(err)
}

const refreshCols = `r.hash, r.grant_id, g.client_id, g.user_id, r.created_at, r.expires_at, r.rotated_at, r.replaced_by, r.revoked_at`

func scanRefresh(sc interface{ Scan(...any) error }) (*meetingintel.OAuthRefreshToken, error) {
	var rt meetingintel.OAuthRefreshToken
	var created, expires int64
	var rotated, revoked sql.NullInt64
	if err := sc.Scan(&rt.Hash, &rt.GrantID, &rt.ClientID, &rt.UserID, &created, &expires, &rotated, &rt.ReplacedBy, &revoked); err != nil {
		return nil, err
	}
	rt.CreatedAt, rt.ExpiresAt, rt.RotatedAt, rt.RevokedAt = fromMS(created), fromMS(expires), fromNullMS(rotated), fromNullMS(revoked)
	return &rt, nil
}

// FindOAuthRefreshToken returns a refresh token by hash.
func (db *DB) FindOAuthRefreshToken(ctx context.Context, hash string) (*meetingintel.OAuthRefreshToken, error) {
	rt, err := scanRefresh(db.reader.QueryRowContext(ctx, `SELECT `+refreshCols+`
		FROM oauth_refresh_tokens r JOIN oauth_grants g ON g.id = r.grant_id WHERE r.hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, meetingintel.Errorf(meetingintel.ENOTFOUND, "Unknown refresh token.")
	}
	return rt, internal(err)
}

// RotateOAuthRefreshToken replaces a refresh token by next, atomically, or
// detects a reuse and revokes the grant (see meetingintel.RotateResult).
func (db *DB) RotateOAuthRefreshToken(ctx context.Context, oldHash string, next *meetingintel.OAuthRefreshToken, at time.Time, grace time.Duration) (meetingintel.RotateResult, error) {
	if next == nil || next.Hash == "" {
		return 0, meetingintel.Errorf(meetingintel.EINVALID, "A new refresh token is required.")
	}
	var result meetingintel.RotateResult
	now := ms(at)
	err := db.write(ctx, func(tx *sql.Tx) error {
		old, err := scanRefresh(tx.QueryRowContext(ctx, `SELECT `+refreshCols+`
			FROM oauth_refresh_tokens r JOIN oauth_grants g ON g.id = r.grant_id WHERE r.hash = ?`, oldHash))
		if errors.Is(err, sql.ErrNoRows) {
			return meetingintel.Errorf(meetingintel.ENOTFOUND, "Unknown refresh token.")
		} else if err != nil {
			return internal(err)
		}
		var grantRevoked sql.NullInt64
		var grantExpires int64
		if err := tx.QueryRowContext(ctx, `SELECT revoked_at, expires_at FROM oauth_grants WHERE id = ?`, old.GrantID).
			Scan(&grantRevoked, &grantExpires); err != nil {
			return internal(err)
		}
		next.GrantID, next.ClientID, next.UserID = old.GrantID, old.ClientID, old.UserID
		switch {
		case grantRevoked.Valid || grantExpires <= now || old.RevokedAt != nil || !at.Before(old.ExpiresAt):
			result = meetingintel.Refused
			return nil
		case old.RotatedAt == nil:
			result = meetingintel.Rotated
			// One live chain per grant: any other live token of the grant dies.
			if _, err := tx.ExecContext(ctx, `UPDATE oauth_refresh_tokens SET revoked_at = ?
				WHERE grant_id = ? AND hash <> ? AND rotated_at IS NULL AND revoked_at IS NULL`, now, old.GrantID, oldHash); err != nil {
				return internal(err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE oauth_refresh_tokens SET rotated_at = ?, replaced_by = ? WHERE hash = ?`,
				now, next.Hash, oldHash); err != nil {
				return internal(err)
			}
		default:
			// A reused token: a retry if it is recent and its successor has not
			// been used; anything else is a replay.
			var succRotated sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT rotated_at FROM oauth_refresh_tokens WHERE hash = ?`, old.ReplacedBy).Scan(&succRotated)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return internal(err)
			}
			if at.Sub(*old.RotatedAt) > grace || succRotated.Valid {
				result = meetingintel.ReuseDetected
				return revokeGrant(ctx, tx, old.GrantID, now)
			}
			result = meetingintel.RotatedRetry
			if _, err := tx.ExecContext(ctx, `UPDATE oauth_refresh_tokens SET revoked_at = ?
				WHERE grant_id = ? AND rotated_at IS NULL AND revoked_at IS NULL`, now, old.GrantID); err != nil {
				return internal(err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE oauth_refresh_tokens SET replaced_by = ? WHERE hash = ?`, next.Hash, oldHash); err != nil {
				return internal(err)
			}
		}
		if err := insertRefresh(ctx, tx, next); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE oauth_grants SET expires_at = max(expires_at, ?), last_used_at = ? WHERE id = ?`,
			ms(next.ExpiresAt), now, old.GrantID)
		return internal(err)
	})
	if err != nil {
		return 0, err
	}
	return result, nil
}

func revokeGrant(ctx context.Context, tx *sql.Tx, id, now int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE oauth_grants SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, now, id)
	if err != nil {
		return internal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("Grant", id)
	}
	_, err = tx.ExecContext(ctx, `UPDATE oauth_refresh_tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL`, now, id)
	return internal(err)
}

const grantCols = `g.id, g.user_id, g.client_id, coalesce(c.name, ''), g.scope, g.resource, g.created_at, g.expires_at, g.last_used_at, g.revoked_at`

func scanGrant(sc interface{ Scan(...any) error }) (*meetingintel.OAuthGrant, error) {
	var g meetingintel.OAuthGrant
	var scope string
	var created, expires int64
	var used, revoked sql.NullInt64
	if err := sc.Scan(&g.ID, &g.UserID, &g.ClientID, &g.ClientName, &scope, &g.Resource, &created, &expires, &used, &revoked); err != nil {
		return nil, err
	}
	g.Scopes, g.CreatedAt, g.ExpiresAt = splitWords(scope), fromMS(created), fromMS(expires)
	g.LastUsedAt, g.RevokedAt = fromNullMS(used), fromNullMS(revoked)
	return &g, nil
}

// FindOAuthGrant returns a grant with its client's name.
func (db *DB) FindOAuthGrant(ctx context.Context, id int64) (*meetingintel.OAuthGrant, error) {
	g, err := scanGrant(db.reader.QueryRowContext(ctx, `SELECT `+grantCols+`
		FROM oauth_grants g LEFT JOIN oauth_clients c ON c.id = g.client_id WHERE g.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Grant", id)
	}
	return g, internal(err)
}

// FindOAuthGrants lists a user's grants, newest first.
func (db *DB) FindOAuthGrants(ctx context.Context, userID int64) ([]*meetingintel.OAuthGrant, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT `+grantCols+`
		FROM oauth_grants g LEFT JOIN oauth_clients c ON c.id = g.client_id WHERE g.user_id = ? ORDER BY g.id DESC`, userID)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	out := []*meetingintel.OAuthGrant{}
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, internal(err)
		}
		out = append(out, g)
	}
	return out, internal(rows.Err())
}

// RevokeOAuthGrant revokes a grant and its refresh tokens.
func (db *DB) RevokeOAuthGrant(ctx context.Context, id int64, at time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error { return revokeGrant(ctx, tx, id, ms(at)) })
}

// TouchOAuthGrant records a grant's last use.
func (db *DB) TouchOAuthGrant(ctx context.Context, id int64, at time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oauth_grants SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?`, ms(at), id)
		if err != nil {
			return internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Grant", id)
		}
		return nil
	})
}

// DeleteExpiredOAuth removes dead OAuth records older than the retention and
// clients no authorization used within UnusedOAuthClientTTL.
func (db *DB) DeleteExpiredOAuth(ctx context.Context, now time.Time) (int64, error) {
	cutoff := ms(now.Add(-meetingintel.OAuthRecordRetention))
	unused := ms(now.Add(-meetingintel.UnusedOAuthClientTTL))
	var total int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		for _, d := range []struct {
			q   string
			arg int64
		}{
			{`DELETE FROM oauth_assertion_jtis WHERE expires_at < ?1`, ms(now)},
			{`DELETE FROM oauth_codes WHERE expires_at < ?1`, cutoff},
			{`DELETE FROM oauth_refresh_tokens WHERE expires_at < ?1 OR revoked_at < ?1`, cutoff},
			{`DELETE FROM oauth_grants WHERE expires_at < ?1 OR revoked_at < ?1`, cutoff},
			{`DELETE FROM oauth_clients WHERE created_at < ?1 AND last_used_at IS NULL
				AND NOT EXISTS (SELECT 1 FROM oauth_grants g WHERE g.client_id = oauth_clients.id)
				AND NOT EXISTS (SELECT 1 FROM oauth_codes c WHERE c.client_id = oauth_clients.id)`, unused},
		} {
			res, err := tx.ExecContext(ctx, d.q, d.arg)
			if err != nil {
				return internal(err)
			}
			n, _ := res.RowsAffected()
			total += n
		}
		return nil
	})
	return total, err
}

// UseOAuthAssertionJTI records a client assertion's jti; a replay is
// ECONFLICT.
func (db *DB) UseOAuthAssertionJTI(ctx context.Context, clientID, jti string, expires time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oauth_assertion_jtis (client_id, jti, expires_at) VALUES (?, ?, ?)`,
			clientID, jti, ms(expires))
		if isUnique(err) || isPrimaryKey(err) {
			return meetingintel.Errorf(meetingintel.ECONFLICT, "This client assertion was already used.")
		}
		return internal(err)
	})
}
