import { useCallback, useEffect, useRef, useState } from 'react';
import type { ComparisonKind, MethodOutput } from '../../../../contract';
import { call } from '../../api';

export const PAGE = 200;

export type QueueEntry = MethodOutput<'comparisons.queue'>['items'][number];
export type TaskStatus = 'todo' | 'done' | 'all';

export interface TaskFilter {
  status: TaskStatus;
  kind?: ComparisonKind;
}

export interface TaskPages {
  total: number | null;
  done: number;
  error: string | null;
  itemAt(index: number): QueueEntry | undefined;
  indexOf(taskId: number): number;
  ensure(from: number, to: number): void;
  load(index: number): Promise<QueueEntry | undefined>;
  /** Shows a row as labeled (or not) at once; the list reloads on the next `version`. */
  patch(taskId: number, labeled: boolean): void;
}

/** The comparison queue a page at a time; a new filter starts over, a new `version` reloads in place. */
export function useTaskQueue(reviewerId: number, filter: TaskFilter, version: number): TaskPages {
  const [total, setTotal] = useState<number | null>(null);
  const [done, setDone] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [, setTick] = useState(0);
  const pages = useRef(new Map<number, QueueEntry[]>());
  const loading = useRef(new Map<number, Promise<void>>());
  const generation = useRef(0);
  const { status, kind } = filter;

  const fetchPage = useCallback(
    (page: number, gen: number): Promise<void> =>
      call('comparisons.queue', { reviewerId, status, kind, offset: page * PAGE, limit: PAGE }).then(
        (result) => {
          if (gen !== generation.current) return;
          pages.current.set(page, result.items);
          setTotal(result.total);
          setDone(result.done);
          setError(null);
          setTick((t) => t + 1);
        },
        (e: Error) => {
          if (gen === generation.current) setError(e.message);
        },
      ),
    [reviewerId, status, kind],
  );

  const loadPage = useCallback(
    (page: number): Promise<void> => {
      if (pages.current.has(page)) return Promise.resolve();
      const inFlight = loading.current.get(page);
      if (inFlight) return inFlight;
      const gen = generation.current;
      const promise = fetchPage(page, gen).finally(() => {
        if (gen === generation.current) loading.current.delete(page);
      });
      loading.current.set(page, promise);
      return promise;
    },
    [fetchPage],
  );

  const lastKey = useRef('');
  useEffect(() => {
    const key = JSON.stringify([reviewerId, status, kind]);
    const keep = key === lastKey.current;
    lastKey.current = key;
    generation.current++;
    loading.current = new Map();
    const gen = generation.current;
    if (!keep) {
      pages.current = new Map();
      setTotal(null);
      setDone(0);
      void loadPage(0);
      return;
    }
    // Keep the rows on screen until their fresh pages arrive.
    const loaded = [...pages.current.keys()];
    for (const page of loaded.length > 0 ? loaded : [0]) void fetchPage(page, gen);
  }, [loadPage, fetchPage, version, reviewerId, status, kind]);

  return {
    total,
    done,
    error,
    itemAt: (index) => pages.current.get(Math.floor(index / PAGE))?.[index % PAGE],
    indexOf: (taskId) => {
      for (const [page, entries] of pages.current) {
        const i = entries.findIndex((e) => e.taskId === taskId);
        if (i >= 0) return page * PAGE + i;
      }
      return -1;
    },
    ensure: (from, to) => {
      for (let p = Math.floor(from / PAGE); p <= Math.floor(to / PAGE); p++) void loadPage(p);
    },
    load: async (index) => {
      await loadPage(Math.floor(index / PAGE));
      return pages.current.get(Math.floor(index / PAGE))?.[index % PAGE];
    },
    patch: (taskId, labeled) => {
      for (const [page, entries] of pages.current) {
        const i = entries.findIndex((e) => e.taskId === taskId);
        if (i >= 0 && entries[i]!.labeled !== labeled) {
          const next = [...entries];
          next[i] = { ...entries[i]!, labeled };
          pages.current.set(page, next);
          setTick((t) => t + 1);
        }
      }
    },
  };
}
