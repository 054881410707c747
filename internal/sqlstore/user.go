package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

// lastUsedEvery throttles the last_used_at write of a token, so that
// authenticating stays a read on busy clients.
const lastUsedEvery = time.Minute

const userCols = `id, email, name, admin, active, created_at`

func scanUser(sc interface{ Scan(...any) error }) (*meetingintel.User, error) {
	var u meetingintel.User
	var created int64
	if err := sc.Scan(&u.ID, &u.Email, &u.Name, &u.Admin, &u.Active, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = FromMS(created)
	return &u, nil
}

// CreateUser stores u; an existing email is ECONFLICT. A new user is always
// active (Active's zero value cannot mean "inactive" here, or every caller
// that forgot the field would lock the user out); SetUserActive deactivates.
// The user joins the instance's default workspace: an org admin as its
// chair, anyone else as a member (defaultJoinRole).
func (db *Store) CreateUser(ctx context.Context, u *meetingintel.User) error {
	if u == nil {
		return meetingintel.Errorf(meetingintel.EINVALID, "A user is required.")
	}
	if err := u.Validate(); err != nil {
		return err
	}
	u.Active = true
	now := MS(db.Now())
	return db.write(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, admin, active, created_at) VALUES (?, ?, ?, true, ?) RETURNING id`,
			u.Email, u.Name, u.Admin, now).Scan(&u.ID)
		if db.isUnique(err) {
			return meetingintel.Errorf(meetingintel.ECONFLICT, "A user with email %s already exists.", u.Email)
		} else if err != nil {
			return db.internal(err)
		}
		u.CreatedAt = FromMS(now)
		return db.joinDefault(ctx, tx, u.ID, u.Admin, now)
	})
}

// FindUserByID returns a user.
func (db *Store) FindUserByID(ctx context.Context, id int64) (*meetingintel.User, error) {
	u, err := scanUser(db.r().QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("User", id)
	}
	return u, db.internal(err)
}

// FindUserByEmail returns the user with an email, in any letter case.
func (db *Store) FindUserByEmail(ctx context.Context, email string) (*meetingintel.User, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	u, err := scanUser(db.r().QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = ?`, e))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, meetingintel.Errorf(meetingintel.ENOTFOUND, "No user with email %s.", e)
	}
	return u, db.internal(err)
}

// FindUsers lists all users by email.
func (db *Store) FindUsers(ctx context.Context) ([]*meetingintel.User, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY email`)
	if err != nil {
		return nil, db.internal(err)
	}
	defer rows.Close()
	out := []*meetingintel.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, db.internal(err)
		}
		out = append(out, u)
	}
	return out, db.internal(rows.Err())
}

// SetUserActive activates or deactivates a user; a deactivated user's
// tokens stop working at once.
func (db *Store) SetUserActive(ctx context.Context, id int64, active bool) error {
	return db.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET active = ? WHERE id = ?`, active, id)
		if err != nil {
			return db.internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("User", id)
		}
		return nil
	})
}

// SetUserAdmin grants or withdraws administration.
func (db *Store) SetUserAdmin(ctx context.Context, id int64, admin bool) error {
	return db.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET admin = ? WHERE id = ?`, admin, id)
		if err != nil {
			return db.internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("User", id)
		}
		return nil
	})
}

// CountUsers returns how many users exist (active or not).
func (db *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.r().QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, db.internal(err)
}

const tokenCols = `id, user_id, label, created_at, last_used_at, revoked_at, expires_at`

func scanToken(sc interface{ Scan(...any) error }) (*meetingintel.Token, error) {
	var t meetingintel.Token
	var created int64
	var used, revoked, expires *int64
	if err := sc.Scan(&t.ID, &t.UserID, &t.Label, &created, &used, &revoked, &expires); err != nil {
		return nil, err
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt, t.ExpiresAt = FromMS(created), fromNullMS(used), fromNullMS(revoked), fromNullMS(expires)
	return &t, nil
}

// CreateToken makes a new personal access token for a user that never
// expires. The token is returned once; only its SHA-256 hash is stored.
func (db *Store) CreateToken(ctx context.Context, userID int64, label string) (string, *meetingintel.Token, error) {
	return db.CreateTokenUntil(ctx, userID, label, time.Time{})
}

// CreateTokenUntil makes a new personal access token that stops working
// at expiresAt (zero: never).
func (db *Store) CreateTokenUntil(ctx context.Context, userID int64, label string, expiresAt time.Time) (string, *meetingintel.Token, error) {
	label, err := meetingintel.NormalizeTokenLabel(label)
	if err != nil {
		return "", nil, err
	}
	now := db.Now()
	if !expiresAt.IsZero() && !expiresAt.After(now) {
		return "", nil, meetingintel.Errorf(meetingintel.EINVALID, "A token's expiry must be in the future.")
	}
	token := meetingintel.NewPAT()
	var t *meetingintel.Token
	err = db.write(ctx, func(tx *Tx) error {
		var err error
		if t, err = db.insertToken(ctx, tx, userID, meetingintel.HashToken(token), label, MS(now)); err != nil {
			return err
		}
		if expiresAt.IsZero() {
			return nil
		}
		exp := FromMS(MS(expiresAt))
		t.ExpiresAt = &exp
		_, err = tx.ExecContext(ctx, `UPDATE tokens SET expires_at = ? WHERE id = ?`, MS(exp), t.ID)
		return db.internal(err)
	})
	if err != nil {
		return "", nil, err
	}
	return token, t, nil
}

// ImportToken stores an existing token by hash; a no-op when the user
// already has it, ECONFLICT when another user does.
func (db *Store) ImportToken(ctx context.Context, userID int64, token, label string) (*meetingintel.Token, error) {
	if strings.TrimSpace(token) == "" {
		return nil, meetingintel.Errorf(meetingintel.EINVALID, "Token is required.")
	}
	label, err := meetingintel.NormalizeTokenLabel(label)
	if err != nil {
		return nil, err
	}
	hash := meetingintel.HashToken(token)
	var out *meetingintel.Token
	err = db.write(ctx, func(tx *Tx) error {
		// Replicas starting together import the same legacy tokens: the
		// lock makes the second find the first's row instead of clashing.
		if err := db.lock(ctx, tx, "meetingintel.token", hash); err != nil {
			return err
		}
		t, err := scanToken(tx.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM tokens WHERE token_hash = ?`, hash))
		switch {
		case err == nil && t.UserID == userID:
			out = t
			return nil
		case err == nil:
			return meetingintel.Errorf(meetingintel.ECONFLICT, "This token already belongs to another user.")
		case !errors.Is(err, sql.ErrNoRows):
			return db.internal(err)
		}
		out, err = db.insertToken(ctx, tx, userID, hash, label, MS(db.Now()))
		return err
	})
	return out, err
}

