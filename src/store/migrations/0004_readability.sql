-- 0004: readability of each page's main content (textstat definitions, block-aware).
-- Append-only file.

ALTER TABLE page_text ADD COLUMN sentence_count INTEGER;
ALTER TABLE page_text ADD COLUMN syllable_count INTEGER;
ALTER TABLE page_text ADD COLUMN flesch_reading_ease REAL;
ALTER TABLE page_text ADD COLUMN flesch_kincaid_grade REAL;
ALTER TABLE page_text ADD COLUMN gunning_fog REAL;
ALTER TABLE page_text ADD COLUMN smog_index REAL;
ALTER TABLE page_text ADD COLUMN coleman_liau_index REAL;
ALTER TABLE page_text ADD COLUMN automated_readability_index REAL;
ALTER TABLE page_text ADD COLUMN dale_chall REAL;
-- 1 when the page has enough words for readability findings (rules/readability.toml min_words);
-- site medians and shares count only these pages.
ALTER TABLE page_text ADD COLUMN scored INTEGER NOT NULL DEFAULT 0;
-- 1 when a scored page's Flesch-Kincaid grade is above the rules' target grade.
ALTER TABLE page_text ADD COLUMN over_target INTEGER NOT NULL DEFAULT 0;
