-- 0011: `page_audit` anew, its columns in the order a re-audit reads them, the passage hashes
-- (the largest, read only when the duplicate audit measures a pair) last: SQLite walks a row's
-- overflow pages in column order, and columns added after `passages` were reached through all of
-- them. Its rows are dropped: a row kept by an earlier build is never reused (the program hash
-- names the build), so the first audit after the upgrade reads every page, as it would anyway.
-- Append-only file.

DROP TABLE page_audit;

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
    -- What a re-audit reads of the result before the site's template is known: whether the
    -- answer is a page, and its governance signals (JSON).
    head      BLOB NOT NULL,
    -- The rest of the result, the page's measurement: deflate-compressed JSON (see
    -- audit/page_pass.rs); empty when the head says it all.
    result    BLOB NOT NULL,
    -- A compared page's sampled passage hashes (4 bytes each, little-endian): out of `result`,
    -- where they were base64 (most of its bytes; random hashes do not compress).
    sample    BLOB,
    -- Each compared page's passage hashes (every run of `passage_words` words, 4 bytes each,
    -- little-endian, in text order). Null for pages not compared.
    passages  BLOB
);
