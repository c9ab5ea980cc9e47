-- 0012: the meta refreshes among the links, by page. The links audit asks of every 200 page
-- whether it sends the reader on; without this index SQLite walked all of the page's links to
-- find out (1.5 s of a 100,000-page audit, for a handful of refreshes). Partial: it holds only
-- the refreshes, so the crawl's bulk loads do not pay for it. Append-only file.

CREATE INDEX links_refresh ON links (from_id) WHERE kind = 'refresh';
