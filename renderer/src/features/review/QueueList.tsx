import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import type { QueuePages } from './useQueue';

const ROW_HEIGHT = 56;

const STATUS_LABEL = { todo: 'to do', draft: 'draft', submitted: 'done' } as const;

/** The queue, virtualized: only the rows on screen exist, whatever the queue holds. */
export function QueueList({ pages, selectedIndex, onSelect }: { pages: QueuePages; selectedIndex: number | null; onSelect: (index: number) => void }) {
  const parentRef = useRef<HTMLDivElement>(null);
  const count = pages.total ?? 0;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const virtualItems = virtualizer.getVirtualItems();
  const first = virtualItems[0]?.index ?? 0;
  const last = virtualItems[virtualItems.length - 1]?.index ?? 0;

  useEffect(() => {
    if (count > 0) pages.ensure(first, last);
  }, [pages, first, last, count]);

  // Keep the selected row in view. Rows have one fixed height, so whether it is visible is known
  // from the virtualizer's last scroll position and size without reading layout: asking the DOM
  // (scrollToIndex does) forces a synchronous layout of the whole window, just after the next item
  // mounted, on every J. Only a row outside the view scrolls, and in the next frame.
  useEffect(() => {
    if (selectedIndex === null || selectedIndex >= count) return;
    const top = selectedIndex * ROW_HEIGHT;
    const offset = virtualizer.scrollOffset ?? 0;
    const height = virtualizer.scrollRect?.height ?? 0;
    if (height > 0 && top >= offset && top + ROW_HEIGHT <= offset + height) return;
    const frame = requestAnimationFrame(() => {
      const el = parentRef.current;
      if (!el) return;
      el.scrollTop = top < offset || height === 0 ? top : top + ROW_HEIGHT - height;
    });
    return () => cancelAnimationFrame(frame);
  }, [selectedIndex, count, virtualizer]);

  return (
    <div ref={parentRef} className="queue-list" role="listbox" aria-label="Review queue" tabIndex={-1}>
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
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
                    <span className="muted">{STATUS_LABEL[entry.status]}</span>
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
