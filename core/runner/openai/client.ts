/**
 * HTTP plumbing shared by the OpenAI-compatible runner and the model listing: base URL
 * normalization, headers, timeouts, and turning HTTP and network failures into messages a user can
 * act on. Nothing here logs, and every message goes through `redact` so the API key never leaks.
 */
import { AppError, type ErrorCode } from '../../../contract/result';

export type FetchLike = typeof fetch;

export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const ERROR_BODY_LIMIT = 4_000;
const ERROR_MESSAGE_LIMIT = 500;

/**
 * `http://host:8000`, `http://host:8000/`, `http://host:8000/v1` and `http://host:8000/v1/` all
 * become `http://host:8000/v1`; endpoints are appended to that (`/chat/completions`, `/models`).
 * A missing scheme means http (`localhost:8080`). Credentials in the URL are refused: they belong
 * in the API key, and fetch() rejects such URLs anyway.
 */
export function normalizeBaseUrl(baseUrl: string): string {
  let raw = baseUrl.trim();
  if (raw === '') throw new AppError('invalid_input', 'The endpoint base URL is empty.');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) raw = `http://${raw}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('invalid_input', `The endpoint base URL "${baseUrl}" is not a valid URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('invalid_input', `The endpoint base URL must start with http:// or https:// (got ${url.protocol}//).`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new AppError('invalid_input', 'Put credentials in the API key setting, not in the endpoint URL.');
  }
  url.hash = '';
  url.search = '';
  let path = url.pathname.replace(/\/+$/, '');
  if (!/\/v1$/i.test(path)) path += '/v1';
  return `${url.origin}${path}`;
}

export function endpointUrl(normalizedBase: string, path: '/completions' | '/chat/completions' | '/models'): string {
  return `${normalizedBase}${path}`;
}

export function requestHeaders(apiKey: string | undefined, accept: string, json: boolean): Record<string, string> {
  const headers: Record<string, string> = { Accept: accept };
  if (json) headers['Content-Type'] = 'application/json';
  if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
  return headers;
}

/** Trim a pasted key; an empty one means none. A key that cannot go in a header is refused (without echoing it). */
export function cleanApiKey(apiKey: string | undefined): string | undefined {
  const key = apiKey?.trim();
  if (!key) return undefined;
  if (/[^\x21-\x7e]/.test(key)) {
    throw new AppError('invalid_input', 'The API key contains spaces, line breaks or non-ASCII characters; paste it again.');
  }
  return key;
}

/** Replace the API key wherever it appears (servers sometimes echo it back in error bodies). */
export function redact(text: string, apiKey: string | undefined): string {
  // Keys shorter than 4 characters are not secrets worth mangling every message over.
  if (!apiKey || apiKey.length < 4) return text;
  return text.split(apiKey).join('***');
}

function truncate(text: string, limit: number): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length > limit ? `${t.slice(0, limit)}…` : t;
}

/**
 * The human part of an error body: OpenAI's `{"error":{"message"}}`, vLLM's older
 * `{"object":"error","message"}`, TGI's `{"error":"..."}`, FastAPI's `{"detail":"..."}`, or the
 * plain text itself.
 */
export function errorBodyMessage(body: string): string {
  const text = body.trim();
  if (text === '') return '';
  try {
    const json: unknown = JSON.parse(text);
    const found = messageFromJson(json);
    if (found) return truncate(found, ERROR_MESSAGE_LIMIT);
  } catch {
    // not JSON: fall through to the plain text
  }
  return truncate(text, ERROR_MESSAGE_LIMIT);
}

export function messageFromJson(json: unknown): string | null {
  if (typeof json === 'string') return json;
  if (!isRecord(json)) return null;
  const error = json.error;
  if (typeof error === 'string') return error;
  if (isRecord(error)) {
    if (typeof error.message === 'string') return error.message;
    return JSON.stringify(error);
  }
  if (typeof json.message === 'string') return json.message;
  if (typeof json.detail === 'string') return json.detail;
  if (Array.isArray(json.detail)) return JSON.stringify(json.detail);
  return null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function httpErrorCode(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status >= 400 && status < 500 && status !== 429) return 'invalid_input';
  return 'internal';
}

/** 429 and 5xx may succeed later; every other 4xx will fail the same way again. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** `Retry-After` as milliseconds: seconds (decimals tolerated) or an HTTP date. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (value === '') return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/** Exponential backoff with jitter: base·2^attempt capped at max, then scaled by 50–100%. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling * (0.5 + random() * 0.5));
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve(false);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** What went wrong below HTTP, worded for the user. */
export interface NetworkFailure {
  code: ErrorCode;
  message: string;
  /** Worth another attempt (refused/reset connections), or not (an unknown host). */
  retryable: boolean;
  causeCode: string | null;
}

export function causeCodeOf(err: unknown): string | null {
  // undici: TypeError('fetch failed', { cause: Error{ code } }), sometimes an AggregateError of
  // attempts (IPv6 then IPv4), and TypeError('terminated', { cause: SocketError }) mid-body.
  let current: unknown = err;
  for (let depth = 0; depth < 5 && isRecord(current); depth++) {
    if (typeof current.code === 'string') return current.code;
    if (Array.isArray(current.errors) && current.errors.length > 0) {
      current = current.errors[0];
      continue;
    }
    current = current.cause;
  }
  return null;
}

export function causeMessageOf(err: unknown): string {
  let current: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.message) message = current.message;
    current = current.cause;
  }
  return message;
}

