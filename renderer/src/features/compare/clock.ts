import { useEffect, useMemo } from 'react';

const IDLE_MS = 90_000;

/**
 * Time a reviewer spends on a comparison task: counted while the task is open, the window focused
 * and visible, and the reviewer not idle (90 s without a key, click or scroll stops the count until
 * the next one). Time not yet sent stays with its task until a label takes it.
 */
export class TaskClock {
  private readonly unsent = new Map<number, number>();
  private current: number | null = null;
  private since: number | null = null;
  private lastActivity = performance.now();

  private active(): boolean {
    return this.current !== null && document.visibilityState === 'visible' && document.hasFocus();
  }

  private settle(now = performance.now()) {
    if (this.since !== null && this.current !== null) {
      const end = Math.min(now, this.lastActivity + IDLE_MS);
      if (end > this.since) this.unsent.set(this.current, (this.unsent.get(this.current) ?? 0) + (end - this.since));
    }
    this.since = this.active() ? now : null;
  }

  open(taskId: number | null) {
    if (taskId === this.current) return;
    this.settle();
    this.current = taskId;
    this.since = this.active() ? performance.now() : null;
  }

  activity = () => {
    const now = performance.now();
    if (now - this.lastActivity > IDLE_MS) {
      this.settle(now);
      this.lastActivity = now;
      this.since = this.active() ? now : null;
      return;
    }
    this.lastActivity = now;
    if (this.since === null && this.active()) this.since = now;
  };

  changed = () => this.settle();

  /** The milliseconds not yet sent for a task, reset to zero. */
  take(taskId: number): number {
    if (taskId === this.current) this.settle();
    const ms = Math.round(this.unsent.get(taskId) ?? 0);
    this.unsent.delete(taskId);
    return Math.min(ms, 86_400_000);
  }

  /** A save failed: its time goes back. */
  giveBack(taskId: number, ms: number) {
    if (ms > 0) this.unsent.set(taskId, (this.unsent.get(taskId) ?? 0) + ms);
  }
}

export function useTaskClock(): TaskClock {
  const clock = useMemo(() => new TaskClock(), []);
  useEffect(() => {
    const events = ['keydown', 'pointerdown', 'wheel'] as const;
    const onActivity = () => clock.activity();
    for (const name of events) window.addEventListener(name, onActivity, { capture: true, passive: true });
    window.addEventListener('focus', clock.changed);
    window.addEventListener('blur', clock.changed);
    document.addEventListener('visibilitychange', clock.changed);
    return () => {
      clock.open(null);
      for (const name of events) window.removeEventListener(name, onActivity, { capture: true });
      window.removeEventListener('focus', clock.changed);
      window.removeEventListener('blur', clock.changed);
      document.removeEventListener('visibilitychange', clock.changed);
    };
  }, [clock]);
  return clock;
}
