package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/meetingintel/meetingintel"
)

// client is one assistant's connection instructions.
type client struct {
	ID    string // anchor and element ids
	Name  string
	Steps []string
	// Snippets to paste, each with a copy button.
	Snippets []snippet
	Note     string
}

type snippet struct {
	ID, Label, Text string
}

type connectData struct {
	MCPURL   string
	Clients  []client
	Tokens   []*meetingintel.Token
	NewToken string // shown once, right after creation
	Label    string
	Expiries []expiryChoice
	Expires  string // the chosen expiry, kept when the form is shown again
}

// expiryChoice is an option of the new token's expiry.
type expiryChoice struct{ Value, Text string }

func expiryChoices() []expiryChoice {
	var out []expiryChoice
	for _, d := range meetingintel.TokenExpiries {
		if d == 0 {
			out = append(out, expiryChoice{"none", "Never"})
		} else {
			out = append(out, expiryChoice{strconv.Itoa(d), strconv.Itoa(d) + " days"})
		}
	}
	return out
}

// parseExpiry reads the expiry field: a number of days from
// TokenExpiries, or "none". The default is the first, so a token lives
// only as long as a person chose.
func parseExpiry(v string, now time.Time) (time.Time, bool) {
	if v == "" {
		v = strconv.Itoa(meetingintel.TokenExpiries[0])
	}
	if v == "none" {
		return time.Time{}, true
	}
	d, err := strconv.Atoi(v)
	if err != nil || d == 0 || !slices.Contains(meetingintel.TokenExpiries, d) {
		return time.Time{}, false
	}
	return now.AddDate(0, 0, d), true
}

// clients returns the instructions of docs/clients.md with this instance's
// URLs, and the new token where one was just made.
func (s *Server) clients(token string) []client {
	base := s.cfg.PublicURL
	mcp := base + "/mcp"
	if token == "" {
		token = "<token>"
	}
	var out []client
	chat := client{ID: "chatgpt", Name: "ChatGPT",
		Steps:    []string{"Settings → Apps & Connectors → Advanced: turn on Developer mode.", "Create a connector; MCP server URL below, authentication OAuth.", "ChatGPT sends you to a sign-in and consent page: approve it."},
		Snippets: []snippet{{"chatgpt-url", "MCP server URL", mcp}}}
	if !s.cfg.OAuthEnabled {
		chat.Note = "ChatGPT needs OAuth, which is off on this instance. Ask your administrator."
	} else if !s.secure {
		chat.Note = "ChatGPT needs a public https address; this instance is on " + base + "."
	}
	claude := client{ID: "claude", Name: "Claude.ai",
		Steps:    []string{"Settings → Connectors → Add custom connector."},
		Snippets: []snippet{{"claude-sse", "Connector URL (with a token)", base + "/sse?token=" + token}}}
	if s.cfg.OAuthEnabled {
		claude.Steps = append(claude.Steps, "With OAuth, use the MCP URL and approve the consent page; or use the token URL.")
		claude.Snippets = append([]snippet{{"claude-url", "Connector URL (OAuth)", mcp}}, claude.Snippets...)
	}
	out = append(out, chat, claude,
		client{ID: "claude-desktop", Name: "Claude Desktop",
			Steps: []string{"Settings → Developer → Edit config, and add this to claude_desktop_config.json:"},
			Snippets: []snippet{{"claude-desktop-json", "claude_desktop_config.json", `{
  "mcpServers": {
    "meetingintel": {
      "command": "npx",
      "args": ["-y", "mcp-remote", "` + mcp + `", "--header", "Authorization: Bearer ` + token + `"]
    }
  }
}`}}},
		client{ID: "copilot", Name: "Copilot Studio",
			Steps:    []string{"Agent → Tools → Add a tool → Model Context Protocol → new server.", "Transport Streamable, authentication None. Treat this URL as a secret: it holds the token."},
			Snippets: []snippet{{"copilot-url", "Server URL", mcp + "/" + token}}},
		client{ID: "vscode", Name: "VS Code",
			Steps: []string{"Add to .vscode/mcp.json (or your user mcp.json); VS Code asks for the token once."},
			Snippets: []snippet{{"vscode-json", "mcp.json", `{
  "inputs": [{ "type": "promptString", "id": "mi-token", "description": "Meeting Intelligence token", "password": true }],
  "servers": {
    "meetingintel": {
      "type": "http",
      "url": "` + mcp + `",
      "headers": { "Authorization": "Bearer ${input:mi-token}" }
    }
  }
}`}}},
		client{ID: "cursor", Name: "Cursor",
			Steps: []string{"Add to ~/.cursor/mcp.json:"},
			Snippets: []snippet{{"cursor-json", "~/.cursor/mcp.json", `{
  "mcpServers": {
    "meetingintel": {
      "url": "` + mcp + `",
      "headers": { "Authorization": "Bearer ` + token + `" }
    }
  }
}`}}},
	)
	return out
}

func (s *Server) handleConnect(w http.ResponseWriter, r *http.Request) {
	s.showConnect(w, r, http.StatusOK, "", "", "")
}

func (s *Server) showConnect(w http.ResponseWriter, r *http.Request, status int, newToken, label, msg string) {
	c := callFrom(r)
	toks, err := s.cfg.Store.FindTokens(ctx(r), c.user.ID)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	live := toks[:0]
	now := s.now()
	for _, t := range toks {
		if t.RevokedAt == nil && !t.Expired(now) {
			live = append(live, t)
		}
	}
	d := connectData{MCPURL: s.cfg.PublicURL + "/mcp", Clients: s.clients(newToken), Tokens: live, NewToken: newToken, Label: label,
		Expiries: expiryChoices(), Expires: r.PostFormValue("expires")}
	s.render(w, r, status, "connect", view{Title: "Connect an assistant", Nav: "connect", Error: msg, Data: &d})
}

// handleTokenCreate makes a personal access token and shows it once: the
// answer is the page itself, never a redirect that would need to carry it.
func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	c := callFrom(r)
	label := r.PostFormValue("label")
	until, ok := parseExpiry(r.PostFormValue("expires"), s.now())
	if !ok {
		s.showConnect(w, r, http.StatusBadRequest, "", label, "Choose how long the token lasts: 30, 90 or 365 days, or never.")
		return
	}
	tok, _, err := s.cfg.Store.CreateTokenUntil(ctx(r), c.user.ID, label, until)
	if meetingintel.ErrorCode(err) == meetingintel.EINVALID {
		s.showConnect(w, r, http.StatusBadRequest, "", label, meetingintel.ErrorMessage(err))
		return
	} else if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.log.Info("web: token created", "user", c.user.Email)
	s.showConnect(w, r, http.StatusOK, tok, "", "")
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	c := callFrom(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.errorPage(w, r, notFound)
		return
	}
	t, err := s.cfg.Store.FindTokenByID(ctx(r), id)
	if err != nil || t.UserID != c.user.ID { // another user's token does not exist for you
		s.errorPage(w, r, notFound)
		return
	}
	if err := s.cfg.Store.RevokeToken(ctx(r), id); err != nil {
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/connect#tokens", http.StatusSeeOther)
}