export function describeNetworkError(err: unknown, url: string, apiKey?: string): NetworkFailure {
  const causeCode = causeCodeOf(err);
  const host = safeHost(url);
  switch (causeCode) {
    case 'ECONNREFUSED':
      return {
        code: 'invalid_input',
        causeCode,
        retryable: true,
        message: `Could not connect to ${url} (connection refused). Check that the server is running and the base URL and port are right.`,
      };
    case 'ENOTFOUND':
      return {
        code: 'invalid_input',
        causeCode,
        retryable: false,
        message: `Could not resolve the host "${host}" for ${url}. Check the base URL and that the server is running.`,
      };
    case 'EAI_AGAIN':
      return {
        code: 'invalid_input',
        causeCode,
        retryable: true,
        message: `Could not resolve the host "${host}" for ${url} (DNS lookup failed temporarily). Check your network and that the server is running.`,
      };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return {
        code: 'invalid_input',
        causeCode,
        retryable: true,
        message: `Could not reach ${url} (${causeCode}). Check that the server is running and reachable from this machine.`,
      };
    default:
      return {
        code: 'internal',
        causeCode,
        retryable: true,
        message: redact(`The connection to ${url} failed: ${causeMessageOf(err)}${causeCode ? ` (${causeCode})` : ''}.`, apiKey),
      };
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
}

/**
 * An AbortController driven by the caller's signals and by one re-armable timer: the connect/first
 * byte deadline first, then the idle deadline between chunks. `timedOut` says which one fired.
 */
export class Watchdog {
  readonly controller = new AbortController();
  timedOut: string | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly unlink: Array<() => void> = [];

  constructor(signals: Array<AbortSignal | undefined>) {
    for (const signal of signals) {
      if (!signal) continue;
      if (signal.aborted) {
        this.controller.abort();
        continue;
      }
      const onAbort = () => this.controller.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.unlink.push(() => signal.removeEventListener('abort', onAbort));
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  arm(ms: number, message: string): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.timedOut = message;
      this.controller.abort();
    }, ms);
  }

  disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.disarm();
    for (const unlink of this.unlink) unlink();
    this.unlink.length = 0;
  }
}

/** Read at most `limit` characters of an error body; never throws. */
export async function readErrorBody(response: Response, limit = ERROR_BODY_LIMIT): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8');
  let text = '';
  try {
    while (text.length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    text += decoder.decode();
  } catch {
    // a body cut short still says something; keep what arrived
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return text.slice(0, limit);
}

/** `HTTP 401 from http://host/v1/chat/completions: invalid api key`, plus a hint where one helps. */
export function httpErrorMessage(status: number, statusText: string, url: string, body: string, apiKey?: string): string {
  const detail = errorBodyMessage(body) || statusText || 'no details';
  let hint = '';
  if (status === 401 || status === 403) hint = ' (check the API key)';
  else if (status === 404) hint = ' (check the base URL and the model name)';
  return redact(`HTTP ${status} from ${url}: ${detail}${hint}`, apiKey);
}

export interface ListModelsOptions {
  baseUrl: string;
  apiKey?: string;
  timeoutMs?: number;
  fetch?: FetchLike;
  signal?: AbortSignal;
}

/** The model ids the server offers: GET {baseUrl}/v1/models, `data[].id` (or llama.cpp/Ollama `models[]`). */
export async function listModels(options: ListModelsOptions): Promise<string[]> {
  const url = endpointUrl(normalizeBaseUrl(options.baseUrl), '/models');
  const apiKey = cleanApiKey(options.apiKey);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const fetchImpl = options.fetch ?? fetch;
  const watchdog = new Watchdog([options.signal]);
  watchdog.arm(timeoutMs, `No response from ${url} within ${seconds(timeoutMs)}. Check that the server is running.`);
  try {
    let response: Response;
    try {
      response = await fetchImpl(url, { method: 'GET', headers: requestHeaders(apiKey, 'application/json', false), signal: watchdog.signal });
    } catch (err) {
      if (watchdog.timedOut) throw new AppError('internal', watchdog.timedOut, { url });
      if (options.signal?.aborted) throw new AppError('cancelled', `Listing the models of ${url} was cancelled.`);
      const failure = describeNetworkError(err, url, apiKey);
      throw new AppError(failure.code, failure.message, { url, cause: failure.causeCode });
    }
    const body = response.ok ? await response.text().catch(() => null) : await readErrorBody(response);
    if (watchdog.timedOut) throw new AppError('internal', watchdog.timedOut, { url });
    if (!response.ok) {
      throw new AppError(httpErrorCode(response.status), httpErrorMessage(response.status, response.statusText, url, body ?? '', apiKey), {
        url,
        status: response.status,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(body ?? '');
    } catch {
      throw new AppError('internal', `The model list from ${url} is not JSON: ${truncate(redact(body ?? '', apiKey), 200)}`, { url });
    }
    const ids: string[] = [];
    const push = (value: unknown) => {
      if (typeof value === 'string' && value !== '' && !ids.includes(value)) ids.push(value);
    };
    if (isRecord(json) && Array.isArray(json.data)) {
      for (const entry of json.data) if (isRecord(entry)) push(entry.id);
    } else if (isRecord(json) && Array.isArray(json.models)) {
      for (const entry of json.models) if (isRecord(entry)) push(entry.model ?? entry.name);
    } else {
      throw new AppError('internal', `The model list from ${url} has no "data" array; is this an OpenAI-compatible server?`, { url });
    }
    return ids;
  } finally {
    watchdog.dispose();
  }
}