func (db *Store) insertToken(ctx context.Context, tx *Tx, userID int64, hash, label string, now int64) (*meetingintel.Token, error) {
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, userID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("User", userID)
	} else if err != nil {
		return nil, db.internal(err)
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO tokens (user_id, label, token_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		userID, label, hash, now).Scan(&id)
	if db.isUnique(err) {
		return nil, meetingintel.Errorf(meetingintel.ECONFLICT, "This token already exists.")
	} else if err != nil {
		return nil, db.internal(err)
	}
	return &meetingintel.Token{ID: id, UserID: userID, Label: label, CreatedAt: FromMS(now)}, nil
}

// AuthenticateToken returns the active user of a live token and records
// its use (at most once a minute per token).
func (db *Store) AuthenticateToken(ctx context.Context, token string) (*meetingintel.User, *meetingintel.Token, error) {
	bad := meetingintel.Errorf(meetingintel.EUNAUTHORIZED, "The token is invalid, revoked or belongs to an inactive user.")
	if token == "" {
		return nil, nil, bad
	}
	row := db.r().QueryRowContext(ctx, `SELECT t.id, t.user_id, t.label, t.created_at, t.last_used_at, t.revoked_at, t.expires_at,
		u.id, u.email, u.name, u.admin, u.active, u.created_at
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`, meetingintel.HashToken(token))
	var t meetingintel.Token
	var u meetingintel.User
	var tCreated, uCreated int64
	var used, revoked, expires *int64
	err := row.Scan(&t.ID, &t.UserID, &t.Label, &tCreated, &used, &revoked, &expires,
		&u.ID, &u.Email, &u.Name, &u.Admin, &u.Active, &uCreated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, bad
	} else if err != nil {
		return nil, nil, db.internal(err)
	}
	t.CreatedAt, t.LastUsedAt, t.ExpiresAt, u.CreatedAt = FromMS(tCreated), fromNullMS(used), fromNullMS(expires), FromMS(uCreated)
	now := db.Now()
	if revoked != nil || !u.Active || t.Expired(now) {
		return nil, nil, bad
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= lastUsedEvery {
		at := MS(now)
		err := db.write(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, at, t.ID)
			return db.internal(err)
		})
		if err != nil {
			return nil, nil, err
		}
		used := FromMS(at)
		t.LastUsedAt = &used
	}
	return &u, &t, nil
}

// FindTokens lists a user's tokens, newest first.
func (db *Store) FindTokens(ctx context.Context, userID int64) ([]*meetingintel.Token, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT `+tokenCols+` FROM tokens WHERE user_id = ? ORDER BY id DESC`, userID)
	if err != nil {
		return nil, db.internal(err)
	}
	defer rows.Close()
	out := []*meetingintel.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, db.internal(err)
		}
		out = append(out, t)
	}
	return out, db.internal(rows.Err())
}

// FindTokenByID returns a token's record.
func (db *Store) FindTokenByID(ctx context.Context, id int64) (*meetingintel.Token, error) {
	t, err := scanToken(db.r().QueryRowContext(ctx, `SELECT `+tokenCols+` FROM tokens WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Token", id)
	}
	return t, db.internal(err)
}

// RevokeToken revokes a token; revoking it again keeps the first time.
func (db *Store) RevokeToken(ctx context.Context, id int64) error {
	now := MS(db.Now())
	return db.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, now, id)
		if err != nil {
			return db.internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Token", id)
		}
		return nil
	})
}
