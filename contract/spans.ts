/**
 * Span offsets are stored in Unicode code points (what Python's `str` indexes by); the DOM and
 * JavaScript strings count UTF-16 code units. These convert between the two for one text. An
 * emoji outside the BMP is one code point and two code units; a combining accent is its own code
 * point in both units (so "é" written as e + U+0301 is two of each).
 */

/** The code-point offset of UTF-16 offset `utf16` in `text` (a split surrogate pair rounds down). */
export function utf16ToCodePoint(text: string, utf16: number): number {
  let points = 0;
  for (let i = 0; i < utf16 && i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point: count it once, at the low half.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        if (i + 1 >= utf16) break;
        i++;
      }
    }
    points++;
  }
  return points;
}

/** The UTF-16 offset of code point `points` in `text` (clamped to the end). */
export function codePointToUtf16(text: string, points: number): number {
  let i = 0;
  for (let p = 0; p < points && i < text.length; p++) {
    const unit = text.charCodeAt(i);
    const pair = unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff;
    i += pair ? 2 : 1;
  }
  return i;
}

/** The code-point length of `text`. */
export function codePointLength(text: string): number {
  return utf16ToCodePoint(text, text.length);
}

/** The text a code-point span covers. */
export function sliceCodePoints(text: string, start: number, end: number): string {
  return text.slice(codePointToUtf16(text, start), codePointToUtf16(text, end));
}
