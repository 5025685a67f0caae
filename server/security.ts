import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The port the server listens on, learned after listen() (port 0 means "any"). */
export interface SecurityConfig {
  token: string;
  port: () => number;
  /** Extra Host names to accept, for a deliberate bind to another interface (a team server). */
  allowedHosts?: string[];
  /**
   * The address users open when the server sits behind a reverse proxy (`--public-url`): its Host and
   * Origin are accepted too, and an https one makes the cookie `Secure`.
   */
  publicUrl?: URL;
}

export type Refusal = { status: 401 | 403; reason: string };

export function cookieName(port: number): string {
  // Cookies are shared across ports of one host; naming by port keeps two Assay servers apart.
  return `assay_session_${port}`;
}

/** The Set-Cookie value that carries a session id (what the login URL's token is traded for). */
export function sessionCookie(port: number, sessionId: string, secure = false): string {
  return `${cookieName(port)}=${sessionId}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`;
}

/** The Host a URL's browser sends (`example.com` for https on 443, `example.com:8443` otherwise). */
function hostOf(url: URL): string {
  return url.host.toLowerCase();
}

/** `publicHost`: also the public URL's Host (a request's Host header; an Origin must match that URL whole). */
function hostAllowed(host: string | undefined, config: SecurityConfig, publicHost = false): boolean {
  if (!host) return false;
  if (publicHost && config.publicUrl && host.toLowerCase() === hostOf(config.publicUrl)) return true;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.toLowerCase());
  if (!match) return false;
  const [, hostname, port] = match;
  // No port means the scheme's default (80): another local web server, not us.
  if ((port === undefined ? 80 : Number(port)) !== config.port()) return false;
  return LOCAL_HOSTNAMES.has(hostname!) || (config.allowedHosts ?? []).includes(hostname!);
}

export function tokensEqual(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer …` header (scripts; the browser uses its session cookie). */
export function bearerToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
}

/** The session id of this server's cookie, if the request carries one. */
export function sessionIdFromRequest(req: IncomingMessage, port: number): string | undefined {
  const name = cookieName(port);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/**
 * Refuses what a page on another site, or a DNS-rebinding attack, could send: a Host that is not
 * ours (rebinding) and an Origin that is not ours (CSRF). The token is checked by the caller, since
 * the first visit carries it in the URL instead of a cookie.
 */
export function checkOrigin(req: IncomingMessage, config: SecurityConfig): Refusal | null {
  if (!hostAllowed(req.headers.host, config, true)) return { status: 403, reason: 'Host not allowed' };
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return { status: 403, reason: 'Origin not allowed' };
    }
    const isPublic = config.publicUrl !== undefined && url.origin === config.publicUrl.origin;
    if (!isPublic && (url.protocol !== 'http:' || !hostAllowed(url.host, config))) return { status: 403, reason: 'Origin not allowed' };
  }
  return null;
}
