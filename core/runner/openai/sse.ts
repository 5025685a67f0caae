/**
 * A server-sent events parser for the `text/event-stream` bodies OpenAI-compatible servers stream
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
 *
 * Bytes may arrive split anywhere: mid line, mid CRLF, even mid UTF-8 character. `SseDecoder` keeps
 * a streaming TextDecoder for the characters and `SseParser` keeps the unfinished line and event.
 */

export interface SseEvent {
  /** The `event:` field, or `message` when the server sent none. */
  event: string;
  /** The event's `data:` lines joined with `\n`. */
  data: string;
}

export class SseParser {
  /** The current line, not yet terminated. */
  private partial = '';
  /** The previous chunk ended in `\r`: a `\n` starting the next chunk belongs to that CRLF. */
  private skipLeadingLF = false;
  private dataLines: string[] = [];
  private eventName = '';

  /** Feed decoded text; returns the events completed by it (in order). */
  feed(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let i = 0;
    if (this.skipLeadingLF && text.length > 0) {
      if (text.charCodeAt(0) === 10) i = 1;
      this.skipLeadingLF = false;
    }
    const eol = /[\r\n]/g;
    while (i < text.length) {
      eol.lastIndex = i;
      const match = eol.exec(text);
      if (!match) {
        this.partial += text.slice(i);
        break;
      }
      const j = match.index;
      const line = this.partial + text.slice(i, j);
      this.partial = '';
      this.line(line, events);
      let next = j + 1;
      if (text.charCodeAt(j) === 13) {
        if (next < text.length) {
          if (text.charCodeAt(next) === 10) next += 1;
        } else {
          this.skipLeadingLF = true;
        }
      }
      i = next;
    }
    return events;
  }

  /**
   * The stream ended. The spec discards an event that was not closed by a blank line, but some
   * servers end with `data: [DONE]` and no blank line (or no newline at all), so the pending event
   * is dispatched. A caller that lost the connection mid-stream should not call this.
   */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.partial !== '') {
      const line = this.partial;
      this.partial = '';
      this.line(line, events);
    }
    this.dispatch(events);
    this.skipLeadingLF = false;
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') {
      this.dispatch(events);
      return;
    }
    // A comment, e.g. `: ping` keep-alives.
    if (line.charCodeAt(0) === 58) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.eventName = value;
    // `id:` and `retry:` only matter to EventSource reconnection; unknown fields are ignored.
  }

  private dispatch(events: SseEvent[]): void {
    if (this.dataLines.length > 0) {
      events.push({ event: this.eventName || 'message', data: this.dataLines.join('\n') });
    }
    this.dataLines = [];
    this.eventName = '';
  }
}

/** Bytes in, events out: a streaming UTF-8 decoder in front of an `SseParser`. */
export class SseDecoder {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly parser = new SseParser();

  feed(bytes: Uint8Array): SseEvent[] {
    return this.parser.feed(this.decoder.decode(bytes, { stream: true }));
  }

  /** Flush the decoder (an incomplete trailing character becomes U+FFFD) and the parser. */
  end(): SseEvent[] {
    const rest = this.decoder.decode();
    const events = rest === '' ? [] : this.parser.feed(rest);
    return events.concat(this.parser.end());
  }
}
