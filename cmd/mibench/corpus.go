package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

// The synthetic corpus: meetings of a mid-sized company over several years.
// Words follow a Zipf distribution over a vocabulary that mixes common
// English with the domain words people search for, so common terms match
// hundreds of thousands of segments and rare ones a handful, as in real talk.

var people = []string{
	"Priya Natarajan", "Sam Okafor", "Lena Fischer", "Marco Rossi", "Aisha Bello",
	"Tom Becker", "Yuki Tanaka", "Carlos Mendes", "Nora Lindqvist", "Dev Patel",
	"Grace Kim", "Omar Haddad", "Elena Petrova", "Jonas Weber", "Fatima Zahra",
	"Liam O'Brien", "Mei Chen", "Ravi Kumar", "Sofia Alvarez", "Ben Carter",
}

var titleWords = []string{
	"Weekly product sync", "Pricing page review", "Sprint planning", "Sprint retro",
	"Client check-in", "Budget review", "Hiring debrief", "Incident post-mortem",
	"Roadmap planning", "Design critique", "Sales pipeline review", "Onboarding kickoff",
	"Security review", "Data migration standup", "Marketing launch plan", "Quarterly business review",
}

var tagPool = []string{"product", "pricing", "sales", "engineering", "hiring", "client", "finance", "ops", "design", "security"}

// common English filler, most frequent first.
var common = strings.Fields(`the to and a of I we that it is you in this for on be so
have with was just not but think yeah okay can what about do if they like
going are at all right know one our from there would need get as then
will some more it's we're that's don't I'm out make up how also good
really time next week because them people could sure should want see
any other maybe now still thing things something lot work way well back
over first last new yes point let us see look say much any little`)

// domain words people search for, roughly most frequent first.
var domain = strings.Fields(`customer team project release feature plan meeting update
data issue test design review budget sprint deadline client pricing page
launch roadmap onboarding ticket deploy migration dashboard report invoice
contract renewal churn retention funnel signup trial enterprise tier annual
monthly discount quote proposal stakeholder backlog estimate velocity
incident outage postmortem latency database index cache queue api endpoint
mobile android ios browser accessibility analytics metrics revenue forecast
hiring candidate interview offer recruiter headcount payroll vendor legal
compliance gdpr audit security password encryption backup restore region
azure kubernetes container pipeline terraform monitoring alert pager oncall
translation localisation german french spanish japanese newsletter webinar
conference partner reseller marketplace integration salesforce hubspot slack
teams zoom calendar agenda retro standup kickoff workshop prototype mockup
wireframe figma copywriting headline testimonial screenshot video tutorial
documentation faq support escalation refund chargeback fraud risk insurance
warehouse shipping logistics inventory supplier procurement sustainability`)

// corpus generates meetings deterministically from a seed.
type corpus struct {
	r     *rand.Rand
	zc    *rand.Zipf
	zd    *rand.Zipf
	start time.Time
}

func newCorpus(seed uint64) *corpus {
	r := rand.New(rand.NewPCG(seed, seed*7+1))
	return &corpus{
		r:     r,
		zc:    rand.NewZipf(r, 1.1, 2, uint64(len(common)-1)),
		zd:    rand.NewZipf(r, 1.05, 3, uint64(len(domain)-1)),
		start: time.Date(2022, 1, 3, 9, 0, 0, 0, time.UTC),
	}
}

func (c *corpus) sentence() string {
	n := 8 + c.r.IntN(18)
	w := make([]string, n)
	for i := range w {
		if c.r.IntN(4) == 0 {
			w[i] = domain[c.zd.Uint64()]
		} else {
			w[i] = common[c.zc.Uint64()]
		}
	}
	w[0] = strings.ToUpper(w[0][:1]) + w[0][1:]
	return strings.Join(w, " ") + "."
}

// meeting returns the i-th synthetic meeting with nSegs segments.
func (c *corpus) meeting(i, nSegs int) (*meetingintel.Meeting, []meetingintel.Segment) {
	nAtt := 3 + c.r.IntN(4)
	att := make([]meetingintel.Attendee, 0, nAtt)
	perm := c.r.Perm(len(people))
	for _, p := range perm[:nAtt] {
		name := people[p]
		email := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(name, "'", ""), " ", ".")) + "@corp.example"
		att = append(att, meetingintel.Attendee{Name: name, Email: email})
	}
	m := &meetingintel.Meeting{
		Title:           fmt.Sprintf("%s #%d", titleWords[c.r.IntN(len(titleWords))], i),
		Date:            c.start.Add(time.Duration(i) * 3 * time.Hour),
		Attendees:       att,
		Tags:            []string{tagPool[c.r.IntN(len(tagPool))], tagPool[c.r.IntN(len(tagPool))]},
		Source:          "Bench",
		SourceMeetingID: fmt.Sprintf("bench-%06d", i),
		Summary:         "## Summary\n\n" + c.sentence() + " " + c.sentence() + "\n\n- " + c.sentence() + "\n- " + c.sentence(),
		Visibility:      meetingintel.VisibilityTeam,
	}
	if i%20 == 0 {
		m.Visibility = meetingintel.VisibilityPrivate
	}
	segs := make([]meetingintel.Segment, nSegs)
	var t int64
	for k := range segs {
		text := c.sentence()
		if c.r.IntN(3) == 0 {
			text += " " + c.sentence()
		}
		d := int64(len(text)) * 60 // ~ speaking speed
		segs[k] = meetingintel.Segment{Seq: k, Speaker: att[c.r.IntN(len(att))].Name, StartMS: t, EndMS: t + d, Text: text}
		t += d + int64(c.r.IntN(1500))
	}
	m.DurationMS = t
	return m, segs
}

// queries are 50 realistic searches: single words, phrases and questions.
var queries = []string{
	"pricing", "budget", "onboarding", "incident", "churn", "kubernetes", "gdpr",
	"refund", "renewal", "headcount", "latency", "dashboard", "webinar", "forecast",
	"figma", "encryption", "invoice", "roadmap", "salesforce", "inventory",
	"pricing page", "annual discount", "database migration", "security audit",
	"customer churn", "launch plan", "enterprise tier", "mobile release",
	"oncall pager alert", "contract renewal quote",
	"what did we decide about the pricing page?",
	"when is the next release deadline?",
	"who owns the database migration?",
	"what was said about customer churn last quarter?",
	"did we agree on the enterprise tier discount?",
	"what are the risks for the mobile launch?",
	"how do we handle refunds and chargebacks?",
	"what is the plan for the kubernetes migration?",
	"who is interviewing the backend candidate?",
	"what did the client say about the contract renewal?",
	"status of the gdpr compliance audit",
	"why did the outage happen?",
	"what's the budget for the marketing webinar?",
	"which vendor did we pick for shipping logistics?",
	"how is the onboarding funnel performing?",
	"next steps on the salesforce integration",
	"what feedback did we get on the figma prototype?",
	"is the annual pricing shown by default?",
	"who will write the documentation for the api endpoint?",
	"summary of the quarterly revenue forecast",
}
