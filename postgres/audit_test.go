package postgres_test

import (
	"testing"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/storetest"
)

func TestAuditTrail(t *testing.T) {
	storetest.RunAudit(t, func(t *testing.T) meetingintel.Store { return open(t) })
}
