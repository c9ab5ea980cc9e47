-- 0010: what an audit measured on each page, sent ahead while the audit runs (as findings are, to
-- `findings_staged`): the audit's end moves the rows into `page_text`. Append-only file.

CREATE TABLE page_text_staged (
    url_id                      INTEGER NOT NULL,
    word_count                  INTEGER NOT NULL,
    content_hash                TEXT NOT NULL,
    sentence_count              INTEGER,
    syllable_count              INTEGER,
    flesch_reading_ease         REAL,
    flesch_kincaid_grade        REAL,
    gunning_fog                 REAL,
    smog_index                  REAL,
    coleman_liau_index          REAL,
    automated_readability_index REAL,
    dale_chall                  REAL,
    scored                      INTEGER,
    over_target                 INTEGER,
    not_a_page                  TEXT
);
