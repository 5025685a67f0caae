import { useEffect, useMemo } from 'react';

const IDLE_MS = 90_000;

/**
 * Shared by review (one clock per queue item) and compare (one per comparison task): the focused
 * time a reviewer spends on whatever is open, keyed by its id. Time counts while something is open,
 * the window focused and visible, and the reviewer not idle (no key, click or scroll for 90 s stops
 * the clock until the next one). Time not yet sent stays with its id until a save takes it (`take`).
 */
export class FocusClock {
  private readonly unsent = new Map<number, number>();
  private current: number | null = null;
  private since: number | null = null;
  private lastActivity = performance.now();

  private active(): boolean {
    return this.current !== null && document.visibilityState === 'visible' && document.hasFocus();
  }

  /** Add the time since the last settle to the open id; restart the count if still active. */
  private settle(now = performance.now()) {
    if (this.since !== null && this.current !== null) {
      const end = Math.min(now, this.lastActivity + IDLE_MS);
      if (end > this.since) this.unsent.set(this.current, (this.unsent.get(this.current) ?? 0) + (end - this.since));
    }
    this.since = this.active() ? now : null;
  }

  open(id: number | null) {
    if (id === this.current) return;
    this.settle();
    this.current = id;
    this.since = this.active() ? performance.now() : null;
  }

  activity = () => {
    const now = performance.now();
    if (now - this.lastActivity > IDLE_MS) {
      // Back from idle: the idle stretch was already cut off; count from now.
      this.settle(now);
      this.lastActivity = now;
      this.since = this.active() ? now : null;
      return;
    }
    this.lastActivity = now;
    if (this.since === null && this.active()) this.since = now;
  };

  changed = () => this.settle();

  /** The milliseconds not yet sent for an id, reset to zero. */
  take(id: number): number {
    if (id === this.current) this.settle();
    const ms = Math.round(this.unsent.get(id) ?? 0);
    this.unsent.delete(id);
    return Math.min(ms, 86_400_000);
  }

  /** A save failed: its time goes back. */
  giveBack(id: number, ms: number) {
    if (ms > 0) this.unsent.set(id, (this.unsent.get(id) ?? 0) + ms);
  }
}

/**
 * A FocusClock fed by window activity for the life of the component. Keys, clicks and scrolls
 * always count as activity; `countPointerMoves` also counts mouse movement (at most once a second),
 * which review uses and compare does not.
 */
export function useFocusClock({ countPointerMoves = false }: { countPointerMoves?: boolean } = {}): FocusClock {
  const clock = useMemo(() => new FocusClock(), []);
  useEffect(() => {
    const activityEvents = countPointerMoves
      ? (['keydown', 'pointerdown', 'wheel', 'pointermove'] as const)
      : (['keydown', 'pointerdown', 'wheel'] as const);
    let lastMove = 0;
    const onActivity = (e: Event) => {
      if (e.type === 'pointermove') {
        if (e.timeStamp - lastMove < 1000) return;
        lastMove = e.timeStamp;
      }
      clock.activity();
    };
    for (const name of activityEvents) window.addEventListener(name, onActivity, { capture: true, passive: true });
    window.addEventListener('focus', clock.changed);
    window.addEventListener('blur', clock.changed);
    document.addEventListener('visibilitychange', clock.changed);
    return () => {
      clock.open(null);
      for (const name of activityEvents) window.removeEventListener(name, onActivity, { capture: true });
      window.removeEventListener('focus', clock.changed);
      window.removeEventListener('blur', clock.changed);
      document.removeEventListener('visibilitychange', clock.changed);
    };
  }, [clock, countPointerMoves]);
  return clock;
}
