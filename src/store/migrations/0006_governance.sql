-- 0006: what the governance and consolidation audits need beyond pages. Append-only file.

-- The inventory row as written: a JSON array of [header, value] pairs in file order.
ALTER TABLE sites ADD COLUMN inventory_row TEXT;

-- The Strict-Transport-Security header of each fetched page (null: not sent).
ALTER TABLE pages ADD COLUMN hsts TEXT;

-- The site's /sitemap.xml (or first Sitemap: line) as fetched when the site was seeded:
-- HTTP status, URLs listed (sitemap indexes followed), why it could not be read.
ALTER TABLE sites ADD COLUMN sitemap_url TEXT;
ALTER TABLE sites ADD COLUMN sitemap_status INTEGER;
ALTER TABLE sites ADD COLUMN sitemap_urls INTEGER;
ALTER TABLE sites ADD COLUMN sitemap_error TEXT;

-- Per site and audited run: governance rule counts and the consolidation recommendation with
-- its evidence (JSON), written by `govaudit audit` with the findings.
CREATE TABLE site_audit (
    site_id            INTEGER NOT NULL REFERENCES sites(id),
    run_id             INTEGER NOT NULL REFERENCES runs(id),
    governance_passed  INTEGER NOT NULL,
    governance_failed  INTEGER NOT NULL,
    governance_skipped INTEGER NOT NULL,
    recommendation     TEXT NOT NULL CHECK (recommendation IN ('keep', 'fix', 'merge', 'retire')),
    merge_into         TEXT,
    evidence           TEXT NOT NULL,
    figures            TEXT NOT NULL,
    PRIMARY KEY (site_id, run_id)
) WITHOUT ROWID;
