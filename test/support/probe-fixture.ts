/**
 * Probe-suite rows without expanding a template or running a model: suites, probes (one prompt
 * each) with their variant values, generations with the check's verdict, and reviewers' overrules,
 * written straight into migration 0017's tables. For tests of what reads them (rates, the card,
 * sweep results); tests of expansion and checks make their rows through the engine instead.
 */
import type { Workspace } from '../../core/workspace/workspace';
import { addGeneration, addPrompt } from './review-fixtures';

export interface VariantSetSpec {
  name: string;
  /** In definition order: the first is the reference of the set's minimal-pair gaps. */
  values: string[];
}

export interface ProbeFixture {
  /** A suite written from `classId` (null: none), with its variant sets. */
  suite(name: string, classId: number | null, sets?: VariantSetSpec[]): number;
  /** A probe of the suite (and its prompt) with a value per variant set. */
  probe(suiteId: number, draw: number, variants?: Record<string, string>): number;
  /** A generation of the probe's prompt by the model at `shots`, and the check's verdict on it; returns the generation id. */
  check(probeId: number, modelId: number, shots: number, passed: boolean): number;
  /** `count` such checks, `failures` of them failed. */
  checks(probeId: number, modelId: number, shots: number, count: number, failures: number): void;
  /** A reviewer's live overrule of the check on a generation; returns its id. */
  overrule(generationId: number, reviewerId: number, passed: boolean): number;
  /** Soft-deletes an overrule (undo). */
  undoOverrule(id: number): void;
}

export function probeFixture(ws: Workspace): ProbeFixture {
  const db = ws.writer;
  const now = Date.now();
  const probeSuite = new Map<number, number>();
  const probePrompt = new Map<number, number>();
  const checkedProbe = new Map<number, number>();
  let prompts = 0;
  return {
    suite(name, classId, sets = []) {
      const variantSets = JSON.stringify(sets.map((s) => ({ name: s.name, values: s.values.map((value) => ({ value })) })));
      const definition = JSON.stringify({ name, template: 'Q: {x}\nA:', variantSets: JSON.parse(variantSets) as unknown });
      return Number(
        db
          .prepare('INSERT INTO probe_suites (name, failure_class_id, definition, variant_sets, seed, created_at, updated_at) VALUES (?, ?, ?, ?, 7, ?, ?)')
          .run(name, classId, definition, variantSets, now, now).lastInsertRowid,
      );
    },
    probe(suiteId, draw, variants = {}) {
      const label = Object.values(variants).join('+') || 'plain';
      const seq = addPrompt(ws, `probe/${suiteId}/${draw}/${label}/${prompts++}`, `Q: probe ${draw} (${label})\nA:`);
      const id = Number(
        db.prepare("INSERT INTO probes (suite_id, prompt_seq, draw, expected, check_spec) VALUES (?, ?, ?, '12', '{\"kind\":\"numeric\",\"tolerance\":0}')").run(suiteId, seq, draw)
          .lastInsertRowid,
      );
      for (const [set, value] of Object.entries(variants)) db.prepare('INSERT INTO probe_variants (probe_id, set_name, value) VALUES (?, ?, ?)').run(id, set, value);
      probeSuite.set(id, suiteId);
      probePrompt.set(id, seq);
      return id;
    },
    check(probeId, modelId, shots, passed) {
      const generationId = addGeneration(ws, { promptSeq: probePrompt.get(probeId)!, modelId, output: passed ? '12' : '13' });
      db.prepare(
        "INSERT INTO probe_check_results (generation_id, probe_id, suite_id, model_id, shots, kind, passed, detail, checked_at) VALUES (?, ?, ?, ?, ?, 'numeric', ?, '', ?)",
      ).run(generationId, probeId, probeSuite.get(probeId)!, modelId, shots, passed ? 1 : 0, now);
      checkedProbe.set(generationId, probeId);
      return generationId;
    },
    checks(probeId, modelId, shots, count, failures) {
      db.transaction(() => {
        for (let i = 0; i < count; i++) this.check(probeId, modelId, shots, i >= failures);
      })();
    },
    overrule(generationId, reviewerId, passed) {
      return Number(
        db
          .prepare("INSERT INTO probe_overrules (generation_id, probe_id, reviewer_id, passed, rationale, created_at) VALUES (?, ?, ?, ?, 'the check misread it', ?)")
          .run(generationId, checkedProbe.get(generationId)!, reviewerId, passed ? 1 : 0, now).lastInsertRowid,
      );
    },
    undoOverrule(id) {
      db.prepare('UPDATE probe_overrules SET deleted_at = ? WHERE id = ?').run(now, id);
    },
  };
}
