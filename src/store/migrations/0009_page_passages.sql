-- 0009: each compared page's passage hashes (every run of `passage_words` words, 4 bytes each,
-- little-endian, in text order), kept beside its page-pass result. The audit holds only the
-- sampled ones in memory (the duplicate index's) and reads the rest when it measures a pair,
-- so its memory does not grow with every word of every page. Null for pages not compared.
-- Append-only file.

ALTER TABLE page_audit ADD COLUMN passages BLOB;
