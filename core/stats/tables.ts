/**
 * Per-pair tables for the leaderboard: how often each pair was compared and each side's share.
 */
import type { PairCount } from './bradley-terry';

export interface PairTables {
  /**
   * winRate[i][j]: share of the i-vs-j comparisons that i won, ties counting half
   * ((wins_i + ties/2) / comparisons); null when the pair was never compared (and on the diagonal).
   * winRate[i][j] + winRate[j][i] = 1 wherever both are defined.
   */
  winRate: (number | null)[][];
  /** counts[i][j] = counts[j][i]: comparisons between i and j (ties included); 0 on the diagonal. */
  counts: number[][];
  /** wins[i][j]: comparisons i won against j (ties excluded). */
  wins: number[][];
  /** ties[i][j] = ties[j][i]. */
  ties: number[][];
  /** Comparisons per player. */
  games: number[];
}

/** Dense N×N tables from the sparse pair counts (a pair listed twice, in either order, is summed). */
export function pairTables(players: number, pairs: readonly PairCount[]): PairTables {
  if (!Number.isInteger(players) || players < 0) throw new RangeError(`players must be a non-negative integer, got ${players}`);
  const zeros = () => Array.from({ length: players }, () => new Array<number>(players).fill(0));
  const wins = zeros();
  const ties = zeros();
  const counts = zeros();
  const games = new Array<number>(players).fill(0);
  for (const p of pairs) {
    if (p.i === p.j || !(p.i >= 0 && p.i < players && p.j >= 0 && p.j < players)) {
      throw new RangeError(`invalid pair ${p.i}, ${p.j} (players: ${players})`);
    }
    const n = p.winsI + p.winsJ + p.ties;
    wins[p.i]![p.j]! += p.winsI;
    wins[p.j]![p.i]! += p.winsJ;
    ties[p.i]![p.j]! += p.ties;
    ties[p.j]![p.i]! += p.ties;
    counts[p.i]![p.j]! += n;
    counts[p.j]![p.i]! += n;
    games[p.i]! += n;
    games[p.j]! += n;
  }
  const winRate = counts.map((row, i) =>
    row.map((n, j) => (n > 0 ? (wins[i]![j]! + ties[i]![j]! / 2) / n : null)),
  );
  return { winRate, counts, wins, ties, games };
}
