import {
  httpPaths,
  REFUSED_WRITE_HEADER,
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
  chooseSaveFile?(options: { title: string; fileName: string }): Promise<string | null>;
}

declare global {
  interface Window {
    assay?: ElectronBridge;
  }
}

const electron = window.assay;

/** Why this browser is signed out, and whether a write was refused when it found out (a change that was not saved). */
export interface SignedOutInfo {
  message: string;
  /** The write method the server refused (its session had ended); null when no change was under way (an event stream ended, a read). */
  refusedWrite: string | null;
}

let signedOutInfo: SignedOutInfo | null = null;
const signedOutListeners = new Set<(info: SignedOutInfo) => void>();

/** The server no longer knows this browser (invite revoked or expired, server restarted): every later call fails the same way. */
function signedOut(info: SignedOutInfo): void {
  if (signedOutInfo !== null) {
    // Found out first by a read or the event stream, then a write was refused too: that change is lost.
    if (signedOutInfo.refusedWrite === null && info.refusedWrite !== null) {
      signedOutInfo = { ...signedOutInfo, refusedWrite: info.refusedWrite };
      for (const listener of signedOutListeners) listener(signedOutInfo);
    }
    return;
  }
  signedOutInfo = info;
  for (const listener of signedOutListeners) listener(info);
}

/** Called when this browser is signed out (browser mode), with the server's words for why; now if it already is. */
export function onSignedOut(listener: (info: SignedOutInfo) => void): () => void {
  signedOutListeners.add(listener);
  if (signedOutInfo !== null) listener(signedOutInfo);
  return () => signedOutListeners.delete(listener);
}

/** A 401 in plain text (the server's session check): its words, and this browser is signed out. Null for any other answer. */
async function notSignedIn(response: Response): Promise<string | null> {
  if (response.status !== 401 || (response.headers.get('Content-Type') ?? '').startsWith('application/json')) return null;
  const why = (await response.text().catch(() => '')).trim();
  const message = why.length > 0 && why.length < 1000 ? why : 'Not signed in: open the URL with ?token=… that `assay serve` printed.';
  signedOut({ message, refusedWrite: response.headers.get(REFUSED_WRITE_HEADER) });
  return message;
}

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
        // The token check answers in plain text, saying why (a revoked or expired invite, a restarted
        // server); a JSON 401 is a contract error (reviewer_required).
        const refused = await notSignedIn(response);
        if (refused !== null) return { ok: false, error: { code: 'unauthorized', message: refused } };
        return (await response.json()) as Result<never>;
      } catch (error) {
        return { ok: false, error: { code: 'internal', message: `Cannot reach the Assay server (${(error as Error).message}). Is it still running?` } };
      }
    },
    on(event, callback) {
      if (!source) {
        source = new EventSource(httpPaths.events);
        // The server ends a stream when its session ends (a revoked invite) and refuses the
        // reconnect: ask once why, which reports a signed-out browser to onSignedOut.
        source.addEventListener('error', () => {
          if (signedOutInfo !== null) return;
          fetch(`${httpPaths.rpc}session.get`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, credentials: 'same-origin', body: '{}' })
            .then(notSignedIn)
            .catch(() => undefined);
        });
      }
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

/** The desktop app's native save dialog: the path chosen, or null (cancelled). Undefined in browser mode. */
export const chooseSaveFile = electron?.chooseSaveFile ? (options: { title: string; fileName: string }) => electron.chooseSaveFile!(options) : undefined;

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
