package transcript

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
)

type seg = meetingintel.Segment

func sg(seq int, speaker string, start, end int64, text string) seg {
	return seg{Seq: seq, Speaker: speaker, StartMS: start, EndMS: end, Text: text}
}

// parseFile parses a fixture in testdata with format f.
func parseFile(t *testing.T, name string, f Format) *Transcript {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Parse(data, f)
	if err != nil {
		t.Fatalf("Parse(%s, %s): %v", name, f, err)
	}
	checkInvariants(t, tr)
	return tr
}

// checkInvariants fails t unless tr keeps the promises every Transcript keeps.
func checkInvariants(t testing.TB, tr *Transcript) {
	t.Helper()
	if tr.Format == Auto || tr.Format == "" {
		t.Fatalf("Format = %q; want the format parsed", tr.Format)
	}
	if len(tr.Segments) == 0 {
		t.Fatal("no segments without an error")
	}
	if err := meetingintel.ValidateSegments(tr.Segments); err != nil {
		t.Fatalf("segments do not validate: %v", err)
	}
	for i, s := range tr.Segments {
		switch {
		case s.Seq != i:
			t.Fatalf("segment %d has Seq %d", i, s.Seq)
		case s.StartMS < 0 || s.EndMS < s.StartMS:
			t.Fatalf("segment %d has a bad range %d..%d", i, s.StartMS, s.EndMS)
		case strings.TrimSpace(s.Text) == "" || strings.TrimSpace(s.Speaker) == "":
			t.Fatalf("segment %d has an empty text or speaker: %+v", i, s)
		case len(s.Text) > maxMergedText:
			t.Fatalf("segment %d is %d bytes long", i, len(s.Text))
		case i > 0 && s.StartMS < tr.Segments[i-1].StartMS:
			t.Fatalf("segment %d starts before segment %d", i, i-1)
		}
		if tr.DurationMS < s.EndMS {
			t.Fatalf("duration %d ends before segment %d (%d)", tr.DurationMS, i, s.EndMS)
		}
	}
}

func sameSegments(t *testing.T, got []seg, want []seg) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("segments:\n got  %+v\n want %+v", got, want)
	}
}

