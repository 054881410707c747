package postgres

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/meetingintel/meetingintel"
)

// FindUserByIdentity returns the user linked to a single sign-on identity.
func (db *DB) FindUserByIdentity(ctx context.Context, issuer, subject string) (*meetingintel.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT u.id, u.email, u.name, u.admin, u.active, u.created_at
		FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.issuer = $1 AND i.subject = $2`, issuer, subject))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, meetingintel.Errorf(meetingintel.ENOTFOUND, "No user is linked to this sign-in.")
	}
	return u, internal(err)
}

// LinkIdentity links a single sign-on identity to a user. Two replicas
// linking the same identity at once meet at the primary key: the loser
// re-reads and sees who won.
func (db *DB) LinkIdentity(ctx context.Context, userID int64, issuer, subject string) error {
	if strings.TrimSpace(issuer) == "" || strings.TrimSpace(subject) == "" {
		return meetingintel.Errorf(meetingintel.EINVALID, "An identity needs an issuer and a subject.")
	}
	return db.write(ctx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1`, userID).Scan(&one); errors.Is(err, pgx.ErrNoRows) {
			return notFound("User", userID)
		} else if err != nil {
			return internal(err)
		}
		var owner int64
		err := tx.QueryRow(ctx, `INSERT INTO user_identities (issuer, subject, user_id, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (issuer, subject) DO UPDATE SET issuer = EXCLUDED.issuer RETURNING user_id`,
			issuer, subject, userID, ms(db.now())).Scan(&owner)
		if err != nil {
			return internal(err)
		}
		if owner != userID {
			return meetingintel.Errorf(meetingintel.ECONFLICT, "This sign-in is already linked to another user.")
		}
		return nil
	})
}
