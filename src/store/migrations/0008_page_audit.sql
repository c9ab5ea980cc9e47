-- 0008: what the page pass of the audit found on each page, kept so that a re-audit reads again
-- only the pages whose body, site template or rules changed. Append-only file.

CREATE TABLE page_audit (
    url_id    INTEGER PRIMARY KEY REFERENCES urls(id),
    -- The body it was read from (pages.body_hash).
    body_hash TEXT NOT NULL,
    -- Hash of what else shaped the result before the template was known: the program, the
    -- rules, the inventory's names, and whether the page was a "not found" page.
    program   TEXT NOT NULL,
    -- Hash of the page's template and shared blocks and of anything else read across pages.
    context   TEXT NOT NULL,
    -- The page's block keys before its site's template was removed (16 bytes each: each block's
    -- lower-case text hashed), then as many exact keys (each block as written, with its kind).
    keys      BLOB NOT NULL,
    -- The result, deflate-compressed JSON (see audit/page_pass.rs).
    result    BLOB NOT NULL
);

-- The blocks of text several pages of a site share, as the audit checked them once for all
-- those pages: `id` names the block and what checking it depended on, `result` is JSON.
CREATE TABLE block_audit (
    id     TEXT PRIMARY KEY,
    result TEXT NOT NULL
) WITHOUT ROWID;

-- Findings an audit in progress has sent ahead (the page pass's, site by site): moved into
-- `findings`, in output order, when the audit ends; emptied when one starts.
CREATE TABLE findings_staged (
    id       INTEGER PRIMARY KEY,
    kind     TEXT NOT NULL,
    severity TEXT NOT NULL,
    site     TEXT NOT NULL,
    url      TEXT NOT NULL,
    target   TEXT,
    message  TEXT NOT NULL,
    data     TEXT NOT NULL
);
