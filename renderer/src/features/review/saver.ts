import { useEffect, useMemo, useSyncExternalStore } from 'react';

/**
 * Every write of the review view goes through one queue, in order: a rating saved before a submit
 * lands before it, and the autosave of a step never overtakes the save that created it. The count
 * of writes not yet acknowledged drives "Saving…/Saved" and the warning on closing the window.
 */
export class Saver {
  private chain: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private failed = false;
  private readonly listeners = new Set<() => void>();
  /** Flushers of debounced edits (comment, steps) that have not been queued yet. */
  private readonly flushers = new Set<() => void>();

  run<T>(write: () => Promise<T>): Promise<T> {
    this.pending++;
    this.emit();
    const result = this.chain.then(write);
    this.chain = result.then(
      () => {
        this.failed = false;
      },
      () => {
        this.failed = true;
      },
    ).finally(() => {
      this.pending--;
      this.emit();
    });
    return result;
  }

  /** Queue every debounced edit now (before a submit, a move to another item, or closing). */
  flush(): void {
    for (const flush of [...this.flushers]) flush();
  }

  /** Resolves when every write queued so far has been acknowledged (or has failed). */
  async idle(): Promise<void> {
    this.flush();
    await this.chain;
  }

  register(flush: () => void): () => void {
    this.flushers.add(flush);
    return () => this.flushers.delete(flush);
  }

  busy(): boolean {
    return this.pending > 0;
  }

  state(): 'saving' | 'saved' | 'failed' {
    return this.pending > 0 ? 'saving' : this.failed ? 'failed' : 'saved';
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private emit() {
    for (const l of this.listeners) l();
  }
}

export function useSaver(): Saver {
  const saver = useMemo(() => new Saver(), []);
  useEffect(() => {
    // Closing the window with a write in flight (or a debounced one not yet sent) asks first.
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      saver.flush();
      if (saver.busy()) {
        e.preventDefault();
        e.returnValue = '';
      }
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [saver]);
  return saver;
}

export function useSaveState(saver: Saver): 'saving' | 'saved' | 'failed' {
  return useSyncExternalStore(saver.subscribe, () => saver.state());
}
