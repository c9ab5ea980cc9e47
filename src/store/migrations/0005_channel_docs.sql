-- 0005: the text of each non-web channel (kb CSV, publication) as read at crawl time, so audits
-- are recomputed from the database alone. Append-only file.

CREATE TABLE channel_docs (
    site_id      INTEGER PRIMARY KEY REFERENCES sites(id),
    run_id       INTEGER NOT NULL REFERENCES runs(id),
    path         TEXT NOT NULL,
    format       TEXT NOT NULL,
    body         BLOB,
    error        TEXT
);
