-- 0011: what a re-audit needs of a kept page result before the page's site template is known
-- (whether it is a page and its governance signals, JSON), apart from the rest of the result:
-- reading it no longer inflates and scans the whole result, which is read once, later, for the
-- pages whose context is unchanged. Null in rows kept by earlier builds (never reused: the
-- program hash names the build). `sample`: a compared page's sampled passage hashes (4 bytes
-- each, little-endian), taken out of `result`, where they were base64 inside compressed JSON
-- (most of its bytes; random hashes do not compress). Append-only file.

ALTER TABLE page_audit ADD COLUMN head BLOB;
ALTER TABLE page_audit ADD COLUMN sample BLOB;
