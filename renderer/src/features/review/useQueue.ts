import { useCallback, useEffect, useRef, useState } from 'react';
import type { QueueEntry, QueueStatus } from '../../../../contract';
import { call } from '../../api';

export const QUEUE_PAGE = 200;

export interface QueueFilterState {
  modelId?: number;
  templateId?: number;
  tag?: string;
  status: QueueStatus;
}

export interface QueuePages {
  total: number | null;
  done: number;
  itemAt(index: number): QueueEntry | undefined;
  /** The index of a generation among the loaded pages, or -1. */
  indexOf(generationId: number, near?: number): number;
  /** Load the pages covering these indexes (the virtual list asks as it scrolls). */
  ensure(from: number, to: number): void;
  /** Resolves with the entry once its page is loaded. */
  load(index: number): Promise<QueueEntry | undefined>;
  /** Show a new status on a row at once (the list reloads only on submit or a new filter). */
  patch(generationId: number, status: QueueEntry['status']): void;
  error: string | null;
}

/**
 * The review queue a page at a time: 100k generations cost what the screen shows. A new filter,
 * reviewer or `version` starts over; `done/total` comes with every page.
 */
export function useQueue(reviewerId: number | null, filter: QueueFilterState, version: number): QueuePages {
  const [total, setTotal] = useState<number | null>(null);
  const [done, setDone] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [, setTick] = useState(0);
  const pages = useRef(new Map<number, QueueEntry[]>());
  const loading = useRef(new Map<number, Promise<void>>());
  const generation = useRef(0);
  const { modelId, templateId, tag, status } = filter;

  const loadPage = useCallback(
    (page: number): Promise<void> => {
      if (reviewerId === null || pages.current.has(page)) return Promise.resolve();
      const inFlight = loading.current.get(page);
      if (inFlight) return inFlight;
      const gen = generation.current;
      const promise = call('review.queue', { reviewerId, modelId, templateId, tag, status, offset: page * QUEUE_PAGE, limit: QUEUE_PAGE })
        .then((result) => {
          if (gen !== generation.current) return;
          pages.current.set(page, result.items);
          setTotal(result.total);
          setDone(result.done);
          setError(null);
          setTick((t) => t + 1);
        })
        .catch((e: Error) => {
          if (gen === generation.current) setError(e.message);
        })
        .finally(() => {
          if (gen === generation.current) loading.current.delete(page);
        });
      loading.current.set(page, promise);
      return promise;
    },
    [reviewerId, modelId, templateId, tag, status],
  );

  // A new filter starts from nothing; a new `version` (after a submit) reloads in place, so the
  // list keeps its rows on screen until the fresh pages arrive.
  const lastKey = useRef('');
  useEffect(() => {
    const key = JSON.stringify([reviewerId, modelId, templateId, tag, status]);
    const keep = key === lastKey.current;
    lastKey.current = key;
    generation.current++;
    const old = pages.current;
    loading.current = new Map();
    if (!keep) {
      pages.current = new Map();
      setTotal(null);
      setDone(0);
      void loadPage(0);
      return;
    }
    // Refresh the pages that were loaded, replacing each as it arrives.
    pages.current = new Map();
    const stale = [...old.keys()];
    for (const page of stale) pages.current.set(page, old.get(page)!);
    const gen = generation.current;
    for (const page of stale.length > 0 ? stale : [0]) {
      if (reviewerId === null) break;
      call('review.queue', { reviewerId, modelId, templateId, tag, status, offset: page * QUEUE_PAGE, limit: QUEUE_PAGE })
        .then((result) => {
          if (gen !== generation.current) return;
          pages.current.set(page, result.items);
          setTotal(result.total);
          setDone(result.done);
          setTick((t) => t + 1);
        })
        .catch((e: Error) => gen === generation.current && setError(e.message));
    }
  }, [loadPage, version, reviewerId, modelId, templateId, tag, status]);

  return {
    total: reviewerId === null ? 0 : total,
    done,
    error,
    itemAt: (index) => pages.current.get(Math.floor(index / QUEUE_PAGE))?.[index % QUEUE_PAGE],
    indexOf: (generationId, near = 0) => {
      // Look in the page of the hint first: after a submit the item is there or one row away.
      const order = [...pages.current.keys()].sort((a, b) => Math.abs(a - Math.floor(near / QUEUE_PAGE)) - Math.abs(b - Math.floor(near / QUEUE_PAGE)));
      for (const page of order) {
        const i = pages.current.get(page)!.findIndex((e) => e.generationId === generationId);
        if (i >= 0) return page * QUEUE_PAGE + i;
      }
      return -1;
    },
    ensure: (from, to) => {
      for (let p = Math.floor(from / QUEUE_PAGE); p <= Math.floor(to / QUEUE_PAGE); p++) void loadPage(p);
    },
    patch: (generationId, status) => {
      for (const [page, entries] of pages.current) {
        const i = entries.findIndex((e) => e.generationId === generationId);
        if (i >= 0 && entries[i]!.status !== status) {
          const next = [...entries];
          next[i] = { ...entries[i]!, status };
          pages.current.set(page, next);
          setTick((t) => t + 1);
        }
      }
    },
    load: async (index) => {
      await loadPage(Math.floor(index / QUEUE_PAGE));
      return pages.current.get(Math.floor(index / QUEUE_PAGE))?.[index % QUEUE_PAGE];
    },
  };
}
