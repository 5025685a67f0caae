import type { EventPayload } from '../../contract';
import type { ModelRow } from '../../db/runner';
import type { EventBus } from '../events';
import type { Runner } from './types';

/** Makes a runner for a model; the engine passes the real one (llama.cpp or HTTP). */
export type RunnerFactory = (model: ModelRow, onLoadProgress: (fraction: number) => void) => Promise<Runner>;

type ModelState = EventPayload<'onDidChangeModel'>;

interface Entry {
  runner: Promise<Runner>;
  state: ModelState;
  active: number;
  waiting: (() => void)[];
}

/**
 * Loaded runners by model id. A model loads once and stays loaded; `withSlot` keeps to the model's
 * concurrency limit for every caller (playground and batch alike), so a busy model queues work
 * instead of overcommitting memory or a remote server.
 */
export class RunnerPool {
  private readonly entries = new Map<number, Entry>();

  constructor(
    private readonly factory: RunnerFactory,
    private readonly events: EventBus,
  ) {}

  state(modelId: number): ModelState {
    return this.entries.get(modelId)?.state ?? { modelId, state: 'idle', progress: null, message: null };
  }

  private setState(entry: Entry, state: ModelState): void {
    entry.state = state;
    this.events.emit('onDidChangeModel', state);
  }

  get(model: ModelRow): Promise<Runner> {
    const existing = this.entries.get(model.id);
    if (existing && existing.state.state !== 'failed') return existing.runner;
    const entry: Entry = {
      runner: Promise.resolve(null as unknown as Runner),
      state: { modelId: model.id, state: 'loading', progress: 0, message: null },
      active: existing?.active ?? 0,
      waiting: existing?.waiting ?? [],
    };
    this.entries.set(model.id, entry);
    this.setState(entry, entry.state);
    let lastEmit = 0;
    entry.runner = this.factory(model, (fraction) => {
      const now = Date.now();
      if (now - lastEmit < 100 && fraction < 1) return;
      lastEmit = now;
      this.setState(entry, { modelId: model.id, state: 'loading', progress: fraction, message: null });
    }).then(
      (runner) => {
        this.setState(entry, { modelId: model.id, state: 'ready', progress: 1, message: null });
        return runner;
      },
      (error: Error) => {
        this.setState(entry, { modelId: model.id, state: 'failed', progress: null, message: error.message });
        throw error;
      },
    );
    return entry.runner;
  }

  async withSlot<T>(modelId: number, concurrency: number, fn: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(modelId);
    if (!entry) throw new Error(`[runner] model ${modelId} is not loaded`);
    while (entry.active >= concurrency) await new Promise<void>((resolve) => entry.waiting.push(resolve));
    entry.active++;
    try {
      return await fn();
    } finally {
      entry.active--;
      entry.waiting.shift()?.();
    }
  }

  /** Unloads a model (its settings changed, or it was retired); the next use loads it again. */
  async unload(modelId: number): Promise<void> {
    const entry = this.entries.get(modelId);
    if (!entry) return;
    this.entries.delete(modelId);
    this.events.emit('onDidChangeModel', { modelId, state: 'idle', progress: null, message: null });
    const runner = await entry.runner.catch(() => null);
    await runner?.dispose();
  }

  async disposeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.unload(id)));
  }
}
