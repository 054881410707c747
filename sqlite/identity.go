package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/meetingintel/meetingintel"
)

// FindUserByIdentity returns the user linked to a single sign-on identity.
func (db *DB) FindUserByIdentity(ctx context.Context, issuer, subject string) (*meetingintel.User, error) {
	u, err := scanUser(db.reader.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.admin, u.active, u.created_at
		FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.issuer = ? AND i.subject = ?`, issuer, subject))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, meetingintel.Errorf(meetingintel.ENOTFOUND, "No user is linked to this sign-in.")
	}
	return u, internal(err)
}

// LinkIdentity links a single sign-on identity to a user.
func (db *DB) LinkIdentity(ctx context.Context, userID int64, issuer, subject string) error {
	if strings.TrimSpace(issuer) == "" || strings.TrimSpace(subject) == "" {
		return meetingintel.Errorf(meetingintel.EINVALID, "An identity needs an issuer and a subject.")
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		var owner int64
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM user_identities WHERE issuer = ? AND subject = ?`, issuer, subject).Scan(&owner)
		switch {
		case err == nil && owner == userID:
			return nil
		case err == nil:
			return meetingintel.Errorf(meetingintel.ECONFLICT, "This sign-in is already linked to another user.")
		case !errors.Is(err, sql.ErrNoRows):
			return internal(err)
		}
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, userID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return notFound("User", userID)
		} else if err != nil {
			return internal(err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO user_identities (issuer, subject, user_id, created_at) VALUES (?, ?, ?, ?)`,
			issuer, subject, userID, ms(db.now()))
		return internal(err)
	})
}
