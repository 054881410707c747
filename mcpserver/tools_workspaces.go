package mcpserver

// Workspaces (DESIGN §12): every data tool takes an optional workspace (id,
// slug or name, any case, or "all" for reads); without one, the workspace
// this credential switched to with switch_workspace, else the user's
// default, else the instance's default, else the only one. The switch is
// kept per credential (a PAT, an OAuth grant), in the database so every
// replica sees it, and never per email: one client's switch does not move
// another's (the replaced system's known bug).

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// workspaceTools take no workspace argument of their own making.
var workspaceTools = map[string]bool{"list_workspaces": true, "get_current_workspace": true, "switch_workspace": true}

// readScopeWrites are tools that store something (so they are not
// annotated read-only) but need only meetings:read: switch_workspace keeps
// this connection's default workspace, which a read-only grant may name on
// every call anyway; it changes no meeting data.
var readScopeWrites = map[string]bool{"switch_workspace": true}

const workspaceArgDoc = `the workspace to use: id, slug or name (any case), or "all" for every workspace you are a member of (reads only); default: the one chosen with switch_workspace, else your default`

// credentialKey names the credential behind p, under which a
// switch_workspace choice is kept.
func credentialKey(p *auth.Principal) string {
	if p.TokenID != 0 {
		return string(p.Kind) + ":" + strconv.FormatInt(p.TokenID, 10)
	}
	// stdio: one process, one client, picked by the operator.
	return string(p.Kind) + ":" + strings.ToLower(p.User.Email)
}

// chooseWorkspace puts the call's workspace into ctx: the argument, else
// the credential's switch, else nothing (the store's defaults apply).
func (s *Server) chooseWorkspace(ctx context.Context, p *auth.Principal, args json.RawMessage) (context.Context, error) {
	var in struct {
		Workspace *string `json:"workspace"`
	}
	if len(args) > 0 {
		_ = json.Unmarshal(args, &in) // the schema check has run already
	}
	if in.Workspace != nil && strings.TrimSpace(*in.Workspace) != "" {
		return meetingintel.NewContextWithWorkspace(ctx, *in.Workspace), nil
	}
	id, err := s.store.FindWorkspaceChoice(ctx, credentialKey(p))
	if err != nil {
		return ctx, err
	}
	if id != 0 {
		ctx = meetingintel.NewContextWithWorkspace(ctx, strconv.FormatInt(id, 10))
	}
	return ctx, nil
}

// WorkspaceOut is a workspace as the workspace tools return it.
type WorkspaceOut struct {
	ID       int64  `json:"id"`
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	Role     string `json:"role,omitempty" jsonschema:"your role: viewer (read), member (create; edit your own; change any action's status) or chair (edit and delete anything, manage members)"`
	Default  bool   `json:"default" jsonschema:"the instance's default workspace"`
	Archived bool   `json:"archived" jsonschema:"archived workspaces are read-only"`
}

func workspaceOut(w *meetingintel.Workspace) WorkspaceOut {
	return WorkspaceOut{ID: w.ID, Slug: w.Slug, Name: w.Name, Role: string(w.Role), Default: w.Default, Archived: w.Archived()}
}

// ListWorkspacesArgs is list_workspaces' parameter list: it takes none.
type ListWorkspacesArgs struct{}

// ListWorkspacesResult is list_workspaces' result.
type ListWorkspacesResult struct {
	Workspaces []WorkspaceOut `json:"workspaces"`
	Current    *WorkspaceOut  `json:"current,omitempty" jsonschema:"the workspace tools use when given none"`
}

// CurrentWorkspaceArgs is get_current_workspace's parameter list: none.
type CurrentWorkspaceArgs struct{}

// CurrentWorkspaceResult is get_current_workspace's result.
type CurrentWorkspaceResult struct {
	Workspace WorkspaceOut `json:"workspace"`
	Source    string       `json:"source" jsonschema:"why it is current: switched (switch_workspace on this connection) or default"`
}

// SwitchWorkspaceArgs is switch_workspace's parameter list.
type SwitchWorkspaceArgs struct {
	Workspace string `json:"workspace" jsonschema:"id, slug or name (any case) of a workspace you are a member of"`
}

func (s *Server) addWorkspaceTools() {
	addTool(s, &mcp.Tool{
		Name:        "list_workspaces",
		Description: "List the workspaces you are a member of, with your role in each, and the current one.",
		Annotations: readOnly("List workspaces"),
	}, s.listWorkspaces)
	addTool(s, &mcp.Tool{
		Name:        "get_current_workspace",
		Description: "The workspace tools use when called without a workspace argument, with your role in it.",
		Annotations: readOnly("Current workspace"),
	}, s.currentWorkspace)
	addTool(s, &mcp.Tool{
		Name: "switch_workspace",
		Description: "Make a workspace the current one for this connection (this token or app), so tools called without a workspace use it. " +
			"Other connections of yours keep their own.",
		Annotations: write("Switch workspace", false, true),
	}, s.switchWorkspace)
}

func (s *Server) listWorkspaces(ctx context.Context, _ ListWorkspacesArgs) (*mcp.CallToolResult, *ListWorkspacesResult, error) {
	ws, err := s.store.FindWorkspaces(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := &ListWorkspacesResult{Workspaces: []WorkspaceOut{}}
	for _, w := range ws {
		if w.Role != "" { // an org admin lists every workspace; tools reach only theirs
			out.Workspaces = append(out.Workspaces, workspaceOut(w))
		}
	}
	if cur, _, err := s.current(ctx); err == nil {
		o := workspaceOut(cur)
		out.Current = &o
	}
	return nil, out, nil
}

// current resolves the credential's workspace and says why.
func (s *Server) current(ctx context.Context) (*meetingintel.Workspace, string, error) {
	p := auth.FromContext(ctx)
	source := "default"
	if p != nil && p.User != nil {
		c, err := s.chooseWorkspace(ctx, p, nil)
		if err != nil {
			return nil, "", err
		}
		if meetingintel.WorkspaceFromContext(c) != "" {
			source = "switched"
		}
		ctx = c
	}
	w, err := s.store.CurrentWorkspace(ctx)
	return w, source, err
}

func (s *Server) currentWorkspace(ctx context.Context, _ CurrentWorkspaceArgs) (*mcp.CallToolResult, *CurrentWorkspaceResult, error) {
	w, source, err := s.current(ctx)
	if err != nil {
		return nil, nil, err
	}
	return nil, &CurrentWorkspaceResult{Workspace: workspaceOut(w), Source: source}, nil
}

func (s *Server) switchWorkspace(ctx context.Context, in SwitchWorkspaceArgs) (*mcp.CallToolResult, *CurrentWorkspaceResult, error) {
	ref := strings.TrimSpace(in.Workspace)
	if ref == "" || strings.EqualFold(ref, meetingintel.AllWorkspaces) {
		return nil, nil, meetingintel.Errorf(meetingintel.EINVALID, "Name one workspace to switch to (id, slug or name).")
	}
	w, err := s.store.CurrentWorkspace(meetingintel.NewContextWithWorkspace(ctx, ref))
	if err != nil {
		return nil, nil, err
	}
	p := auth.FromContext(ctx)
	if err := s.store.SetWorkspaceChoice(ctx, credentialKey(p), w.ID); err != nil {
		return nil, nil, err
	}
	return nil, &CurrentWorkspaceResult{Workspace: workspaceOut(w), Source: "switched"}, nil
}
