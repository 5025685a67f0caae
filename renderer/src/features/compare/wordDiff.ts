import { diffWordsWithSpace } from 'diff';

export interface DiffPiece {
  text: string;
  /** Present in this side only (removed from A, or added in B). */
  changed: boolean;
}

/** Beyond this many characters the diff is not attempted (a word diff is quadratic at worst). */
const MAX_CHARS = 60_000;

/**
 * A word diff of A against B, as the pieces of each side: A's pieces spell A exactly, B's spell B,
 * `changed` marks the words only that side has. Null when the texts are too long or too different
 * to diff quickly.
 */
export function wordDiff(a: string, b: string): { left: DiffPiece[]; right: DiffPiece[] } | null {
  if (a.length + b.length > MAX_CHARS) return null;
  // Similar texts diff in milliseconds; very different ones can take seconds and say little: give up early.
  const changes = diffWordsWithSpace(a, b, { timeout: 150 });
  if (!changes) return null;
  const left: DiffPiece[] = [];
  const right: DiffPiece[] = [];
  for (const c of changes) {
    if (c.added) right.push({ text: c.value, changed: true });
    else if (c.removed) left.push({ text: c.value, changed: true });
    else {
      left.push({ text: c.value, changed: false });
      right.push({ text: c.value, changed: false });
    }
  }
  return { left, right };
}
