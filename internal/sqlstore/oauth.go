package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

var _ meetingintel.OAuthStore = (*Store)(nil)

func joinWords(ws []string) string { return strings.Join(ws, " ") }

func splitWords(s string) []string {
	out := strings.Fields(s)
	if out == nil {
		out = []string{}
	}
	return out
}

// CreateOAuthClient stores a new client.
func (db *Store) CreateOAuthClient(ctx context.Context, c *meetingintel.OAuthClient) error {
	if c == nil || c.ID == "" {
		return meetingintel.Errorf(meetingintel.EINVALID, "A client id is required.")
	}
	uris, err := json.Marshal(c.RedirectURIs)
	if err != nil {
		return db.internal(err)
	}
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oauth_clients
			(id, secret_hash, name, redirect_uris, grant_types, response_types, auth_method, created_at, last_used_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.SecretHash, c.Name, string(uris), joinWords(c.GrantTypes), joinWords(c.ResponseTypes),
			c.AuthMethod, MS(c.CreatedAt), nullMS(c.LastUsedAt))
		if db.isUnique(err) {
			return meetingintel.Errorf(meetingintel.ECONFLICT, "This client id already exists.")
		}
		return db.internal(err)
	})
}

// FindOAuthClient returns a client by id.
func (db *Store) FindOAuthClient(ctx context.Context, id string) (*meetingintel.OAuthClient, error) {
	var c meetingintel.OAuthClient
	var uris, grants, resp string
	var created int64
	var used *int64
	err := db.r().QueryRowContext(ctx, `SELECT id, secret_hash, name, redirect_uris, grant_types, response_types,
		auth_method, created_at, last_used_at FROM oauth_clients WHERE id = ?`, id).
		Scan(&c.ID, &c.SecretHash, &c.Name, &uris, &grants, &resp, &c.AuthMethod, &created, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, meetingintel.Errorf(meetingintel.ENOTFOUND, "Unknown client.")
	} else if err != nil {
		return nil, db.internal(err)
	}
	if err := json.Unmarshal([]byte(uris), &c.RedirectURIs); err != nil {
		return nil, db.internal(err)
	}
	c.GrantTypes, c.ResponseTypes = splitWords(grants), splitWords(resp)
	c.CreatedAt, c.LastUsedAt = FromMS(created), fromNullMS(used)
	return &c, nil
}

// CreateOAuthCode stores a new authorization code.
func (db *Store) CreateOAuthCode(ctx context.Context, c *meetingintel.OAuthCode) error {
	if c == nil || c.Hash == "" {
		return meetingintel.Errorf(meetingintel.EINVALID, "A code is required.")
	}
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oauth_codes
			(hash, client_id, user_id, redirect_uri, scope, resource, code_challenge, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.Hash, c.ClientID, c.UserID, c.RedirectURI, joinWords(c.Scopes), c.Resource, c.CodeChallenge,
			MS(c.CreatedAt), MS(c.ExpiresAt))
		if db.isUnique(err) {
			return meetingintel.Errorf(meetingintel.ECONFLICT, "This code already exists.")
		}
		return db.internal(err)
	})
}

// FindOAuthCode returns a code by hash.
func (db *Store) FindOAuthCode(ctx context.Context, hash string) (*meetingintel.OAuthCode, error) {
	var c meetingintel.OAuthCode
	var scope string
	var created, expires int64
	var used, grant *int64
	err := db.r().QueryRowContext(ctx, `SELECT hash, client_id, user_id, redirect_uri, scope, resource,
		code_challenge, created_at, expires_at, used_at, grant_id FROM oauth_codes WHERE hash = ?`, hash).
		Scan(&c.Hash, &c.ClientID, &c.UserID, &c.RedirectURI, &scope, &c.Resource, &c.CodeChallenge,
			&created, &expires, &used, &grant)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, meetingintel.Errorf(meetingintel.ENOTFOUND, "Unknown authorization code.")
	} else if err != nil {
		return nil, db.internal(err)
	}
	c.Scopes, c.CreatedAt, c.ExpiresAt, c.UsedAt = splitWords(scope), FromMS(created), FromMS(expires), fromNullMS(used)
	if grant != nil {
		c.GrantID = *grant
	}
	return &c, nil
}

