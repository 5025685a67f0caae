import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  errorBodyMessage,
  normalizeBaseUrl,
  parseRetryAfter,
  redact,
} from '../core/runner/openai/client';
import { SseDecoder, SseParser, type SseEvent } from '../core/runner/openai/sse';

function parseAll(parts: string[]): SseEvent[] {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  for (const part of parts) events.push(...parser.feed(part));
  events.push(...parser.end());
  return events;
}

function decodeAll(bytes: Uint8Array, cuts: number[]): SseEvent[] {
  const decoder = new SseDecoder();
  const events: SseEvent[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...decoder.feed(bytes.subarray(start, cut)));
    start = cut;
  }
  events.push(...decoder.end());
  return events;
}

describe('SseParser', () => {
  it('parses data lines, blank-line separated events, and [DONE]', () => {
    expect(parseAll(['data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\n'])).toEqual([
      { event: 'message', data: '{"a":1}' },
      { event: 'message', data: '{"a":2}' },
      { event: 'message', data: '[DONE]' },
    ]);
  });

  it('joins several data lines with \\n, ignores comments and other fields, reads event names', () => {
    const text = ': ping\n\nid: 7\nretry: 100\nevent: error\ndata: first\ndata:second\ndata\n\n: another comment\ndata: x\n\n';
    expect(parseAll([text])).toEqual([
      { event: 'error', data: 'first\nsecond\n' },
      { event: 'message', data: 'x' },
    ]);
  });

  it('tolerates CRLF and lone CR, including a CRLF split between chunks', () => {
    expect(parseAll(['data: a\r', '\n\r', '\ndata: b\r\rdata: c\r\n\r\n'])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' },
      { event: 'message', data: 'c' },
    ]);
  });

  it('does not dispatch an event before its blank line, and flushes a last event without one at the end', () => {
    const parser = new SseParser();
    expect(parser.feed('data: {"x":')).toEqual([]);
    expect(parser.feed('1}\n')).toEqual([]);
    expect(parser.feed('\ndata: [DONE]')).toEqual([{ event: 'message', data: '{"x":1}' }]);
    expect(parser.end()).toEqual([{ event: 'message', data: '[DONE]' }]);
  });

  it('gives the same events for every way of cutting the bytes, even mid UTF-8 character', () => {
    const text = 'data: {"t":"héllo 世界 🎉"}\r\n\r\n: ping\n\ndata: {"t":"ü"}\ndata: {"u":"€"}\n\ndata: [DONE]\n\n';
    const bytes = new TextEncoder().encode(text);
    const expected = [
      { event: 'message', data: '{"t":"héllo 世界 🎉"}' },
      { event: 'message', data: '{"t":"ü"}\n{"u":"€"}' },
      { event: 'message', data: '[DONE]' },
    ];
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(decodeAll(bytes, [cut])).toEqual(expected);
    }
    // And one byte at a time.
    expect(decodeAll(bytes, Array.from({ length: bytes.length }, (_, i) => i))).toEqual(expected);
  });
});

describe('client helpers', () => {
  it('normalizes base URLs with or without /v1 and trailing slashes', () => {
    expect(normalizeBaseUrl('http://127.0.0.1:8000')).toBe('http://127.0.0.1:8000/v1');
    expect(normalizeBaseUrl('http://127.0.0.1:8000/')).toBe('http://127.0.0.1:8000/v1');
    expect(normalizeBaseUrl('http://127.0.0.1:8000/v1')).toBe('http://127.0.0.1:8000/v1');
    expect(normalizeBaseUrl(' http://127.0.0.1:8000/v1/ ')).toBe('http://127.0.0.1:8000/v1');
    expect(normalizeBaseUrl('https://proxy.example/openai/v1')).toBe('https://proxy.example/openai/v1');
    expect(normalizeBaseUrl('localhost:11434')).toBe('http://localhost:11434/v1');
    expect(() => normalizeBaseUrl('')).toThrow(/empty/);
    expect(() => normalizeBaseUrl('ftp://host')).toThrow(/http/);
    expect(() => normalizeBaseUrl('http://user:pw@host')).toThrow(/API key/);
  });

  it('reads error bodies in the common server formats', () => {
    expect(errorBodyMessage('{"error":{"message":"invalid api key","type":"invalid_request_error"}}')).toBe('invalid api key');
    expect(errorBodyMessage('{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","code":404}')).toBe(
      'The model `x` does not exist.',
    );
    expect(errorBodyMessage('{"error":"Input validation error","error_type":"validation"}')).toBe('Input validation error');
    expect(errorBodyMessage('{"detail":"Not Found"}')).toBe('Not Found');
    expect(errorBodyMessage('Bad Gateway\n')).toBe('Bad Gateway');
    expect(errorBodyMessage('')).toBe('');
  });

  it('parses Retry-After seconds and dates, backs off exponentially with jitter, redacts keys', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.25')).toBe(250);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:03 GMT', now)).toBe(3000);
    expect(backoffDelay(0, 100, 1000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 1000, () => 1)).toBe(800);
    expect(backoffDelay(5, 100, 1000, () => 1)).toBe(1000);
    expect(backoffDelay(3, 100, 1000, () => 0)).toBe(400);
    expect(redact('bad key sk-secret-123 given', 'sk-secret-123')).toBe('bad key *** given');
  });
});
