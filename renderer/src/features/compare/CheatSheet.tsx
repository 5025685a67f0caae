import { Dialog } from './Dialog';

const GROUPS: { title: string; keys: [string, string][] }[] = [
  {
    title: 'Queue',
    keys: [
      ['J  ↓', 'Next task'],
      ['K  ↑', 'Previous task'],
      ['↵', 'Submit the label and go to the next task'],
      ['N', 'Create tasks…'],
      ['G', 'Guidelines panel'],
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
  return (
    <Dialog title="Keyboard" onClose={onClose} className="cmp-cheat-sheet">
      <div className="cmp-cheat-grid" data-autofocus tabIndex={-1}>
        {GROUPS.map((g) => (
          <section key={g.title}>
            <h3>{g.title}</h3>
            <dl>
              {g.keys.map(([k, what]) => (
                <div key={k + what} className="cmp-cheat-row">
                  <dt>
                    {k.split(/\s{2}/).map((part) => (
                      <kbd key={part}>{part}</kbd>
                    ))}
                  </dt>
                  <dd>{what}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
      <p className="muted small">
        Sides are shuffled per task and model names stay hidden until you have labeled it. Keys do nothing while you type in a field; Esc leaves it.
      </p>
    </Dialog>
  );
}