// RedeemOAuthCode marks the code used and stores its grant and first
// refresh token, all or nothing. The conditional UPDATE is the arbiter
// between replicas: a second redemption waits for the first's row lock,
// then finds used_at set and matches nothing.
func (db *Store) RedeemOAuthCode(ctx context.Context, codeHash string, at time.Time, g *meetingintel.OAuthGrant, rt *meetingintel.OAuthRefreshToken) error {
	if g == nil {
		return meetingintel.Errorf(meetingintel.EINVALID, "A grant is required.")
	}
	return db.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oauth_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL`, MS(at), codeHash)
		if err != nil {
			return db.internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM oauth_codes WHERE hash = ?`, codeHash).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return meetingintel.Errorf(meetingintel.ENOTFOUND, "Unknown authorization code.")
			}
			return meetingintel.Errorf(meetingintel.ECONFLICT, "The authorization code was already used.")
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO oauth_grants (user_id, client_id, scope, resource, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, g.UserID, g.ClientID, joinWords(g.Scopes), g.Resource,
			MS(g.CreatedAt), MS(g.ExpiresAt)).Scan(&g.ID); err != nil {
			return db.internal(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE oauth_codes SET grant_id = ? WHERE hash = ?`, g.ID, codeHash); err != nil {
			return db.internal(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE oauth_clients SET last_used_at = ? WHERE id = ?`, MS(at), g.ClientID); err != nil {
			return db.internal(err)
		}
		if rt != nil {
			rt.GrantID, rt.ClientID, rt.UserID = g.ID, g.ClientID, g.UserID
			return db.insertRefresh(ctx, tx, rt)
		}
		return nil
	})
}

func (db *Store) insertRefresh(ctx context.Context, tx *Tx, rt *meetingintel.OAuthRefreshToken) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO oauth_refresh_tokens (hash, grant_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		rt.Hash, rt.GrantID, MS(rt.CreatedAt), MS(rt.ExpiresAt))
	if db.isUnique(err) {
		return meetingintel.Errorf(meetingintel.ECONFLICT, "This refresh token already exists.")
	}
	return db.internal(err)
}

const refreshCols = `r.hash, r.grant_id, g.client_id, g.user_id, r.created_at, r.expires_at, r.rotated_at, r.replaced_by, r.revoked_at`

func scanRefresh(sc interface{ Scan(...any) error }) (*meetingintel.OAuthRefreshToken, error) {
	var rt meetingintel.OAuthRefreshToken
	var created, expires int64
	var rotated, revoked *int64
	if err := sc.Scan(&rt.Hash, &rt.GrantID, &rt.ClientID, &rt.UserID, &created, &expires, &rotated, &rt.ReplacedBy, &revoked); err != nil {
		return nil, err
	}
	rt.CreatedAt, rt.ExpiresAt, rt.RotatedAt, rt.RevokedAt = FromMS(created), FromMS(expires), fromNullMS(rotated), fromNullMS(revoked)
	return &rt, nil
}

