import type { Correction, Review, ReviewItem, ThinkAloudStep } from '../../../../contract';
import { call } from '../../api';

const LIMIT = 64;

/**
 * The items around the cursor, fetched ahead so J/K paint the next item from memory. Saves write
 * their answers back here; an item left with writes still in flight is counted here, and coming back
 * to it waits for them and fetches it again, so it never shows an older state than the one typed.
 */
export class ItemCache {
  private readonly items = new Map<number, ReviewItem>();
  private readonly inFlight = new Map<number, Promise<ReviewItem>>();
  private readonly writes = new Map<number, { count: number; waiters: (() => void)[] }>();
  private readonly listeners = new Set<() => void>();
  private epoch = 0;

  constructor(private reviewerId: number) {}

  get(generationId: number): ReviewItem | undefined {
    const item = this.items.get(generationId);
    if (item) {
      // Most recently used last: the Map's order is the eviction order.
      this.items.delete(generationId);
      this.items.set(generationId, item);
    }
    return item;
  }

  load(generationId: number): Promise<ReviewItem> {
    const cached = this.items.get(generationId);
    if (cached) return Promise.resolve(cached);
    const pending = this.inFlight.get(generationId);
    if (pending) return pending;
    const epoch = this.epoch;
    const promise = call('review.item', { generationId, reviewerId: this.reviewerId })
      .then((item) => {
        if (epoch === this.epoch) this.put(item);
        return item;
      })
      .finally(() => this.inFlight.delete(generationId));
    this.inFlight.set(generationId, promise);
    return promise;
  }

  /** Fetch again in the background (another window changed it); the open item is left alone. */
  refresh(generationId: number) {
    if (!this.items.has(generationId)) return;
    this.items.delete(generationId);
    this.load(generationId).then(() => this.emit(), () => undefined);
  }

  put(item: ReviewItem) {
    this.items.set(item.generationId, item);
    while (this.items.size > LIMIT) this.items.delete(this.items.keys().next().value!);
    this.emit();
  }

  setReview(generationId: number, review: Review | null) {
    const item = this.items.get(generationId);
    if (item) this.items.set(generationId, { ...item, review });
  }

  addCorrection(generationId: number, correction: Correction) {
    const item = this.items.get(generationId);
    if (item) this.items.set(generationId, { ...item, corrections: [...item.corrections, correction] });
  }

  updateStep(generationId: number, step: ThinkAloudStep) {
    const item = this.items.get(generationId);
    if (!item?.review) return;
    const steps = item.review.steps.some((s) => s.id === step.id) ? item.review.steps.map((s) => (s.id === step.id ? step : s)) : [...item.review.steps, step];
    this.items.set(generationId, { ...item, review: { ...item.review, steps } });
  }

  /** Count a write on an item until it settles. */
  track<T>(generationId: number, write: Promise<T>): Promise<T> {
    const entry = this.writes.get(generationId) ?? { count: 0, waiters: [] };
    entry.count++;
    this.writes.set(generationId, entry);
    const done = () => {
      entry.count--;
      if (entry.count === 0) {
        this.writes.delete(generationId);
        // The answer of the last write may not be all of the item (a step save returns the step):
        // the next visit fetches it whole.
        this.items.delete(generationId);
        for (const w of entry.waiters) w();
      }
    };
    write.then(done, done);
    return write;
  }

  /** True while writes on this item are in flight. */
  busy(generationId: number): boolean {
    return this.writes.has(generationId);
  }

  settled(generationId: number): Promise<void> {
    const entry = this.writes.get(generationId);
    if (!entry) return Promise.resolve();
    return new Promise((resolve) => entry.waiters.push(resolve));
  }

  clear() {
    this.epoch++;
    this.items.clear();
    this.inFlight.clear();
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private emit() {
    for (const l of this.listeners) l();
  }
}
