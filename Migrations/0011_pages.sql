-- Pages for people. `embed_origins`: the sites that may frame a program's embed pages (CSP frame-ancestors), sorted.
-- `viewer_epoch`: viewer tokens carry the epoch they were issued in; revoking them all moves it on.
ALTER TABLE programs ADD COLUMN embed_origins text[] NOT NULL DEFAULT '{}';
ALTER TABLE programs ADD COLUMN viewer_epoch integer NOT NULL DEFAULT 0;