func names(as []meetingintel.Attendee) string {
	var out []string
	for _, a := range as {
		s := a.Name
		if a.Email != "" {
			s += " <" + a.Email + ">"
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

func TestParseFormatAcceptsTheNamesCaseInsensitively(t *testing.T) {
	for in, want := range map[string]Format{"": Auto, "auto": Auto, "VTT": VTT, " srt ": SRT, "Otter": Otter, "fireflies": Fireflies, "text": Text} {
		got, err := ParseFormat(in)
		if err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseFormatRejectsAnUnknownNameListingTheValidOnes(t *testing.T) {
	_, err := ParseFormat("docx")
	if meetingintel.ErrorCode(err) != meetingintel.EINVALID {
		t.Fatalf("err = %v; want EINVALID", err)
	}
	if msg := meetingintel.ErrorMessage(err); !strings.Contains(msg, "vtt, srt, otter, fireflies, text") {
		t.Errorf("message %q does not list the formats", msg)
	}
	if _, err := Parse([]byte("Ana: hi"), "docx"); meetingintel.ErrorCode(err) != meetingintel.EINVALID {
		t.Errorf("Parse with an unknown format: %v; want EINVALID", err)
	}
}

func TestDetectRecognisesEachFixture(t *testing.T) {
	for file, want := range map[string]Format{
		"teams_crlf_bom.vtt": VTT, "teams_voice.vtt": VTT, "graph_metadata.vtt": VTT, "zoom.vtt": VTT,
		"client_call.srt": SRT, "otter.txt": Otter, "fireflies.json": Fireflies,
		"fireflies_graphql.json": Fireflies, "text_plain.txt": Text, "text_timestamps.txt": Text, "latin1.txt": Text,
	} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Detect(data); got != want || err != nil {
			t.Errorf("Detect(%s) = %q, %v; want %q", file, got, err, want)
		}
	}
}

func TestDetectSaysWhenItCannotTell(t *testing.T) {
	data, _ := os.ReadFile("testdata/unknown.txt")
	_, err := Detect(data)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Error() != "cannot tell the format; pass --format vtt|srt|otter|fireflies|text" {
		t.Fatalf("err = %v", err)
	}
}

func TestTeamsVTTWithBOMCRLFAndGUIDCueIDs(t *testing.T) {
	tr := parseFile(t, "teams_crlf_bom.vtt", Auto)
	if tr.Format != VTT || tr.Source != "Teams" {
		t.Errorf("format %q source %q; want vtt Teams", tr.Format, tr.Source)
	}
	sameSegments(t, tr.Segments, []seg{
		sg(0, "Priya Natarajan", 3120, 11900, "Okay, let's start with the pricing page. The draft went live on staging yesterday, and the Team tier now sits in the middle."),
		sg(1, "Marco Bellini", 12350, 19010, "I like it. One thing: the annual toggle still shows <$49> with the brackets."),
		sg(2, "Priya Natarajan", 19400, 24800, "Good catch. That's the template escaping, I'll fix it today."),
	})
	if got := names(tr.Attendees); got != "Priya Natarajan, Marco Bellini" {
		t.Errorf("attendees %s", got)
	}
	if tr.DurationMS != 24800 || tr.Title != "" || !tr.Date.IsZero() {
		t.Errorf("duration %d title %q date %v; want 24800 and nothing invented", tr.DurationMS, tr.Title, tr.Date)
	}
}

func TestTeamsVTTVoiceTagWithoutClosingTagAndSplitUtterance(t *testing.T) {
	tr := parseFile(t, "teams_voice.vtt", VTT)
	sameSegments(t, tr.Segments, []seg{
		sg(0, "Priya Natarajan", 0, 9750, "Morning everyone. Today is the pricing page review. We need to agree on the three tiers and what goes in each one."),
		sg(1, "Marco Bellini", 10100, 16400, "From the sales calls, people keep asking whether SSO is in Team or only in Enterprise."),
		sg(2, "Dana Kim", 16900, 21300, "Enterprise only. SSO drives most of our upgrades."),
		sg(3, "Marco Bellini", 21800, 27000, "Then the comparison table has to say so clearly."),
	})
}

func TestTeamsVTTDecodesHTMLEntities(t *testing.T) {
	tr := parseFile(t, "teams_entities.vtt", VTT)
	sameSegments(t, tr.Segments, []seg{
		sg(0, "Dana Kim", 1000, 10000, `Q&A goes under the table, and the price for <5 seats is $12. Let's keep the "Most popular" badge on Team.`),
	})
}

func TestTeamsVTTAcceptsUnpaddedTimesAndTimesWithoutHours(t *testing.T) {
	tr := parseFile(t, "teams_unpadded.vtt", VTT)
	sameSegments(t, tr.Segments, []seg{
		sg(0, "Priya Natarajan", 0, 3500, "Can everyone see my screen?"),
		sg(1, "Marco Bellini", 4250, 6000, "Yes, the pricing page is up."),
		sg(2, "Priya Natarajan", 7000, 9500, "Great, scroll down to the FAQ."),
		sg(3, "Marco Bellini", 60500, 62000, "Done."),
	})
}

func TestTeamsVTTSkipsNoteAndStyleBlocksAndCueSettings(t *testing.T) {
	tr := parseFile(t, "teams_note_style.vtt", Auto)
	sameSegments(t, tr.Segments, []seg{
		sg(0, "Priya Natarajan", 500, 5000, "Let's decide on the free trial length."),
		sg(1, "Dana Kim", 5400, 9900, "Fourteen days. Thirty was too long, nobody converted in week three."),
	})
	if tr.Title != "Pricing page review" || !tr.Date.Equal(time.Date(2025, 3, 4, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("title %q date %v; want the NOTE metadata", tr.Title, tr.Date)
	}
}

func TestGraphMetadataContentVTTDecodesJSONCues(t *testing.T) {
	tr := parseFile(t, "graph_metadata.vtt", Auto)
	if tr.Source != "Teams" {
		t.Errorf("source %q; want Teams", tr.Source)
	}
	sameSegments(t, tr.Segments, []seg{
		sg(0, "Ana Ruiz", 2000, 6400, "Hello, thanks for joining the onboarding sync."),
		sg(1, "Tom Becker", 6900, 14000, "Happy to. The import step is where customers get stuck. Especially the CSV mapping screen."),
	})
}

func TestZoomVTTReadsNameColonSpeakersOfNumberedCues(t *testing.T) {
	tr := parseFile(t, "zoom.vtt", Auto)
	if tr.Source != "Zoom" {
		t.Errorf("source %q; want Zoom", tr.Source)
	}
	sameSegments(t, tr.Segments, []seg{
		sg(0, "Laura Chen", 1510, 5230, "Hi Sam, thanks for making time for the quarterly check-in."),
		sg(1, "Sam Okafor", 5890, 14750, "Of course. We rolled the dashboard out to the whole support team last month. Adoption is good, but exports to Excel time out on big accounts."),
		sg(2, "Laura Chen", 15300, 20100, "That's on our roadmap for April. I'll send you the beta invite."),
	})
}

func TestSRTWithBOMCRLFBracketAndColonSpeakersAndTags(t *testing.T) {
	tr := parseFile(t, "client_call.srt", Auto)
	if tr.Format != SRT || tr.Source != "" {
		t.Errorf("format %q source %q", tr.Format, tr.Source)
	}
	sameSegments(t, tr.Segments, []seg{
		sg(0, "Laura Chen", 1500, 4000, "Welcome back. Did the renewal quote arrive?"),
		sg(1, "Sam Okafor", 4600, 10000, "It did, thanks. Finance wants annual billing instead of monthly. That saves us two months."),
		sg(2, "Laura Chen", 10400, 14900, "Great, I will update the quote today."),
	})
}

func TestOtterTXTReadsHeadersAndIgnoresTheFooter(t *testing.T) {
	tr := parseFile(t, "otter.txt", Auto)
	if tr.Format != Otter || tr.Source != "Otter" {
		t.Errorf("format %q source %q", tr.Format, tr.Source)
	}
	last := "Agreed. Last thing from me: legal needs the refund wording by Friday."
	sameSegments(t, tr.Segments, []seg{
		sg(0, "Priya Natarajan", 2000, 9000, "So the goal today is to settle the pricing page copy before Thursday's launch."),
		sg(1, "Marco Bellini", 9000, 21000, "I went through the competitor pages. Most of them lead with the per-seat price and hide the minimums in the small print."),
		sg(2, "Priya Natarajan", 21000, 3735000, "We won't do that. Minimums go right under the price."),
		sg(3, "Dana Kim", 3735000, 3735000+12*wordMS, last),
	})
}

func TestFirefliesJSONTranscriptObject(t *testing.T) {
	tr := parseFile(t, "fireflies.json", Auto)
	if tr.Source != "Fireflies" || tr.SourceMeetingID != "01HQ7Z3K8M2N4P6R8T0V2X4Y6Z" || tr.Title != "Acme onboarding kickoff" {
		t.Errorf("source %q id %q title %q", tr.Source, tr.SourceMeetingID, tr.Title)
	}
	if want := time.UnixMilli(1741100400000).UTC(); !tr.Date.Equal(want) || tr.Date.Location() != time.UTC {
		t.Errorf("date %v; want %v", tr.Date, want)
	}
	if tr.DurationMS != 30000 {
		t.Errorf("duration %d; want the file's 0.5 minutes", tr.DurationMS)
	}
	sameSegments(t, tr.Segments, []seg{
		sg(0, "Laura Chen", 480, 5520, "Welcome to the kickoff, everyone. Today we map your data sources."),
		sg(1, "Sam Okafor", 6000, 9250, "we have salesforce and a postgres warehouse"),
		sg(2, "Unknown", 9800, 11000, "Sorry, can you repeat that?"),
	})
	want := "Laura Chen <laura.chen@vendor.example>, Sam Okafor <sam@acme.example>, jo.park <jo.park@acme.example>"
	if got := names(tr.Attendees); got != want {
		t.Errorf("attendees\n got  %s\n want %s", got, want)
	}
}

func TestFirefliesGraphQLResponseWithISODate(t *testing.T) {
	tr := parseFile(t, "fireflies_graphql.json", Fireflies)
	if tr.SourceMeetingID != "A1b2C3d4E5" || !tr.Date.Equal(time.Date(2025, 3, 6, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("id %q date %v", tr.SourceMeetingID, tr.Date)
	}
	if tr.DurationMS != 72000 {
		t.Errorf("duration %d; want 72000", tr.DurationMS)
	}
	if got, want := names(tr.Attendees), "Priya Natarajan <priya@team.example>, Dana Kim <dana.kim@team.example>"; got != want {
		t.Errorf("attendees\n got  %s\n want %s", got, want)
	}
}

func TestPlainTextWithoutTimestampsEstimatesTimesFromWords(t *testing.T) {
	tr := parseFile(t, "text_plain.txt", Auto)
	sameSegments(t, tr.Segments, []seg{
		sg(0, "Priya Natarajan", 0, 9*wordMS, "Let's go around the room on the pricing experiment."),
		sg(1, "Marco Bellini", 9*wordMS, 32*wordMS, "Conversion on the new page is up four percent week over week. It is still early, so I would not call it yet."),
		sg(2, "Dana Kim", 32*wordMS, 39*wordMS, "Agreed, let's run it two more weeks."),
	})
}

func TestPlainTextWithBracketedShortAndBareTimestamps(t *testing.T) {
	tr := parseFile(t, "text_timestamps.txt", Text)
	sameSegments(t, tr.Segments, []seg{
		sg(0, "Laura Chen", 5000, 9000, "Thanks for joining, Sam."),
		sg(1, "Sam Okafor", 9000, 62000, "Happy to. Let's talk about the renewal. We want to add ten seats in May."),
		sg(2, "Laura Chen", 62000, 90000, "I can prepare a quote this afternoon."),
		sg(3, "Sam Okafor", 90000, 90000+6*wordMS, "Perfect, send it to finance too."),
	})
}

func TestWindows1252TextIsReadAsText(t *testing.T) {
	tr := parseFile(t, "latin1.txt", Auto)
	if got := tr.Segments[0].Speaker + ": " + tr.Segments[0].Text; got != "Renée Dubois: Le tarif équipe reste à 12 € par siège." {
		t.Errorf("got %q", got)
	}
	if tr.Segments[1].Text != "D’accord." {
		t.Errorf("got %q", tr.Segments[1].Text)
	}
}

func TestUTF16WithByteOrderMarkIsDecoded(t *testing.T) {
	src := "WEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000\r\n<v Ana Ruiz>Olá, equipe.</v>\r\n"
	b := []byte{0xFF, 0xFE}
	for _, r := range src {
		b = append(b, byte(r), byte(r>>8))
	}
	tr, err := Parse(b, Auto)
	if err != nil {
		t.Fatal(err)
	}
	sameSegments(t, tr.Segments, []seg{sg(0, "Ana Ruiz", 1000, 2000, "Olá, equipe.")})
}

func TestParsedFixtureYieldsExpectedTalkTime(t *testing.T) {
	tr := parseFile(t, "zoom.vtt", Auto)
	got := meetingintel.TalkTime(tr.Segments)
	want := []meetingintel.SpeakerTime{
		{Speaker: "Sam Okafor", MS: 8860, Share: 8860.0 / 17380, Segments: 1},
		{Speaker: "Laura Chen", MS: 8520, Share: 8520.0 / 17380, Segments: 2},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("talk time\n got  %+v\n want %+v", got, want)
	}
}

func TestLongMonologuesAreSplitIntoBoundedSegments(t *testing.T) {
	var b strings.Builder
	b.WriteString("WEBVTT\n\n")
	for i := range 40 {
		b.WriteString(clock(int64(i)*5000) + " --> " + clock(int64(i+1)*5000) + "\n")
		b.WriteString("<v Priya Natarajan>" + strings.Repeat("pricing ", 10) + "</v>\n\n")
	}
	b.WriteString("00:05:00.000 --> 00:05:01.000\n<v Dana Kim>" + strings.Repeat("tiers ", 1000) + "</v>\n")
	tr, err := Parse([]byte(b.String()), VTT)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, tr)
	if n := len(tr.Segments); n < 4+3 {
		t.Fatalf("%d segments; want the 3,200-character turn and the 6,000-character cue split", n)
	}
	for _, s := range tr.Segments {
		if len(s.Text) > maxMergedText {
			t.Errorf("segment %d is %d bytes", s.Seq, len(s.Text))
		}
	}
	if last := tr.Segments[len(tr.Segments)-1]; last.EndMS != 301000 {
		t.Errorf("the split cue ends at %d; want 301000", last.EndMS)
	}
}

func TestBadInputIsAParseErrorNamingTheLine(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name   string
		data   []byte
		format Format
		want   string
	}{
		{"an empty file", nil, Auto, "the file is empty"},
		{"a whitespace-only file", []byte(" \r\n\t\n"), Text, "the file is empty"},
		{"binary data", read("binary.bin"), Auto, "line 3: the file holds binary data (a NUL byte), not a text transcript"},
		{"invalid UTF-8", []byte(strings.Repeat("\xfa\xfb\xfc", 20)), Auto, "line 1: the file is not UTF-8 text (60 invalid bytes); save it as UTF-8 and try again"},
		{"a file over MaxSize", make([]byte, MaxSize+1), Auto, "the file is 10.0 MB; the largest transcript accepted is 10 MB"},
		{"a broken VTT timestamp", read("bad_timestamp.vtt"), Auto, `line 12: timestamp "00:0x:01.000" is not hh:mm:ss.mmm`},
		{"a cue that ends before it starts", read("end_before_start.srt"), Auto, "line 6: cue ends at 00:00:05.000, before it starts at 00:00:09.000"},
		{"a cue timing without an end", []byte("WEBVTT\n\n00:00:01.000 -->\nHi\n"), VTT, `line 3: cue timing "00:00:01.000 -->" has no end time`},
		{"a file with no speech", read("no_speech.vtt"), Auto, "the transcript has no speech: no cue or line with text was found"},
		{"an unrecognisable file", read("unknown.txt"), Auto, "cannot tell the format; pass --format vtt|srt|otter|fireflies|text"},
		{"a broken text timestamp", []byte("[00:00:05] Ana: hi\n[00:0x:07] Ben: hello\n"), Text, `line 2: timestamp "00:0x:07" is not hh:mm:ss`},
		{"text times going backwards", []byte("[00:02:00] Ana: hi\n[00:01:00] Ben: hello\n"), Text, "line 2: time 00:01:00.000 comes before the previous line's 00:02:00.000"},
		{"Otter times going backwards", []byte("Ana  2:00\nhi\n\nBen  1:00\nhello\n"), Otter, "line 4: time 00:01:00.000 comes before the previous block's 00:02:00.000"},
		{"invalid JSON", []byte("{\n  \"id\": \"x\",\n  \"sentences\": [\n    {\"text\": \"hi\",}\n  ]\n}"), Auto, "line 4: invalid JSON: invalid character '}' looking for beginning of object key string"},
		{"a Fireflies sentence ending before it starts", []byte(`{"sentences":[{"speaker_name":"Ana","text":"hi","start_time":5,"end_time":2}]}`), Auto, "sentence 0 ends at 00:00:02.000, before it starts at 00:00:05.000"},
		{"a Fireflies API error", []byte(`{"errors":[{"message":"Object not found"}],"data":null}`), Auto, "the Fireflies response is an error: Object not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Parse(tc.data, tc.format)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %+v, %v; want a *ParseError", tr, err)
			}
			if pe.Error() != tc.want {
				t.Errorf("error\n got  %s\n want %s", pe.Error(), tc.want)
			}
			if meetingintel.ErrorCode(err) != meetingintel.EINVALID || meetingintel.ErrorMessage(err) != tc.want {
				t.Errorf("as an application error: %s %q; want invalid with the same message", meetingintel.ErrorCode(err), meetingintel.ErrorMessage(err))
			}
		})
	}
}

func TestInlineQuirks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     string
		format Format
		want   []seg
	}{
		{"an SRT file missing the blank line between blocks", "1\n00:00:01,000 --> 00:00:02,000\n[Sam] Hello.\n2\n00:00:03,000 --> 00:00:04,000\n[Laura] Hi Sam.\n", Auto,
			[]seg{sg(0, "Sam", 1000, 2000, "Hello."), sg(1, "Laura", 3000, 4000, "Hi Sam.")}},
		{"a VTT cue holding two voices shares its time by text", "WEBVTT\n\n00:00:00.000 --> 00:00:04.000\n<v Ana>Ready?</v>\n<v Ben>Yes, go.</v>\n", Auto,
			[]seg{sg(0, "Ana", 0, 1714, "Ready?"), sg(1, "Ben", 1714, 4000, "Yes, go.")}},
		{"SRT cues without a speaker continue the last one named", "1\n00:00:01,000 --> 00:00:02,000\nSam: We agreed on annual billing.\n\n2\n00:00:02,000 --> 00:00:03,000\nStarting in May.\n", SRT,
			[]seg{sg(0, "Sam", 1000, 3000, "We agreed on annual billing. Starting in May.")}},
		{"captions with no speaker at all are Unknown", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nWelcome to the webinar.\n", Auto,
			[]seg{sg(0, "Unknown", 1000, 2000, "Welcome to the webinar.")}},
		{"text that mentions otter.ai is still text", "Ana: I tried otter.ai last week.\nBen: And?\n", Auto,
			[]seg{sg(0, "Ana", 0, 5*wordMS, "I tried otter.ai last week."), sg(1, "Ben", 5*wordMS, 6*wordMS, "And?")}},
		{"an Otter export without its footer", "Ana Ruiz  0:00\nShall we start?\n\nBen Okafor  0:04\nYes.\n", Auto,
			[]seg{sg(0, "Ana Ruiz", 0, 4000, "Shall we start?"), sg(1, "Ben Okafor", 4000, 4000+wordMS, "Yes.")}},
		{"a bare time before plain words stays text", "Ana: Can we meet tomorrow?\n10:30 works for me.\n", Text,
			[]seg{sg(0, "Ana", 0, 8*wordMS, "Can we meet tomorrow? 10:30 works for me.")}},
		{"a Fireflies array of sentences", `[{"speaker_name":"Ana","text":"Hi.","start_time":1,"end_time":2}]`, Auto,
			[]seg{sg(0, "Ana", 1000, 2000, "Hi.")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Parse([]byte(tc.in), tc.format)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, tr)
			sameSegments(t, tr.Segments, tc.want)
		})
	}
}
