import { useEffect, useMemo } from 'react';

const IDLE_MS = 90_000;

/**
 * Time a reviewer spends on an item: counted while the item is open, the window focused and
 * visible, and the reviewer not idle (no key, click or scroll for 90 s stops the clock until the
 * next one). Time not yet sent stays with its item until a save takes it (`take`).
 */
export class FocusClock {
  private readonly unsent = new Map<number, number>();
  private current: number | null = null;
  private since: number | null = null;
  private lastActivity = performance.now();

  private active(): boolean {
    return this.current !== null && document.visibilityState === 'visible' && document.hasFocus();
  }

  /** Add the time since the last settle to the open item; restart the count if still active. */
  private settle(now = performance.now()) {
    if (this.since !== null && this.current !== null) {
      const end = Math.min(now, this.lastActivity + IDLE_MS);
      if (end > this.since) this.unsent.set(this.current, (this.unsent.get(this.current) ?? 0) + (end - this.since));
    }
    this.since = this.active() ? now : null;
  }

  open(generationId: number | null) {
    if (generationId === this.current) return;
    this.settle();
    this.current = generationId;
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

  /** The milliseconds not yet sent for an item, reset to zero. */
  take(generationId: number): number {
    if (generationId === this.current) this.settle();
    const ms = Math.round(this.unsent.get(generationId) ?? 0);
    this.unsent.delete(generationId);
    return Math.min(ms, 86_400_000);
  }

  /** A save failed: its time goes back. */
  giveBack(generationId: number, ms: number) {
    if (ms > 0) this.unsent.set(generationId, (this.unsent.get(generationId) ?? 0) + ms);
  }
}

export function useFocusClock(): FocusClock {
  const clock = useMemo(() => new FocusClock(), []);
  useEffect(() => {
    const activityEvents = ['keydown', 'pointerdown', 'wheel', 'pointermove'] as const;
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
  }, [clock]);
  return clock;
}
