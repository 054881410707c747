-- (Twin of SQLite's 022.) A source's meeting id is unique per workspace, not per instance: the
-- replaced system kept one database per workspace, so its exports reuse
-- meeting ids across workspaces, and one Teams meeting may be filed in two
-- clients' workspaces. Imports upsert within their workspace.
DROP INDEX meetings_source_id;
CREATE UNIQUE INDEX meetings_source_id ON meetings(workspace_id, source, source_meeting_id) WHERE source_meeting_id <> '';
