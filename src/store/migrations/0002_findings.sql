-- 0002: findings, recomputed by `govaudit audit` from stored pages. Append-only file.

CREATE TABLE findings (
    id       INTEGER PRIMARY KEY,
    run_id   INTEGER NOT NULL REFERENCES runs(id),
    kind     TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
    site     TEXT NOT NULL,
    url      TEXT NOT NULL,
    target   TEXT,
    message  TEXT NOT NULL,
    data     TEXT NOT NULL
);
CREATE INDEX findings_run_kind ON findings (run_id, kind);

-- When the findings of a run were last computed (null: never audited).
ALTER TABLE runs ADD COLUMN audited_at TEXT;
