package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/meetingintel/meetingintel"
)

// FindUserByIdentity returns the user linked to a single sign-on identity.
func (db *Store) FindUserByIdentity(ctx context.Context, issuer, subject string) (*meetingintel.User, error) {
	u, err := scanUser(db.r().QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.admin, u.active, u.created_at
		FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.issuer = ? AND i.subject = ?`, issuer, subject))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, meetingintel.Errorf(meetingintel.ENOTFOUND, "No user is linked to this sign-in.")
	}
	return u, db.internal(err)
}

// LinkIdentity links a single sign-on identity to a user. Two replicas
// linking the same identity at once meet at the primary key: the loser
// re-reads and sees who won.
func (db *Store) LinkIdentity(ctx context.Context, userID int64, issuer, subject string) error {
	if strings.TrimSpace(issuer) == "" || strings.TrimSpace(subject) == "" {
		return meetingintel.Errorf(meetingintel.EINVALID, "An identity needs an issuer and a subject.")
	}
	return db.write(ctx, func(tx *Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, userID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return notFound("User", userID)
		} else if err != nil {
			return db.internal(err)
		}
		var owner int64
		err := tx.QueryRowContext(ctx, `INSERT INTO user_identities (issuer, subject, user_id, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (issuer, subject) DO UPDATE SET issuer = excluded.issuer RETURNING user_id`,
			issuer, subject, userID, MS(db.Now())).Scan(&owner)
		if err != nil {
			return db.internal(err)
		}
		if owner != userID {
			return meetingintel.Errorf(meetingintel.ECONFLICT, "This sign-in is already linked to another user.")
		}
		return nil
	})
}
