import type { Migration } from '../migration';

/**
 * Probe suites (issue 11; the format is docs/PROBES.md). A suite is a probe template with
 * variables and variant sets, written from a failure class; expanding it (seeded, deterministic)
 * makes one prompt per draw × combination of variant values, tagged `suite:<name>`. Each such
 * prompt is a probe, with its expected answer and check, and its variant values in probe_variants
 * (the minimal-pair key: probes with the same `draw` differ only in their variants).
 *
 * A check's verdict on a generation lives in probe_check_results, beside the reviewers' labels
 * (never in them). A reviewer who disagrees with a check overrules it (probe_overrules, one live
 * overrule per generation and probe; undo soft-deletes it). probe_verdicts is the verdict every
 * figure counts: the live overrule where there is one, else the check's.
 *
 * probe_check_results carries the suite, model and shots of its generation (all fixed once the
 * generation exists) so that failure rates over a million checks are one scan of one table.
 */
export const migration: Migration = {
  version: 17,
  name: 'probes',
  up(db) {
    db.exec(`
      CREATE TABLE probe_suites (
        id               INTEGER PRIMARY KEY,
        name             TEXT NOT NULL,
        failure_class_id INTEGER REFERENCES failure_classes(id),
        description      TEXT NOT NULL DEFAULT '',
        -- The definition as saved (docs/PROBES.md), canonical JSON; the columns below repeat parts of it.
        definition       TEXT NOT NULL CHECK (json_valid(definition)),
        -- [{ "name": set, "values": [{ "value": v, ... }] }] in the definition's order: a set's first value is the reference of its minimal-pair gaps.
        variant_sets     TEXT NOT NULL CHECK (json_valid(variant_sets)),
        seed             INTEGER NOT NULL,
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL,
        deleted_at       INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX probe_suites_live_name ON probe_suites(name COLLATE NOCASE) WHERE deleted_at IS NULL;

      CREATE TABLE probes (
        id          INTEGER PRIMARY KEY,
        suite_id    INTEGER NOT NULL REFERENCES probe_suites(id),
        prompt_seq  INTEGER NOT NULL REFERENCES prompts(seq),
        -- The draw of the suite's variables this probe renders; probes of one draw are minimal pairs.
        draw        INTEGER NOT NULL CHECK (draw >= 0),
        -- The expected answer as rendered for this probe ('' where the check needs none).
        expected    TEXT NOT NULL,
        -- The check as JSON: { "kind": "exact" | "contains" | "regex" | "numeric" | "json" | "choice", ... }.
        check_spec  TEXT NOT NULL CHECK (json_valid(check_spec)),
        UNIQUE (suite_id, prompt_seq)
      ) STRICT;
      CREATE INDEX probes_by_prompt ON probes(prompt_seq);

      CREATE TABLE probe_variants (
        probe_id INTEGER NOT NULL REFERENCES probes(id),
        set_name TEXT NOT NULL,
        value    TEXT NOT NULL,
        PRIMARY KEY (probe_id, set_name)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE probe_check_results (
        generation_id INTEGER NOT NULL REFERENCES generations(id),
        probe_id      INTEGER NOT NULL REFERENCES probes(id),
        suite_id      INTEGER NOT NULL REFERENCES probe_suites(id),
        model_id      INTEGER NOT NULL REFERENCES models(id),
        shots         INTEGER NOT NULL CHECK (shots >= 0),
        kind          TEXT NOT NULL,
        passed        INTEGER NOT NULL CHECK (passed IN (0, 1)),
        -- What the check found, for people: "found 12, expected 12".
        detail        TEXT NOT NULL DEFAULT '',
        checked_at    INTEGER NOT NULL,
        PRIMARY KEY (generation_id, probe_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX probe_check_results_by_suite ON probe_check_results(suite_id, model_id, shots, passed);
      CREATE INDEX probe_check_results_by_probe ON probe_check_results(probe_id);

      CREATE TABLE probe_overrules (
        id            INTEGER PRIMARY KEY,
        generation_id INTEGER NOT NULL REFERENCES generations(id),
        probe_id      INTEGER NOT NULL REFERENCES probes(id),
        reviewer_id   INTEGER NOT NULL REFERENCES reviewers(id),
        passed        INTEGER NOT NULL CHECK (passed IN (0, 1)),
        rationale     TEXT NOT NULL DEFAULT '',
        created_at    INTEGER NOT NULL,
        deleted_at    INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX probe_overrules_live ON probe_overrules(generation_id, probe_id) WHERE deleted_at IS NULL;

      CREATE VIEW probe_verdicts AS
        SELECT r.generation_id, r.probe_id, r.suite_id, r.model_id, r.shots, r.kind,
               coalesce(o.passed, r.passed) AS passed,
               r.passed AS check_passed,
               CASE WHEN o.id IS NULL THEN 'check' ELSE 'overrule' END AS source
        FROM probe_check_results r
        LEFT JOIN probe_overrules o ON o.generation_id = r.generation_id AND o.probe_id = r.probe_id AND o.deleted_at IS NULL;
    `);
  },
};
