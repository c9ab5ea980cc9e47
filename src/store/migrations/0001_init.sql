-- 0001: the crawl foundation. Append-only: never edit this file once shipped; add 0002_*.sql.

CREATE TABLE runs (
    id           INTEGER PRIMARY KEY,
    inventory    TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    status       TEXT NOT NULL CHECK (status IN ('running', 'finished')),
    settings     TEXT NOT NULL
);

CREATE TABLE sites (
    id             INTEGER PRIMARY KEY,
    origin         TEXT NOT NULL UNIQUE,
    start_url      TEXT,
    channel        TEXT NOT NULL DEFAULT 'web',
    path           TEXT,
    name           TEXT,
    agency         TEXT,
    office         TEXT,
    owner          TEXT,
    topics         TEXT,
    audiences      TEXT,
    extra          TEXT,
    inventory_line INTEGER,
    run_id         INTEGER REFERENCES runs(id),
    robots_status  INTEGER,
    robots_txt     TEXT,
    robots_error   TEXT,
    seeded_run     INTEGER
);

CREATE TABLE site_aliases (
    origin  TEXT PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites(id)
) WITHOUT ROWID;

CREATE TABLE urls (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL UNIQUE,
    site_id         INTEGER REFERENCES sites(id),
    depth           INTEGER NOT NULL,
    state           INTEGER NOT NULL,
    reason          TEXT,
    found_via       TEXT NOT NULL,
    redirect_depth  INTEGER NOT NULL DEFAULT 0,
    sitemap_lastmod TEXT
);
CREATE INDEX urls_queue ON urls (site_id, depth, id) WHERE state = 1;

CREATE TABLE pages (
    url_id        INTEGER PRIMARY KEY REFERENCES urls(id),
    run_id        INTEGER NOT NULL REFERENCES runs(id),
    method        TEXT NOT NULL,
    status        INTEGER,
    final_url     TEXT,
    content_type  TEXT,
    size          INTEGER,
    fetched_at    TEXT NOT NULL,
    fetch_ms      INTEGER NOT NULL,
    attempts      INTEGER NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    body_hash     TEXT,
    title         TEXT,
    charset       TEXT,
    truncated     INTEGER NOT NULL DEFAULT 0,
    error         TEXT
);
CREATE INDEX pages_run ON pages (run_id);

CREATE TABLE bodies (
    url_id   INTEGER PRIMARY KEY REFERENCES urls(id),
    encoding TEXT NOT NULL,
    body     BLOB NOT NULL
);

CREATE TABLE links (
    from_id  INTEGER NOT NULL REFERENCES urls(id),
    position INTEGER NOT NULL,
    to_id    INTEGER NOT NULL REFERENCES urls(id),
    kind     TEXT NOT NULL,
    anchor   TEXT,
    rel      TEXT,
    fragment TEXT,
    PRIMARY KEY (from_id, position)
) WITHOUT ROWID;
-- Dropped while a crawl bulk-loads and rebuilt when its writer closes (store/writer.rs).
CREATE INDEX links_to ON links (to_id);

CREATE TABLE redirects (
    url_id   INTEGER NOT NULL REFERENCES urls(id),
    hop      INTEGER NOT NULL,
    from_url TEXT NOT NULL,
    to_url   TEXT NOT NULL,
    status   INTEGER NOT NULL,
    PRIMARY KEY (url_id, hop)
) WITHOUT ROWID;

CREATE TABLE fetch_errors (
    id      INTEGER PRIMARY KEY,
    url_id  INTEGER NOT NULL REFERENCES urls(id),
    run_id  INTEGER NOT NULL REFERENCES runs(id),
    attempt INTEGER NOT NULL,
    at      TEXT NOT NULL,
    kind    TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX fetch_errors_url ON fetch_errors (url_id);
