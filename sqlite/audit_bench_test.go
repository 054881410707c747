package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
)

// BenchmarkRecordAudit is what the audit trail adds to every MCP tool call
// and every write: one insert on the single writer. Compare it with
// BenchmarkFindMeetingByID, the cheapest read a tool makes.
func BenchmarkRecordAudit(b *testing.B) {
	db := open(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := db.RecordAudit(ctx, &meetingintel.AuditEntry{UserID: 1, UserEmail: "bench@example.com", Via: "mcp", Client: "pat:1",
			Action: meetingintel.AuditToolCall, Tool: "get_meeting", TargetID: "meeting:1", WorkspaceID: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFindMeetingByID(b *testing.B) {
	db := open(b)
	ctx := context.Background()
	u := &meetingintel.User{Email: "bench@example.com", Name: "Bench"}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	actx := meetingintel.NewContextWithUser(ctx, u)
	m := &meetingintel.Meeting{Title: "Bench", Date: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)}
	if err := db.CreateMeeting(actx, m, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.FindMeetingByID(actx, m.ID); err != nil {
			b.Fatal(err)
		}
	}
}
