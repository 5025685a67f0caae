import { forwardRef, useImperativeHandle, useMemo, useRef, type KeyboardEvent } from 'react';
import { codePointToUtf16, type FailureTag } from '../../../../contract';

/** A selection in the output, in UTF-16 offsets (the DOM's unit); anchor stays, focus moves. */
export interface OutputSelection {
  anchor: number;
  focus: number;
}

export function selectionRange(sel: OutputSelection | null): { start: number; end: number } | null {
  if (!sel || sel.anchor === sel.focus) return null;
  return { start: Math.min(sel.anchor, sel.focus), end: Math.max(sel.anchor, sel.focus) };
}

export interface OutputTextHandle {
  focus(): void;
}

interface Props {
  text: string;
  tags: FailureTag[];
  className: (classId: number) => string;
  selection: OutputSelection | null;
  onSelection: (selection: OutputSelection | null) => void;
  /** A tag to emphasise (its chip is hovered, or a step linked to it is focused). */
  activeTagId: number | null;
  onTagClick: (tagId: number) => void;
  /** Leave the output (Escape with nothing selected). */
  onLeave: () => void;
}

const PALETTE = 6;

/** Boundaries of user-perceived characters: the caret never splits an emoji or an accent. */
function graphemeBoundaries(text: string): number[] {
  const out: number[] = [];
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const s of segmenter.segment(text)) out.push(s.index);
  out.push(text.length);
  return out;
}

function wordStarts(text: string): { start: number; end: number }[] {
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });
  const out: { start: number; end: number }[] = [];
  for (const s of segmenter.segment(text)) if (s.isWordLike) out.push({ start: s.index, end: s.index + s.segment.length });
  return out;
}

/** The offset of a DOM position inside `root`, counted in UTF-16 units of its text. */
function offsetIn(root: HTMLElement, node: Node, offset: number): number {
  const range = document.createRange();
  range.setStart(root, 0);
  range.setEnd(node, offset);
  return range.toString().length;
}

/**
 * The model's output as the reviewer reads it: span tags highlighted, and a selection made with the
 * mouse or from the keyboard (focus the output with O or Tab, then Shift+arrows, Shift+Ctrl+arrows
 * for words, Shift+Home/End) that the tag picker anchors to.
 */
