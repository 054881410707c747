package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/storetest"
)

// TestPreviousBuildStillWritesDuringARollout: migration 031 drops the GIN
// index of search_docs.tsv but keeps the column, nullable, so a replica of
// the previous build (which writes tsv with every search document) keeps
// working beside the new ones while a deployment rolls over; the new build
// leaves it empty.
func TestPreviousBuildStillWritesDuringARollout(t *testing.T) {
	u := freshSchema(t)
	db := openURL(t, u)
	ctx := storetest.Actor(t, db, "ann@example.com")
	m := &meetingintel.Meeting{Title: "Rollout review", Date: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	if err := db.CreateMeeting(ctx, m, []meetingintel.Segment{{Speaker: "Ann", Text: "The pricing page ships today."}}); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(cctx)
	var written int
	if err := conn.QueryRow(cctx, `SELECT count(*) FROM search_docs WHERE tsv IS NOT NULL`).Scan(&written); err != nil {
		t.Fatal(err)
	}
	if written != 0 {
		t.Errorf("the new build wrote tsv on %d search documents", written)
	}
	var indexes int
	if err := conn.QueryRow(cctx, `SELECT count(*) FROM pg_indexes WHERE tablename = 'search_docs' AND indexname = 'search_docs_tsv'`).Scan(&indexes); err != nil {
		t.Fatal(err)
	}
	if indexes != 0 {
		t.Error("the GIN index search_docs_tsv is still there")
	}
	// What the previous build's AddDoc runs.
	if _, err := conn.Exec(cctx, `INSERT INTO search_docs (kind, meeting_id, ref_id, body, tsv)
		VALUES ('summary', $1, NULL, $2::text, to_tsvector('english', $2::text))`, m.ID, "Pricing ships"); err != nil {
		t.Fatalf("a previous build's write fails: %v", err)
	}
	hits, err := db.Search(ctx, meetingintel.SearchQuery{Query: "pricing"})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, h := range hits {
		kinds[h.Kind] = true
	}
	if !kinds[meetingintel.KindSummary] || !kinds[meetingintel.KindSegment] {
		t.Errorf("search after the previous build's write found kinds %v, want its summary and the line", kinds)
	}
}
