-- 0003: what the audits measured on each page's main content (template removed). Append-only file.

CREATE TABLE page_text (
    url_id       INTEGER PRIMARY KEY REFERENCES urls(id),
    run_id       INTEGER NOT NULL REFERENCES runs(id),
    word_count   INTEGER NOT NULL,
    content_hash TEXT NOT NULL
);
