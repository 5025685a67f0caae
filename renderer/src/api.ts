import {
  httpPaths,
  type AppErrorShape,
  type AssayTransport,
  type EventName,
  type EventPayload,
  type MethodInput,
  type MethodName,
  type MethodOutput,
  type Result,
} from '../../contract';

/** What the Electron preload exposes; absent in browser mode. */
interface ElectronBridge {
  invoke(method: string, input: unknown): Promise<unknown>;
  on(event: string, callback: (payload: unknown) => void): () => void;
  pathForFile(file: File): string;
}

declare global {
  interface Window {
    assay?: ElectronBridge;
  }
}

const electron = window.assay;

/** Browser mode: the same contract over POST /rpc/<method>; events over one shared EventSource. */
function httpTransport(): AssayTransport {
  let source: EventSource | null = null;
  return {
    async invoke(method, input) {
      try {
        const response = await fetch(`${httpPaths.rpc}${method}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          credentials: 'same-origin',
          body: JSON.stringify(input),
        });
        // The token check answers in plain text; a JSON 401 is a contract error (reviewer_required).
        if (response.status === 401 && !(response.headers.get('Content-Type') ?? '').startsWith('application/json')) {
          return { ok: false, error: { code: 'unauthorized', message: 'Not signed in: open the URL with ?token=… that `assay serve` printed.' } };
        }
        return (await response.json()) as Result<never>;
      } catch (error) {
        return { ok: false, error: { code: 'internal', message: `Cannot reach the Assay server (${(error as Error).message}). Is it still running?` } };
      }
    },
    on(event, callback) {
      source ??= new EventSource(httpPaths.events);
      const listener = (e: MessageEvent<string>) => callback(JSON.parse(e.data));
      source.addEventListener(event, listener);
      return () => source?.removeEventListener(event, listener);
    },
  };
}

export const transport: AssayTransport = electron
  ? {
      invoke: (method, input) => electron.invoke(method, input) as Promise<Result<never>>,
      on: (event, callback) => electron.on(event, callback as (payload: unknown) => void),
    }
  : httpTransport();

export const isElectron = electron !== undefined;

/** The path of a picked or dropped file; only Electron can tell it. */
export function pathForFile(file: File): string {
  if (!electron) throw new Error('File paths are only available in the desktop app.');
  return electron.pathForFile(file);
}

/** A failed call, carried as an exception inside the UI so components can use try/catch. */
export class CallError extends Error {
  constructor(readonly error: AppErrorShape) {
    super(error.message);
  }
}

/** The message to show for a failed call (the engine's words) or any other error. */
export function errorText(e: unknown): string {
  return e instanceof CallError ? e.message : e instanceof Error ? e.message : String(e);
}

const reviewerRequiredListeners = new Set<() => void>();

/**
 * Called when the server refused a call because this browser is not signed in as a reviewer
 * (browser mode; `reviewer_required`), so the UI can ask who is reviewing.
 */
export function onReviewerRequired(listener: () => void): () => void {
  reviewerRequiredListeners.add(listener);
  return () => reviewerRequiredListeners.delete(listener);
}

export async function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const result = await transport.invoke(method, input);
  if (!result.ok) {
    if (result.error.code === 'reviewer_required') for (const listener of reviewerRequiredListeners) listener();
    throw new CallError(result.error);
  }
  return result.value;
}

export function onEvent<E extends EventName>(event: E, callback: (payload: EventPayload<E>) => void): () => void {
  return transport.on(event, callback);
}

/**
 * Where an imported file's bytes come from: in Electron the engine reads the file by path; in browser
 * mode the browser uploads it first.
 */
export async function importSourceFor(file: File): Promise<MethodInput<'prompts.import'>['source']> {
  if (electron) return { kind: 'path', path: electron.pathForFile(file) };
  const response = await fetch(httpPaths.upload, { method: 'POST', body: file, credentials: 'same-origin' });
  const result = (await response.json()) as Result<{ uploadId: string }>;
  if (!result.ok) throw new CallError(result.error);
  return { kind: 'upload', uploadId: result.value.uploadId, fileName: file.name };
}
