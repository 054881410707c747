package api

import (
	"net/http"
	"strconv"

	"github.com/meetingintel/meetingintel"
)

// Workspaces over REST (DESIGN §12): every data route takes ?workspace=
// (id, slug or name, any case, or "all" for reads), applied in handler;
// /api/workspaces lists the caller's; /api/admin/workspaces... is for org
// admins, and for a workspace's chairs where it concerns its members.

// workspaceOut is a workspace as the API returns it.
type workspaceOut struct {
	ID       int64  `json:"id"`
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	Role     string `json:"role,omitempty"`
	Default  bool   `json:"default"`
	Archived bool   `json:"archived"`
}

func toWorkspace(w *meetingintel.Workspace) workspaceOut {
	return workspaceOut{ID: w.ID, Slug: w.Slug, Name: w.Name, Role: string(w.Role), Default: w.Default, Archived: w.Archived()}
}

// listWorkspaces answers GET /api/workspaces: the caller's workspaces
// (GET /api/admin/workspaces: every one, for an org admin).
func (s *Server) listWorkspaces(mine bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !mine && !callerFrom(r.Context()).user.Admin {
			return meetingintel.Errorf(meetingintel.EFORBIDDEN, "Only an org admin may list every workspace.")
		}
		ws, err := s.store.FindWorkspaces(r.Context())
		if err != nil {
			return err
		}
		out := []workspaceOut{}
		for _, x := range ws {
			if !mine || x.Role != "" {
				out = append(out, toWorkspace(x))
			}
		}
		writeJSON(w, http.StatusOK, struct {
			Items []workspaceOut `json:"items"`
		}{out})
		return nil
	}
}

// workspaceInput is the body of POST /api/admin/workspaces.
type workspaceInput struct {
	Name string `json:"name"`
	Slug string `json:"slug"`
}

func (s *Server) createWorkspace(w http.ResponseWriter, r *http.Request) error {
	var in workspaceInput
	if err := decodeJSON(w, r, 64<<10, &in); err != nil {
		return err
	}
	ws := &meetingintel.Workspace{Name: in.Name, Slug: in.Slug}
	if err := s.store.CreateWorkspace(r.Context(), ws); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toWorkspace(ws))
	return nil
}

// workspacePatch is the body of PATCH /api/admin/workspaces/{id}.
type workspacePatch struct {
	Archived *bool `json:"archived"`
}

func (s *Server) patchWorkspace(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "Workspace")
	if err != nil {
		return err
	}
	var in workspacePatch
	if err := decodeJSON(w, r, 64<<10, &in); err != nil {
		return err
	}
	if in.Archived == nil {
		return invalid("archived", "Send {\"archived\": true} to archive, false to restore.")
	}
	if err := s.store.SetWorkspaceArchived(r.Context(), id, *in.Archived); err != nil {
		return err
	}
	ws, err := s.store.FindWorkspace(r.Context(), strconv.FormatInt(id, 10))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWorkspace(ws))
	return nil
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "Workspace")
	if err != nil {
		return err
	}
	ms, err := s.store.FindMembers(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Items []*meetingintel.Member `json:"items"`
	}{ms})
	return nil
}

// memberInput is the body of PUT /api/admin/workspaces/{id}/members.
type memberInput struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

func (s *Server) putMember(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "Workspace")
	if err != nil {
		return err
	}
	var in memberInput
	if err := decodeJSON(w, r, 64<<10, &in); err != nil {
		return err
	}
	m, err := s.store.SetMember(r.Context(), id, in.Email, meetingintel.Role(in.Role))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) deleteMember(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "Workspace")
	if err != nil {
		return err
	}
	uid, err := strconv.ParseInt(r.PathValue("user_id"), 10, 64)
	if err != nil || uid <= 0 {
		return meetingintel.Errorf(meetingintel.ENOTFOUND, "User %q not found: ids are positive whole numbers.", r.PathValue("user_id"))
	}
	if err := s.store.RemoveMember(r.Context(), id, uid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
