/**
 * Which generations go into comparison tasks, and the order they are shown in. Everything random
 * here comes from a PRNG seeded by the caller's seed and a key (the prompt, or the task's set), so
 * the same request makes the same tasks, whatever else was made before or is made with it.
 */

export interface Candidate {
  id: number;
  model_id: number;
}

/** mulberry32 over a seed mixed with a string key (FNV-1a): a fast, well-spread 32-bit stream in [0, 1). */
export function rngFor(seed: number, key: string): () => number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= Math.imul((seed / 0x1_0000_0000) >>> 0, 0x9e3779b1);
  let state = h >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** A Fisher–Yates shuffle (a new array). */
export function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export const setKey = (ids: readonly number[]): string => [...ids].sort((a, b) => a - b).join(',');
const modelPairKey = (a: number, b: number): string => (a <= b ? `${a},${b}` : `${b},${a}`);

/**
 * Every unordered pair of the prompt's generations, in id order, leaving out sets already made
 * and, `acrossModelsOnly`, pairs of two outputs of one model.
 */
export function allPairs(gens: readonly Candidate[], existing: ReadonlySet<string>, acrossModelsOnly = false): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < gens.length; i++) {
    for (let j = i + 1; j < gens.length; j++) {
      if (acrossModelsOnly && gens[i]!.model_id === gens[j]!.model_id) continue;
      const pair = [gens[i]!.id, gens[j]!.id];
      if (!existing.has(setKey(pair))) out.push(pair);
    }
  }
  return out;
}

/** How often each model, and each pair of models, appears in the design so far (kept up to date by the pickers). */
export interface DesignCounts {
  models: Map<number, number>;
  pairs: Map<string, number>;
}

function count(counts: DesignCounts, models: readonly number[]): void {
  for (const m of models) counts.models.set(m, (counts.models.get(m) ?? 0) + 1);
  for (let i = 0; i < models.length; i++) {
    for (let j = i + 1; j < models.length; j++) {
      const key = modelPairKey(models[i]!, models[j]!);
      counts.pairs.set(key, (counts.pairs.get(key) ?? 0) + 1);
    }
  }
}

/** Lexicographic comparison of score tuples. */
function less(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/**
 * `want` new pairs for one prompt, chosen greedily so model pairs are compared about equally
 * across the whole design: each pick takes the pair of generations that is, in order, of two
 * different models (a model against itself tells the leaderboard nothing), of the model pair met
 * least so far, of the models seen least so far, of generations this prompt has used least, and
 * otherwise a seeded coin. `counts` is updated with the picks.
 */
export function balancedPairs(
  gens: readonly Candidate[],
  want: number,
  existing: ReadonlySet<string>,
  counts: DesignCounts,
  rand: () => number,
  acrossModelsOnly = false,
): number[][] {
  const candidates = [];
  for (let i = 0; i < gens.length; i++) {
    for (let j = i + 1; j < gens.length; j++) {
      const a = gens[i]!;
      const b = gens[j]!;
      if (acrossModelsOnly && a.model_id === b.model_id) continue;
      if (!existing.has(setKey([a.id, b.id]))) candidates.push({ a, b, tiebreak: rand() });
    }
  }
  const used = new Map<number, number>();
  const picks: number[][] = [];
  while (picks.length < want && candidates.length > 0) {
    let best = -1;
    let bestScore: number[] = [];
    candidates.forEach((c, index) => {
      const score = [
        c.a.model_id === c.b.model_id ? 1 : 0,
        counts.pairs.get(modelPairKey(c.a.model_id, c.b.model_id)) ?? 0,
        (counts.models.get(c.a.model_id) ?? 0) + (counts.models.get(c.b.model_id) ?? 0),
        (used.get(c.a.id) ?? 0) + (used.get(c.b.id) ?? 0),
        c.tiebreak,
      ];
      if (best < 0 || less(score, bestScore)) {
        best = index;
        bestScore = score;
      }
    });
    const [c] = candidates.splice(best, 1);
    picks.push([c!.a.id, c!.b.id]);
    count(counts, [c!.a.model_id, c!.b.model_id]);
    used.set(c!.a.id, (used.get(c!.a.id) ?? 0) + 1);
    used.set(c!.b.id, (used.get(c!.b.id) ?? 0) + 1);
  }
  return picks;
}

/**
 * One N-way set of up to `k` of a prompt's generations, picked one at a time: a model not yet in
 * the set first, then the models that met the set's models least, then the models seen least in
 * the design, then generations this prompt used least, then a seeded coin.
 */
function pickSet(gens: readonly Candidate[], k: number, counts: DesignCounts, used: ReadonlyMap<number, number>, rand: () => number): Candidate[] {
  const chosen: Candidate[] = [];
  const left = [...gens];
  while (chosen.length < k && left.length > 0) {
    let best = -1;
    let bestScore: number[] = [];
    left.forEach((c, index) => {
      const score = [
        chosen.some((x) => x.model_id === c.model_id) ? 1 : 0,
        chosen.reduce((sum, x) => sum + (counts.pairs.get(modelPairKey(x.model_id, c.model_id)) ?? 0), 0),
        counts.models.get(c.model_id) ?? 0,
        used.get(c.id) ?? 0,
        rand(),
      ];
      if (best < 0 || less(score, bestScore)) {
        best = index;
        bestScore = score;
      }
    });
    chosen.push(left.splice(best, 1)[0]!);
  }
  return chosen;
}

/**
 * `want` new N-way sets of min(k, n) generations for one prompt (n ≥ 3), balanced across models
 * as `pickSet` says. A set already made is not made again; with `retry`, a few extra draws look
 * for another (without, a request repeated with the same seed draws the same set and stops).
 * `counts` is updated with the picks.
 */
export function rankSets(
  gens: readonly Candidate[],
  k: number,
  want: number,
  existing: ReadonlySet<string>,
  counts: DesignCounts,
  rand: () => number,
  retry: boolean,
): number[][] {
  if (gens.length < 3) return [];
  const size = Math.min(k, gens.length);
  const made = new Set(existing);
  const used = new Map<number, number>();
  const picks: number[][] = [];
  for (let attempt = 0; picks.length < want && attempt < want * (retry ? 4 : 1); attempt++) {
    const set = pickSet(gens, size, counts, used, rand);
    const ids = set.map((c) => c.id);
    const key = setKey(ids);
    if (made.has(key)) continue;
    made.add(key);
    picks.push(ids);
    count(counts, set.map((c) => c.model_id));
    for (const id of ids) used.set(id, (used.get(id) ?? 0) + 1);
  }
  return picks;
}

export const emptyCounts = (): DesignCounts => ({ models: new Map(), pairs: new Map() });
