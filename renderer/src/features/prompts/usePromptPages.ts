import { useCallback, useEffect, useRef, useState } from 'react';
import type { PromptSummary } from '../../../../contract';
import { call } from '../../api';

export const PAGE_SIZE = 200;

export interface PromptPages {
  total: number | null;
  /** The summary at a list index, or undefined while its page loads. */
  itemAt(index: number): PromptSummary | undefined;
  /** Ask for the pages that cover these indexes (the virtual list calls this as it scrolls). */
  ensure(from: number, to: number): void;
  error: string | null;
}

/**
 * Loads the prompt list a page at a time as the virtual list scrolls, so 50k prompts cost what the
 * screen shows. Any change of filter or `version` starts over.
 */
export function usePromptPages(query: string, tags: string[], version: number): PromptPages {
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [, setTick] = useState(0);
  const pages = useRef(new Map<number, PromptSummary[]>());
  const loading = useRef(new Set<number>());
  const generation = useRef(0);
  const tagKey = tags.join('\u001f');

  const load = useCallback(
    (page: number) => {
      if (pages.current.has(page) || loading.current.has(page)) return;
      loading.current.add(page);
      const gen = generation.current;
      call('prompts.list', { query, tags: tagKey ? tagKey.split('\u001f') : [], offset: page * PAGE_SIZE, limit: PAGE_SIZE })
        .then((result) => {
          if (gen !== generation.current) return;
          pages.current.set(page, result.items);
          setTotal(result.total);
          setError(null);
          setTick((t) => t + 1);
        })
        .catch((e: Error) => gen === generation.current && setError(e.message))
        .finally(() => loading.current.delete(page));
    },
    [query, tagKey],
  );

  useEffect(() => {
    generation.current++;
    pages.current = new Map();
    loading.current = new Set();
    load(0);
  }, [load, version]);

  return {
    total,
    error,
    itemAt: (index) => pages.current.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE],
    ensure: (from, to) => {
      for (let p = Math.floor(from / PAGE_SIZE); p <= Math.floor(to / PAGE_SIZE); p++) load(p);
    },
  };
}
