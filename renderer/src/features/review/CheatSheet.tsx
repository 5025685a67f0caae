import { CheatSheet as CheatSheetShell, type CheatSheetGroup } from '../../components/CheatSheet';

const GROUPS: CheatSheetGroup[] = [
  {
    title: 'Queue',
    keys: [
      ['J  ↓', 'Next item'],
      ['K  ↑', 'Previous item'],
      ['↵', 'Submit and go to the next item (the bar above the ratings names the item keys act on)'],
      ['/', 'Filters'],
      ['G', 'Guidelines panel'],
      ['L', 'In a session: skip the item (not handed to you again unless you revisit your skipped items)'],
    ],
  },
  {
    title: 'Ratings',
    keys: [
      ['1 … 7', 'Rate the highlighted row, then highlight the next (the verdict last)'],
      ['←  →', 'Highlight the previous / next row without rating it (to change a rating)'],
      ['P  F', 'Pass / fail (also 1 / 0)'],
      ['1  2  3', 'Verdict: bad, acceptable, good'],
      ['⌫', 'Clear the highlighted rating'],
      ['C', 'Comment'],
    ],
  },
  {
    title: 'Failures',
    keys: [
      ['M', 'Output as rendered markdown, or raw text'],
      ['O', 'Put the caret in the output (raw text)'],
      ['⇧ + arrows', 'Select text in the output (Ctrl for words)'],
      ['T', 'Tag the selection, or the whole output'],
      ['E', 'Correct the output (diff editor, Ctrl+S saves a version)'],
    ],
  },
  {
    title: 'Think-aloud',
    keys: [
      ['S', 'Write in the last step (or start one)'],
      ['N', 'New step'],
      ['Ctrl ↵', 'In a step: a new step after it'],
      ['Esc', 'Leave the editor'],
    ],
  },
  {
    title: 'Undo',
    keys: [
      ['⇧ Del', 'Delete your whole label on this item'],
      ['Ctrl Z', 'Undo the last delete (tag, step, label)'],
      ['?', 'This sheet'],
    ],
  },
];

export function CheatSheet({ onClose }: { onClose: () => void }) {
  return <CheatSheetShell groups={GROUPS} note="Keys do nothing while you type in a field or an editor; Esc leaves it. A key that is not an option says so under the ratings." onClose={onClose} />;
}
