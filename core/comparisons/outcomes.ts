import type { ComparisonKind, PairChoice, Strength } from '../../contract/comparisons';

/**
 * A label as pairwise outcomes between generations, with the side randomization undone through
 * the stored shown order (position → generation → model). The leaderboard and the exports both
 * read labels through this, so they agree on what a label means.
 *
 * - Pairwise: one outcome between position 0 (A, left) and position 1 (B, right). A → left
 *   preferred, B → right preferred, tie → half each. both_bad is kept as an outcome flagged
 *   `bothBad` (score ½) so exports can pair the correction against both outputs; the leaderboard
 *   leaves it out (see core/comparisons/leaderboard.ts).
 * - N-way: every pair of shown positions i < j, K(K−1)/2 outcomes: the better rank group wins,
 *   the same group is a tie.
 */

export interface OutcomeSide {
  position: number;
  generationId: number;
  modelId: number;
}

export interface PairOutcome {
  /** The earlier shown position (the left side on a pairwise task). */
  first: OutcomeSide;
  second: OutcomeSide;
  /** 1: first preferred, 0: second preferred, 0.5: tie (or both bad). */
  score: 1 | 0 | 0.5;
  bothBad: boolean;
  /** The export `margin`: strength slightly/clearly/much → 1/2/3; 0 for a tie; null when not given (and on N-way pairs). */
  margin: number | null;
}

export interface ExpandableLabel {
  kind: ComparisonKind;
  choice: PairChoice | null;
  strength: Strength | null;
  /** Rank group per shown position, 0 = best (N-way). */
  ranks: readonly number[] | null;
}

export const MARGIN: Record<Strength, number> = { slightly: 1, clearly: 2, much: 3 };

/** `outputs` in shown order (index = position). */
export function expandLabel(label: ExpandableLabel, outputs: readonly OutcomeSide[]): PairOutcome[] {
  if (label.kind === 'pair') {
    const [first, second] = outputs;
    if (!first || !second || label.choice === null) return [];
    switch (label.choice) {
      case 'A':
        return [{ first, second, score: 1, bothBad: false, margin: label.strength ? MARGIN[label.strength] : null }];
      case 'B':
        return [{ first, second, score: 0, bothBad: false, margin: label.strength ? MARGIN[label.strength] : null }];
      case 'tie':
        return [{ first, second, score: 0.5, bothBad: false, margin: 0 }];
      case 'both_bad':
        return [{ first, second, score: 0.5, bothBad: true, margin: null }];
    }
  }
  const ranks = label.ranks;
  if (!ranks) return [];
  const out: PairOutcome[] = [];
  for (let i = 0; i < outputs.length; i++) {
    for (let j = i + 1; j < outputs.length; j++) {
      const ri = ranks[outputs[i]!.position];
      const rj = ranks[outputs[j]!.position];
      if (ri === undefined || rj === undefined) continue;
      out.push({ first: outputs[i]!, second: outputs[j]!, score: ri < rj ? 1 : ri > rj ? 0 : 0.5, bothBad: false, margin: null });
    }
  }
  return out;
}
