import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';

/** What a paged list asks of its pages: how many rows there are, and to load a range of them. */
export interface PagedRows {
  total: number | null;
  ensure(first: number, last: number): void;
}

/**
 * A virtualized list of fixed-height rows over pages loaded on demand (prompts, the review queue,
 * comparison tasks): only the rows on screen exist in the DOM, whatever the workspace holds, and
 * the pages those rows need are fetched as they come into view.
 *
 * The selected row is kept in view without reading layout: rows have one height, so whether it is
 * visible follows from the virtualizer's last scroll position and size. (scrollToIndex asks the
 * DOM, which forces a synchronous layout of the whole window just after the next item mounted, on
 * every J.) Only a row outside the view scrolls, and in the next frame.
 */
export function usePagedList(pages: PagedRows, rowHeight: number, selectedIndex: number | null, overscan = 8) {
  const parentRef = useRef<HTMLDivElement>(null);
  const count = pages.total ?? 0;
  const virtualizer = useVirtualizer({ count, getScrollElement: () => parentRef.current, estimateSize: () => rowHeight, overscan });
  const rows = virtualizer.getVirtualItems();
  const first = rows[0]?.index ?? 0;
  const last = rows[rows.length - 1]?.index ?? 0;

  useEffect(() => {
    if (count > 0) pages.ensure(first, last);
  }, [pages, first, last, count]);

  useEffect(() => {
    if (selectedIndex === null || selectedIndex >= count) return;
    const top = selectedIndex * rowHeight;
    const offset = virtualizer.scrollOffset ?? 0;
    const height = virtualizer.scrollRect?.height ?? 0;
    if (height > 0 && top >= offset && top + rowHeight <= offset + height) return;
    const frame = requestAnimationFrame(() => {
      const el = parentRef.current;
      if (!el) return;
      el.scrollTop = top < offset || height === 0 ? top : top + rowHeight - height;
    });
    return () => cancelAnimationFrame(frame);
  }, [selectedIndex, count, rowHeight, virtualizer]);

  return { parentRef, totalSize: virtualizer.getTotalSize(), rows };
}
