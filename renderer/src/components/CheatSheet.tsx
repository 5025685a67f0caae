import { Dialog } from './Dialog';

/** One titled group of shortcuts; a key string splits into <kbd>s at double spaces ('J  ↓'). */
export type CheatSheetGroup = { title: string; keys: [string, string][] };

/**
 * The keyboard cheat-sheet shell shared by the review and compare views: a "Keyboard" dialog with
 * a grid of shortcut groups and a note below. Each view passes its own groups and note, and a
 * class prefix for its own styling ('' gives .cheat-sheet/.cheat-grid/.cheat-row, 'cmp-' gives
 * .cmp-cheat-sheet/…).
 */
export function CheatSheet({ groups, note, classPrefix = '', onClose }: { groups: CheatSheetGroup[]; note: string; classPrefix?: string; onClose: () => void }) {
  return (
    <Dialog title="Keyboard" onClose={onClose} className={`${classPrefix}cheat-sheet`}>
      <div className={`${classPrefix}cheat-grid`} data-autofocus tabIndex={-1}>
        {groups.map((g) => (
          <section key={g.title}>
            <h3>{g.title}</h3>
            <dl>
              {g.keys.map(([k, what]) => (
                <div key={k + what} className={`${classPrefix}cheat-row`}>
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
      <p className="muted small">{note}</p>
    </Dialog>
  );
}
