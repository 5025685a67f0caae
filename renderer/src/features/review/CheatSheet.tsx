import { Dialog } from './Dialog';

const GROUPS: { title: string; keys: [string, string][] }[] = [
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
      ['O', 'Put the caret in the output'],
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
  return (
    <Dialog title="Keyboard" onClose={onClose} className="cheat-sheet">
      <div className="cheat-grid" data-autofocus tabIndex={-1}>
        {GROUPS.map((g) => (
          <section key={g.title}>
            <h3>{g.title}</h3>
            <dl>
              {g.keys.map(([k, what]) => (
                <div key={k + what} className="cheat-row">
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
      <p className="muted small">Keys do nothing while you type in a field or an editor; Esc leaves it.</p>
    </Dialog>
  );
}
