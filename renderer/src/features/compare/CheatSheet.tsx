import { CheatSheet as CheatSheetShell, type CheatSheetGroup } from '../../components/CheatSheet';

const GROUPS: CheatSheetGroup[] = [
  {
    title: 'Queue',
    keys: [
      ['J  ↓', 'Next task'],
      ['K  ↑', 'Previous task'],
      ['↵', 'Submit the label and go to the next task'],
      ['N', 'Create tasks…'],
      ['G', 'Guidelines panel'],
      ['L', 'In a session: skip the task (not handed to you again unless you revisit your skipped tasks)'],
    ],
  },
  {
    title: 'Pairwise',
    keys: [
      ['1', 'A is better (again: clearly, much)'],
      ['2', 'B is better (again: clearly, much)'],
      ['Q  W  E', 'Slightly / clearly / much better'],
      ['T', 'Tie'],
      ['B', 'Both bad'],
      ['R', 'Write a correction (with both bad)'],
      ['D', 'Word diff highlight on / off'],
      ['S', 'Synced scrolling on / off'],
      ['[  ]', 'Tag a failure on A / on B'],
    ],
  },
  {
    title: 'Ranking (N-way)',
    keys: [
      ['1 … 9', 'Select output 1 … 9'],
      ['↑  ↓', 'Move the selected output up / down'],
      ['Alt ↑  Alt ↓', 'The same, even with nothing to scroll'],
      ['=', 'Tie with the one above (again: untie)'],
      ['F', 'Tag a failure on the selected output'],
      ['Esc', 'Deselect'],
    ],
  },
  {
    title: 'Both views',
    keys: [
      ['C', 'Rationale'],
      ['Ctrl ↵', 'In the rationale or correction: submit'],
      ['Esc', 'Leave a field'],
      ['⇧ Del', 'Delete your label on this task'],
      ['Ctrl Z', 'Undo the last submit, delete or tag'],
      ['?', 'This sheet'],
    ],
  },
];

export function CheatSheet({ onClose }: { onClose: () => void }) {
  return <CheatSheetShell groups={GROUPS} classPrefix="cmp-" note="Sides are shuffled per task and model names stay hidden until you have labeled it. Keys do nothing while you type in a field; Esc leaves it." onClose={onClose} />;
}
