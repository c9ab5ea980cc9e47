-- 0007: what a page is, and which URLs a sitemap lists. Append-only file.

-- Why a fetched text/html answer is not a page page-level audits judge (JSON or XML served as
-- HTML, a directory listing, a verification file, a redirect stub, an empty body, a "not found"
-- page, the same page under another query string); null for a page.
ALTER TABLE page_text ADD COLUMN not_a_page TEXT;

-- 1 when one of the site's sitemaps lists the URL (whatever found it first).
ALTER TABLE urls ADD COLUMN in_sitemap INTEGER NOT NULL DEFAULT 0;
