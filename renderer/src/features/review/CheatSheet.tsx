import { CheatSheet as CheatSheetShell, type CheatSheetGroup } from '../../components/CheatSheet';

const GROUPS: CheatSheetGroup[] = [
  {
    title: 'Queue',
    keys: [
      ['J  ↓', 'Next item'],
      ['K  ↑', 'Previous item'],
      ['↵', 'Submit and go to the next item'],
      ['/', 'Filters'],
      ['G', 'Guidelines panel'],
    ],
  },
  {
    title: 'Ratings',
    keys: [
      ['←  →', 'Previous / next criterion (or Tab to it)'],
      ['1 … 7', 'Rate the focused criterion, then move on'],
      ['P  F', 'Pass / fail (also 1 / 0)'],
      ['1  2  3', 'Verdict: bad, acceptable, good'],
      ['⌫', 'Clear the focused rating'],
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
  return <CheatSheetShell groups={GROUPS} note="Keys do nothing while you type in a field or an editor; Esc leaves it." onClose={onClose} />;
}
