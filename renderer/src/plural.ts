/**
 * "1 prompt", "2 prompts", "1,234 train rows": one helper so no view says "1 train rows".
 * `word` is the singular; `many` the plural when adding an "s" is wrong (“1 reply”, “2 replies”).
 */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? word : many}`;
}
