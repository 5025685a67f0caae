/**
 * contract/spans.ts: span offsets are stored in code points (what Python's str indexes by) and the
 * DOM counts UTF-16 code units. Array.from(text) iterates code points, so it is the reference here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codePointLength, codePointToUtf16, sliceCodePoints, utf16ToCodePoint } from '../contract/spans';

const SCIENTIST = '👩‍🔬'; // U+1F469 U+200D U+1F52C: 3 code points, 5 UTF-16 units
const PARTY = '🎉'; // U+1F389: 1 code point, 2 units
const E_ACUTE = 'e\u0301'; // e + combining acute: 2 code points, 2 units
const TOKYO = '東京'; // BMP: 2 code points, 2 units

/** Code points of `text`, as Python would see them. */
const points = (text: string) => Array.from(text);

describe('code-point spans', () => {
  it('counts emoji, ZWJ sequences, combining marks and CJK the way Python does', () => {
    expect(codePointLength('')).toBe(0);
    expect(codePointLength('abc')).toBe(3);
    expect(codePointLength(PARTY)).toBe(1);
    expect(PARTY.length).toBe(2);
    expect(codePointLength(SCIENTIST)).toBe(3);
    expect(SCIENTIST.length).toBe(5);
    expect(codePointLength(E_ACUTE)).toBe(2);
    expect(E_ACUTE.length).toBe(2);
    expect(codePointLength(TOKYO)).toBe(2);
    // The same "é" precomposed (U+00E9) is one code point: offsets follow the stored text, never a normalisation of it.
    expect(codePointLength('\u00e9')).toBe(1);
    expect(codePointLength(`${SCIENTIST} ${PARTY} caf${E_ACUTE} ${TOKYO}`)).toBe(3 + 1 + 1 + 1 + 5 + 1 + 2);
  });

  it('converts offsets both ways around astral characters', () => {
    const text = `a${PARTY}b${SCIENTIST}c`;
    // UTF-16:      a=0, 🎉=1..2, b=3, 👩=4..5, ZWJ=6, 🔬=7..8, c=9, end=10
    // code points: a=0, 🎉=1,    b=2, 👩=3,    ZWJ=4, 🔬=5,    c=6, end=7
    const utf16 = [0, 1, 3, 4, 6, 7, 9, 10];
    utf16.forEach((u, p) => {
      expect(utf16ToCodePoint(text, u)).toBe(p);
      expect(codePointToUtf16(text, p)).toBe(u);
    });
    expect(sliceCodePoints(text, 1, 2)).toBe(PARTY);
    expect(sliceCodePoints(text, 3, 6)).toBe(SCIENTIST);
    expect(sliceCodePoints(text, 6, 7)).toBe('c');
  });

  it('rounds an offset inside a surrogate pair down, and clamps past the end', () => {
    const text = `x${PARTY}y`;
    // UTF-16 offset 2 is between the two halves of 🎉: it belongs to the character that starts at 1.
    expect(utf16ToCodePoint(text, 2)).toBe(1);
    expect(utf16ToCodePoint(text, 99)).toBe(3);
    expect(codePointToUtf16(text, 99)).toBe(text.length);
    expect(sliceCodePoints(text, 2, 99)).toBe('y');
    expect(sliceCodePoints(text, 0, 0)).toBe('');
  });

  it('splits a combining sequence where asked, as Python would', () => {
    const text = `caf${E_ACUTE}!`;
    expect(sliceCodePoints(text, 3, 4)).toBe('e');
    expect(sliceCodePoints(text, 4, 5)).toBe('\u0301');
    expect(sliceCodePoints(text, 3, 5)).toBe(E_ACUTE);
    expect(utf16ToCodePoint(text, text.indexOf('\u0301'))).toBe(4);
  });

  it('counts a lone surrogate as one code point', () => {
    const loneHigh = 'a\ud83cb';
    const loneLow = 'a\udf89b';
    expect(codePointLength(loneHigh)).toBe(3);
    expect(codePointLength(loneLow)).toBe(3);
    expect(sliceCodePoints(loneHigh, 1, 2)).toBe('\ud83c');
    expect(points(loneHigh)).toHaveLength(3);
  });

  const anyText = fc.string({ unit: 'binary', maxLength: 40 });
  const mixedText = fc
    .array(fc.constantFrom('a', ' ', 'é', E_ACUTE, PARTY, SCIENTIST, TOKYO, '\u0301', '\u200d', '𝔸', '\n'), { maxLength: 30 })
    .map((parts) => parts.join(''));

  it('agrees with Array.from for every text and every code-point span (property)', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, mixedText), fc.nat(), fc.nat(), (text, a, b) => {
        const cps = points(text);
        expect(codePointLength(text)).toBe(cps.length);
        const start = Math.min(a, b) % (cps.length + 1);
        const end = Math.min(cps.length, start + (Math.max(a, b) % (cps.length + 1)));
        expect(sliceCodePoints(text, start, end)).toBe(cps.slice(start, end).join(''));
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips: code point → UTF-16 → code point is the identity, and UTF-16 boundaries map back exactly (property)', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, mixedText), (text) => {
        const cps = points(text);
        let utf16 = 0;
        for (let p = 0; p <= cps.length; p++) {
          expect(codePointToUtf16(text, p)).toBe(utf16);
          expect(utf16ToCodePoint(text, utf16)).toBe(p);
          utf16 += cps[p]?.length ?? 0;
        }
        // Every UTF-16 offset maps to a code point whose start is at or before it.
        for (let u = 0; u <= text.length; u++) expect(codePointToUtf16(text, utf16ToCodePoint(text, u))).toBeLessThanOrEqual(u);
      }),
      { numRuns: 1000 },
    );
  });

  it('a DOM selection converted to code points quotes the selected text (property)', () => {
    fc.assert(
      fc.property(mixedText, fc.nat(), fc.nat(), (text, a, b) => {
        // A selection in the DOM starts and ends on character boundaries (never inside a surrogate pair).
        const boundaries = [0];
        for (const cp of points(text)) boundaries.push(boundaries[boundaries.length - 1]! + cp.length);
        const from = boundaries[Math.min(a, b) % boundaries.length]!;
        const to = boundaries[Math.max(a, b) % boundaries.length]!;
        const [start, end] = [utf16ToCodePoint(text, Math.min(from, to)), utf16ToCodePoint(text, Math.max(from, to))];
        expect(sliceCodePoints(text, start, end)).toBe(text.slice(Math.min(from, to), Math.max(from, to)));
      }),
      { numRuns: 1000 },
    );
  });
});
