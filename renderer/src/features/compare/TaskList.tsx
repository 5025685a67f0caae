import { usePagedList } from '../../components/usePagedList';
import type { TaskPages } from './useTaskQueue';

const ROW_HEIGHT = 56;

/** The task queue, virtualized: only the rows on screen exist. */
export function TaskList({ pages, selectedIndex, onSelect }: { pages: TaskPages; selectedIndex: number | null; onSelect: (index: number) => void }) {
  const { parentRef, totalSize, rows } = usePagedList(pages, ROW_HEIGHT, selectedIndex);

  return (
    <div ref={parentRef} className="cmp-list" role="listbox" aria-label="Comparison tasks" tabIndex={-1}>
      <div style={{ height: totalSize, position: 'relative' }}>
        {rows.map((row) => {
          const entry = pages.itemAt(row.index);
          const selected = row.index === selectedIndex;
          return (
            <div
              key={row.key}
              role="option"
              aria-selected={selected}
              data-task-id={entry?.taskId}
              className={`cmp-row${selected ? ' selected' : ''}`}
              style={{ height: ROW_HEIGHT, transform: `translateY(${row.start}px)` }}
              onClick={() => entry && onSelect(row.index)}
            >
              {entry ? (
                <>
                  <div className="cmp-row-text">{plain(entry.preview) || <span className="muted">(empty prompt)</span>}</div>
                  <div className="cmp-row-meta">
                    <span className={`cmp-dot${entry.labeled ? ' done' : ''}`} aria-hidden />
                    <span className="muted">{entry.labeled ? 'labeled' : 'to do'}</span>
                    <span className="muted">{entry.kind === 'pair' ? 'pair' : `rank ${entry.outputs}`}</span>
                    <span className="mono muted ellipsis">{entry.promptId}</span>
                  </div>
                </>
              ) : (
                <div className="cmp-row-text muted">Loading…</div>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** The list shows the prompt's first words as text: markdown emphasis and code marks go. */
function plain(preview: string): string {
  return preview.replace(/\*\*|__|`+/g, '').trim();
}