// FindOAuthRefreshToken returns a refresh token by hash.
func (db *Store) FindOAuthRefreshToken(ctx context.Context, hash string) (*meetingintel.OAuthRefreshToken, error) {
	rt, err := scanRefresh(db.r().QueryRowContext(ctx, `SELECT `+refreshCols+`
		FROM oauth_refresh_tokens r JOIN oauth_grants g ON g.id = r.grant_id WHERE r.hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, meetingintel.Errorf(meetingintel.ENOTFOUND, "Unknown refresh token.")
	}
	return rt, db.internal(err)
}

// RotateOAuthRefreshToken replaces a refresh token by next, atomically, or
// detects a reuse and revokes the grant (see meetingintel.RotateResult).
//
// Every change to a grant's refresh tokens happens with the grant's row
// locked (SELECT ... FOR UPDATE here where the dialect locks rows, the
// UPDATE of the grant in revokeGrant), so rotations of one grant run one at
// a time even across replicas; the token is read after the lock is held, so
// the second of two racing requests sees what the first did (READ
// COMMITTED takes a fresh snapshot per statement) and answers as a retry or
// a reuse.
func (db *Store) RotateOAuthRefreshToken(ctx context.Context, oldHash string, next *meetingintel.OAuthRefreshToken, at time.Time, grace time.Duration) (meetingintel.RotateResult, error) {
	if next == nil || next.Hash == "" {
		return 0, meetingintel.Errorf(meetingintel.EINVALID, "A new refresh token is required.")
	}
	var result meetingintel.RotateResult
	now := MS(at)
	err := db.write(ctx, func(tx *Tx) error {
		unknown := meetingintel.Errorf(meetingintel.ENOTFOUND, "Unknown refresh token.")
		var grantID int64
		if err := tx.QueryRowContext(ctx, `SELECT grant_id FROM oauth_refresh_tokens WHERE hash = ?`, oldHash).Scan(&grantID); errors.Is(err, sql.ErrNoRows) {
			return unknown
		} else if err != nil {
			return db.internal(err)
		}
		var grantRevoked *int64
		var grantExpires int64
		if err := tx.QueryRowContext(ctx, `SELECT g.revoked_at, g.expires_at FROM oauth_grants g WHERE g.id = ?`+db.forUpdate("g"), grantID).
			Scan(&grantRevoked, &grantExpires); errors.Is(err, sql.ErrNoRows) {
			return unknown // the grant was deleted meanwhile, its tokens with it
		} else if err != nil {
			return db.internal(err)
		}
		old, err := scanRefresh(tx.QueryRowContext(ctx, `SELECT `+refreshCols+`
			FROM oauth_refresh_tokens r JOIN oauth_grants g ON g.id = r.grant_id WHERE r.hash = ?`, oldHash))
		if errors.Is(err, sql.ErrNoRows) {
			return unknown
		} else if err != nil {
			return db.internal(err)
		}
		next.GrantID, next.ClientID, next.UserID = old.GrantID, old.ClientID, old.UserID
		switch {
		case grantRevoked != nil || grantExpires <= now || old.RevokedAt != nil || !at.Before(old.ExpiresAt):
			result = meetingintel.Refused
			return nil
		case old.RotatedAt == nil:
			result = meetingintel.Rotated
			// One live chain per grant: any other live token of the grant dies.
			if _, err := tx.ExecContext(ctx, `UPDATE oauth_refresh_tokens SET revoked_at = ?
				WHERE grant_id = ? AND hash <> ? AND rotated_at IS NULL AND revoked_at IS NULL`, now, old.GrantID, oldHash); err != nil {
				return db.internal(err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE oauth_refresh_tokens SET rotated_at = ?, replaced_by = ? WHERE hash = ?`,
				now, next.Hash, oldHash); err != nil {
				return db.internal(err)
			}
		default:
			// A reused token: a retry if it is recent and its successor has not
			// been used; anything else is a replay.
			var succRotated *int64
			err := tx.QueryRowContext(ctx, `SELECT rotated_at FROM oauth_refresh_tokens WHERE hash = ?`, old.ReplacedBy).Scan(&succRotated)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return db.internal(err)
			}
			if at.Sub(*old.RotatedAt) > grace || succRotated != nil {
				result = meetingintel.ReuseDetected
				return db.revokeGrant(ctx, tx, old.GrantID, now)
			}
			result = meetingintel.RotatedRetry
			if _, err := tx.ExecContext(ctx, `UPDATE oauth_refresh_tokens SET revoked_at = ?
				WHERE grant_id = ? AND rotated_at IS NULL AND revoked_at IS NULL`, now, old.GrantID); err != nil {
				return db.internal(err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE oauth_refresh_tokens SET replaced_by = ? WHERE hash = ?`, next.Hash, oldHash); err != nil {
				return db.internal(err)
			}
		}
		if err := db.insertRefresh(ctx, tx, next); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE oauth_grants SET expires_at = `+db.D.Greatest+`(expires_at, ?), last_used_at = ? WHERE id = ?`,
			MS(next.ExpiresAt), now, old.GrantID)
		return db.internal(err)
	})
	if err != nil {
		return 0, err
	}
	return result, nil
}

func (db *Store) revokeGrant(ctx context.Context, tx *Tx, id, now int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE oauth_grants SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, now, id)
	if err != nil {
		return db.internal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("Grant", id)
	}
	_, err = tx.ExecContext(ctx, `UPDATE oauth_refresh_tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL`, now, id)
	return db.internal(err)
}

const grantCols = `g.id, g.user_id, g.client_id, coalesce(c.name, ''), g.scope, g.resource, g.created_at, g.expires_at, g.last_used_at, g.revoked_at`