export const OutputText = forwardRef<OutputTextHandle, Props>(function OutputText(
  { text, tags, className, selection, onSelection, activeTagId, onTagClick, onLeave },
  ref,
) {
  const rootRef = useRef<HTMLDivElement>(null);
  const lazy = useRef<{ text: string; graphemes?: number[]; words?: { start: number; end: number }[] }>({ text });
  if (lazy.current.text !== text) lazy.current = { text };
  const graphemes = () => (lazy.current.graphemes ??= graphemeBoundaries(text));
  const words = () => (lazy.current.words ??= wordStarts(text));

  useImperativeHandle(ref, () => ({ focus: () => rootRef.current?.focus() }), []);

  const spans = useMemo(
    () =>
      tags
        .filter((t) => t.span)
        .map((t) => ({ id: t.id, classId: t.classId, start: codePointToUtf16(text, t.span!.start), end: codePointToUtf16(text, t.span!.end) })),
    [tags, text],
  );

  const range = selectionRange(selection);
  const caret = selection?.focus ?? null;

  const segments = useMemo(() => {
    const points = new Set<number>([0, text.length]);
    for (const s of spans) {
      points.add(s.start);
      points.add(s.end);
    }
    if (range) {
      points.add(range.start);
      points.add(range.end);
    }
    if (caret !== null) points.add(caret);
    const sorted = [...points].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
    const out: { start: number; end: number; tags: typeof spans; selected: boolean }[] = [];
    for (let i = 0; i < sorted.length - 1; i++) {
      const start = sorted[i]!;
      const end = sorted[i + 1]!;
      out.push({
        start,
        end,
        tags: spans.filter((s) => s.start <= start && s.end >= end),
        selected: !!range && start >= range.start && end <= range.end,
      });
    }
    return out;
  }, [text, spans, range?.start, range?.end, caret]);

  const move = (to: number, extend: boolean) => {
    const focus = Math.max(0, Math.min(text.length, to));
    onSelection({ anchor: extend && selection ? selection.anchor : focus, focus });
  };

  const nextGrapheme = (from: number) => graphemes().find((b) => b > from) ?? text.length;
  const prevGrapheme = (from: number) => {
    const list = graphemes();
    for (let i = list.length - 1; i >= 0; i--) if (list[i]! < from) return list[i]!;
    return 0;
  };
  const nextWordEnd = (from: number) => words().find((w) => w.end > from)?.end ?? text.length;
  const prevWordStart = (from: number) => {
    const list = words();
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.start < from) return list[i]!.start;
    return 0;
  };
  const lineStart = (from: number) => text.lastIndexOf('\n', from - 1) + 1;
  const lineEnd = (from: number) => {
    const i = text.indexOf('\n', from);
    return i < 0 ? text.length : i;
  };

  /** The caret one visual line up or down, found by pointing just above or below it. */
  const verticalMove = (from: number, down: boolean): number => {
    const root = rootRef.current;
    const caretEl = root?.querySelector('.output-caret');
    if (root && caretEl) {
      const rect = caretEl.getBoundingClientRect();
      const lineHeight = parseFloat(getComputedStyle(root).lineHeight) || rect.height || 20;
      const y = down ? rect.bottom + lineHeight / 2 : rect.top - lineHeight / 2;
      const hit = document.caretRangeFromPoint?.(rect.left, y);
      if (hit && root.contains(hit.startContainer)) {
        const to = offsetIn(root, hit.startContainer, hit.startOffset);
        if (to !== from) return to;
      }
    }
    // Off screen or past the first/last line: logical lines.
    const start = lineStart(from);
    const column = from - start;
    if (down) {
      const end = lineEnd(from);
      if (end >= text.length) return text.length;
      return Math.min(end + 1 + column, lineEnd(end + 1));
    }
    if (start === 0) return 0;
    const prevStart = lineStart(start - 1);
    return Math.min(prevStart + column, start - 1);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.altKey) return;
    const mod = e.ctrlKey || e.metaKey;
    const at = selection?.focus ?? 0;
    let to: number | null = null;
    switch (e.key) {
      case 'ArrowRight':
        to = mod ? nextWordEnd(at) : !e.shiftKey && range ? range.end : nextGrapheme(at);
        break;
      case 'ArrowLeft':
        to = mod ? prevWordStart(at) : !e.shiftKey && range ? range.start : prevGrapheme(at);
        break;
      case 'ArrowDown':
        to = verticalMove(at, true);
        break;
      case 'ArrowUp':
        to = verticalMove(at, false);
        break;
      case 'Home':
        to = mod ? 0 : lineStart(at);
        break;
      case 'End':
        to = mod ? text.length : lineEnd(at);
        break;
      case 'a':
        if (mod) {
          e.preventDefault();
          e.stopPropagation();
          onSelection({ anchor: 0, focus: text.length });
        }
        return;
      case 'c':
        if (mod && range) {
          e.preventDefault();
          e.stopPropagation();
          void navigator.clipboard?.writeText(text.slice(range.start, range.end)).catch(() => undefined);
        }
        return;
      case 'Escape':
        e.preventDefault();
        e.stopPropagation();
        if (range) onSelection({ anchor: at, focus: at });
        else onLeave();
        return;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
    move(to, e.shiftKey);
    requestAnimationFrame(() => rootRef.current?.querySelector('.output-caret')?.scrollIntoView({ block: 'nearest' }));
  };

  const onMouseUp = () => {
    const root = rootRef.current;
    const sel = window.getSelection();
    if (!root || !sel || sel.rangeCount === 0) return;
    if (!root.contains(sel.anchorNode) || !root.contains(sel.focusNode)) return;
    const anchor = offsetIn(root, sel.anchorNode!, sel.anchorOffset);
    const focus = offsetIn(root, sel.focusNode!, sel.focusOffset);
    // The selection becomes ours (drawn as a highlight), so mouse and keyboard selections are one thing.
    sel.removeAllRanges();
    root.focus({ preventScroll: true });
    onSelection({ anchor, focus });
  };

  return (
    <div
      ref={rootRef}
      className="output-text"
      role="textbox"
      aria-readonly="true"
      aria-multiline="true"
      aria-label="Model output"
      tabIndex={0}
      data-testid="review-output"
      onKeyDown={onKeyDown}
      onMouseUp={onMouseUp}
      onFocus={() => selection === null && onSelection({ anchor: 0, focus: 0 })}
    >
      {text.length === 0 && <span className="muted">(empty output)</span>}
      {segments.map((seg) => {
        const top = seg.tags[seg.tags.length - 1];
        const classes = ['seg'];
        if (top) classes.push('span-tag', `tag-c${top.classId % PALETTE}`);
        if (seg.tags.length > 1) classes.push('span-overlap');
        if (seg.tags.some((t) => t.id === activeTagId)) classes.push('span-active');
        if (seg.selected) classes.push('span-selected');
        const caretHere = caret === seg.start;
        return (
          <span key={seg.start}>
            {caretHere && <span className="output-caret" aria-hidden />}
            <span
              className={classes.join(' ')}
              title={seg.tags.length > 0 ? seg.tags.map((t) => className(t.classId)).join(', ') : undefined}
              data-tag-ids={seg.tags.length > 0 ? seg.tags.map((t) => t.id).join(' ') : undefined}
              onClick={top ? () => onTagClick(top.id) : undefined}
            >
              {text.slice(seg.start, seg.end)}
            </span>
          </span>
        );
      })}
      {caret === text.length && text.length > 0 && <span className="output-caret" aria-hidden />}
    </div>
  );
});
