-- The oversight schema at version 1, exactly as version 1 created it (frozen: never edit).
-- Used by tests/test_schema.py to check that a version 1 database still opens and upgrades.

CREATE TABLE "case_reviews" (
   "incident_ref" TEXT PRIMARY KEY,
   "workstream" TEXT NOT NULL,
   "recorded_on" TEXT NOT NULL,
   "needs_review" INTEGER NOT NULL,
   "review_status" TEXT,
   "reviewed_on" TEXT,
   "ncrs_compliant" INTEGER,
   "referral_required" INTEGER,
   "referral_sent" INTEGER,
   "import_id" INTEGER
);

CREATE INDEX "idx_case_reviews_workstream_recorded_on"
    ON "case_reviews" ("workstream", "recorded_on");

CREATE INDEX idx_case_reviews_reviewed ON case_reviews (workstream, reviewed_on) WHERE review_status = 'reviewed';

CREATE TABLE "data_returns" (
   "dataset" TEXT,
   "period" TEXT,
   "due_on" TEXT NOT NULL,
   "status" TEXT NOT NULL,
   "submitted_on" TEXT,
   "notes" TEXT,
   "import_id" INTEGER,
   PRIMARY KEY ("dataset", "period")
);

CREATE TABLE "deadlines" (
   "title" TEXT PRIMARY KEY,
   "due_on" TEXT NOT NULL,
   "category" TEXT,
   "owner" TEXT,
   "status" TEXT NOT NULL,
   "done_on" TEXT,
   "import_id" INTEGER
);

CREATE TABLE "imports" (
   "id" INTEGER PRIMARY KEY,
   "kind" TEXT NOT NULL,
   "file_name" TEXT NOT NULL,
   "sha256" TEXT NOT NULL,
   "rows_read" INTEGER,
   "inserted" INTEGER,
   "updated" INTEGER,
   "unchanged" INTEGER,
   "not_in_file" INTEGER,
   "imported_by" TEXT,
   "imported_at" TEXT NOT NULL,
   "extract_as_of" TEXT
);

CREATE INDEX "idx_imports_kind_id"
    ON "imports" ("kind", "id");

CREATE TABLE "audit_log" (
   "id" INTEGER PRIMARY KEY,
   "at" TEXT NOT NULL,
   "user_id" TEXT,
   "channel_id" TEXT,
   "command" TEXT,
   "text" TEXT,
   "outcome" TEXT NOT NULL,
   "detail" TEXT
);

CREATE INDEX "idx_audit_log_at"
    ON "audit_log" ("at");

PRAGMA user_version = 1;