func scanGrant(sc interface{ Scan(...any) error }) (*meetingintel.OAuthGrant, error) {
	var g meetingintel.OAuthGrant
	var scope string
	var created, expires int64
	var used, revoked *int64
	if err := sc.Scan(&g.ID, &g.UserID, &g.ClientID, &g.ClientName, &scope, &g.Resource, &created, &expires, &used, &revoked); err != nil {
		return nil, err
	}
	g.Scopes, g.CreatedAt, g.ExpiresAt = splitWords(scope), FromMS(created), FromMS(expires)
	g.LastUsedAt, g.RevokedAt = fromNullMS(used), fromNullMS(revoked)
	return &g, nil
}

// FindOAuthGrant returns a grant with its client's name.
func (db *Store) FindOAuthGrant(ctx context.Context, id int64) (*meetingintel.OAuthGrant, error) {
	g, err := scanGrant(db.r().QueryRowContext(ctx, `SELECT `+grantCols+`
		FROM oauth_grants g LEFT JOIN oauth_clients c ON c.id = g.client_id WHERE g.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Grant", id)
	}
	return g, db.internal(err)
}

// FindOAuthGrants lists a user's grants, newest first.
func (db *Store) FindOAuthGrants(ctx context.Context, userID int64) ([]*meetingintel.OAuthGrant, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT `+grantCols+`
		FROM oauth_grants g LEFT JOIN oauth_clients c ON c.id = g.client_id WHERE g.user_id = ? ORDER BY g.id DESC`, userID)
	if err != nil {
		return nil, db.internal(err)
	}
	defer rows.Close()
	out := []*meetingintel.OAuthGrant{}
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, db.internal(err)
		}
		out = append(out, g)
	}
	return out, db.internal(rows.Err())
}

// RevokeOAuthGrant revokes a grant and its refresh tokens.
func (db *Store) RevokeOAuthGrant(ctx context.Context, id int64, at time.Time) error {
	return db.write(ctx, func(tx *Tx) error { return db.revokeGrant(ctx, tx, id, MS(at)) })
}

// TouchOAuthGrant records a grant's last use.
func (db *Store) TouchOAuthGrant(ctx context.Context, id int64, at time.Time) error {
	return db.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oauth_grants SET last_used_at = `+db.D.Greatest+`(coalesce(last_used_at, 0), ?) WHERE id = ?`, MS(at), id)
		if err != nil {
			return db.internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Grant", id)
		}
		return nil
	})
}

// DeleteExpiredOAuth removes dead OAuth records older than the retention and
// clients no authorization used within UnusedOAuthClientTTL.
func (db *Store) DeleteExpiredOAuth(ctx context.Context, now time.Time) (int64, error) {
	cutoff := MS(now.Add(-meetingintel.OAuthRecordRetention))
	unused := MS(now.Add(-meetingintel.UnusedOAuthClientTTL))
	var total int64
	err := db.write(ctx, func(tx *Tx) error {
		total = 0
		for _, d := range []struct {
			q   string
			arg int64
		}{
			{`DELETE FROM oauth_assertion_jtis WHERE expires_at < ?`, MS(now)},
			{`DELETE FROM oauth_codes WHERE expires_at < ?`, cutoff},
			{`DELETE FROM oauth_refresh_tokens WHERE expires_at < ? OR revoked_at < ?`, cutoff},
			{`DELETE FROM oauth_grants WHERE expires_at < ? OR revoked_at < ?`, cutoff},
			{`DELETE FROM oauth_clients WHERE created_at < ? AND last_used_at IS NULL
				AND NOT EXISTS (SELECT 1 FROM oauth_grants g WHERE g.client_id = oauth_clients.id)
				AND NOT EXISTS (SELECT 1 FROM oauth_codes c WHERE c.client_id = oauth_clients.id)`, unused},
		} {
			args := make([]any, strings.Count(d.q, "?"))
			for i := range args {
				args[i] = d.arg
			}
			res, err := tx.ExecContext(ctx, d.q, args...)
			if err != nil {
				return db.internal(err)
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
func (db *Store) UseOAuthAssertionJTI(ctx context.Context, clientID, jti string, expires time.Time) error {
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oauth_assertion_jtis (client_id, jti, expires_at) VALUES (?, ?, ?)`,
			clientID, jti, MS(expires))
		if db.isUnique(err) {
			return meetingintel.Errorf(meetingintel.ECONFLICT, "This client assertion was already used.")
		}
		return db.internal(err)
	})
}
