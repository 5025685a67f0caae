import { usePagedList } from '../../components/usePagedList';
import type { QueuePages } from './useQueue';

const ROW_HEIGHT = 56;

const STATUS_LABEL = { todo: 'to do', draft: 'draft', submitted: 'done' } as const;

/** The queue, virtualized: only the rows on screen exist, whatever the queue holds. */
export function QueueList({
  pages,
  reopened,
  selectedIndex,
  onSelect,
}: {
  pages: QueuePages;
  /** Drafts of labels that were submitted (their row says "reopened"). */
  reopened: ReadonlySet<number>;
  selectedIndex: number | null;
  onSelect: (index: number) => void;
}) {
  const { parentRef, totalSize, rows: virtualItems } = usePagedList(pages, ROW_HEIGHT, selectedIndex);

  return (
    <div ref={parentRef} className="queue-list" role="listbox" aria-label="Review queue" tabIndex={-1}>
      <div style={{ height: totalSize, position: 'relative' }}>
        {virtualItems.map((row) => {
          const entry = pages.itemAt(row.index);
          const selected = row.index === selectedIndex;
          return (
            <div
              key={row.key}
              role="option"
              aria-selected={selected}
              data-generation-id={entry?.generationId}
              className={`queue-row${selected ? ' selected' : ''}`}
              style={{ height: ROW_HEIGHT, transform: `translateY(${row.start}px)` }}
              onClick={() => entry && onSelect(row.index)}
            >
              {entry ? (
                <>
                  <div className="queue-row-text">{entry.preview || <span className="muted">(empty prompt)</span>}</div>
                  <div className="queue-row-meta">
                    <span className={`dot status-${entry.status}`} aria-hidden />
                    <span className={entry.status === 'draft' && reopened.has(entry.generationId) ? 'reopened-label' : 'muted'}>
                      {entry.status === 'draft' && reopened.has(entry.generationId) ? 'reopened · not in exports' : STATUS_LABEL[entry.status]}
                    </span>
                    <span className="mono muted ellipsis">{entry.promptId}</span>
                    <span className="muted ellipsis">{entry.modelName}</span>
                  </div>
                </>
              ) : (
                <div className="queue-row-text muted">Loading…</div>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
