import { forwardRef, lazy, Suspense, useImperativeHandle, useLayoutEffect, useRef, useState } from 'react';
import type { FailureTag } from '../../../../contract';
import { LazyBoundary } from './LazyBoundary';
import type { StepEditorInstance } from './MonacoStep';

const MonacoStep = lazy(() => import('./MonacoStep'));

export type StepSaveState = 'saved' | 'pending' | 'saving' | 'error';

export interface StepModel {
  /** Stable React key: `s-<id>` for stored steps, `new-<n>` for ones created here. */
  key: string;
  id: number | null;
  tagId: number | null;
  /** The text the editor starts from (later text lives in the editor and in `bodies`). */
  initialBody: string;
  state: StepSaveState;
  error?: string;
}

export interface StepEditorHandle {
  focus(): void;
}

interface StepEditorProps {
  initial: string;
  label: string;
  autoFocus: boolean;
  onChange: (body: string) => void;
  onEscape: () => void;
  onNewStep: () => void;
  onSaveNow: () => void;
  onFocus: () => void;
}

/**
 * A step's editor: a plain textarea until Monaco has loaded and mounted, then Monaco with the
 * same text and cursor. Keys typed while Monaco loads land in the textarea, so none is lost.
 */
const StepEditor = forwardRef<StepEditorHandle, StepEditorProps>(function StepEditor({ initial, label, autoFocus, onChange, onEscape, onNewStep, onSaveNow, onFocus }, ref) {
  const [ready, setReady] = useState(false);
  const wrapper = useRef<HTMLDivElement>(null);
  const fallback = useRef<HTMLTextAreaElement>(null);
  const editor = useRef<StepEditorInstance | null>(null);

  useImperativeHandle(ref, () => ({
    focus: () => {
      if (editor.current) editor.current.focus();
      else fallback.current?.focus();
    },
  }));

  useLayoutEffect(() => {
    if (autoFocus) fallback.current?.focus();
  }, [autoFocus]);

  /**
   * The swap happens in this one task, before any further key event can be handled: take the text
   * and cursor, show Monaco (a class on the DOM node, not a React render that would come later),
   * move the focus. React's own state follows.
   */
  const takeOver = (instance: StepEditorInstance) => {
    const area = fallback.current;
    let hadFocus = false;
    if (area) {
      if (area.value !== instance.getValue()) instance.setValue(area.value);
      const model = instance.getModel();
      if (model) instance.setPosition(model.getPositionAt(area.selectionEnd));
      hadFocus = document.activeElement === area;
    }
    editor.current = instance;
    wrapper.current?.classList.add('ready');
    if (hadFocus) instance.focus();
    setReady(true);
  };

  return (
    <div ref={wrapper} className={`step-editor${ready ? ' ready' : ''}`}>
      {!ready && (
        <textarea
          ref={fallback}
          className="step-fallback"
          aria-label={label}
          defaultValue={initial}
          rows={3}
          onFocus={onFocus}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              onEscape();
            } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              onNewStep();
            } else if (e.key === 's' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              onSaveNow();
            }
          }}
        />
      )}
      <div className="step-monaco" aria-hidden={!ready}>
        {/* If Monaco cannot load, the textarea simply stays: it autosaves the same way. */}
        <LazyBoundary fallback={null}>
          <Suspense fallback={null}>
            <MonacoStep
              initial={initial}
              label={label}
              onChange={onChange}
              onEscape={onEscape}
              onNewStep={onNewStep}
              onSaveNow={onSaveNow}
              onFocus={onFocus}
              onReady={takeOver}
            />
          </Suspense>
        </LazyBoundary>
      </div>
    </div>
  );
});

export interface ThinkAloudHandle {
  focusStep(key: string): void;
  focusLast(): boolean;
}

interface Props {
  steps: StepModel[];
  tags: FailureTag[];
  className: (classId: number) => string;
  quote: (tag: FailureTag) => string;
  autoFocusKey: string | null;
  onBodyChange: (key: string, body: string) => void;
  onTagLink: (key: string, tagId: number | null) => void;
  onAdd: (afterKey: string | null) => void;
  onDelete: (key: string) => void;
  onMove: (key: string, delta: -1 | 1) => void;
  onSaveNow: (key: string) => void;
  onLeave: () => void;
  onActiveTag: (tagId: number | null) => void;
}

function stateText(step: StepModel): string {
  switch (step.state) {
    case 'saved':
      return step.id === null ? '' : 'Saved';
    case 'pending':
    case 'saving':
      return 'Saving…';
    case 'error':
      return `Not saved: ${step.error ?? 'error'} (retrying)`;
  }
}

/**
 * Think-aloud: why the right answer is right and where the model went wrong, one step at a time.
 * Each step autosaves as it is typed and may point at one of the span tags.
 */
export const ThinkAloud = forwardRef<ThinkAloudHandle, Props>(function ThinkAloud(props, ref) {
  const { steps, tags, className, quote, autoFocusKey, onBodyChange, onTagLink, onAdd, onDelete, onMove, onSaveNow, onLeave, onActiveTag } = props;
  const editors = useRef(new Map<string, StepEditorHandle>());
  const spanTags = tags.filter((t) => t.span);

  useImperativeHandle(ref, () => ({
    focusStep: (key) => editors.current.get(key)?.focus(),
    focusLast: () => {
      const last = steps[steps.length - 1];
      if (!last) return false;
      editors.current.get(last.key)?.focus();
      return true;
    },
  }));

  return (
    <section className="think-aloud card" aria-label="Think-aloud">
      <header className="card-header">
        <h3>Think-aloud</h3>
        <span className="muted hint">
          <kbd>S</kbd> write · <kbd>Ctrl ↵</kbd> next step · <kbd>Esc</kbd> done
        </span>
        <button className="secondary small" onClick={() => onAdd(null)}>
          Add step <kbd>N</kbd>
        </button>
      </header>
      {steps.length === 0 && <p className="muted empty-inline">Explain why the right answer is right and where the model went wrong, step by step.</p>}
      <ol className="steps">
        {steps.map((step, i) => (
          <li
            key={step.key}
            className="step"
            data-step-id={step.id ?? undefined}
            onFocus={() => onActiveTag(step.tagId)}
            onBlur={() => onActiveTag(null)}
          >
            <div className="step-head">
              <span className="step-number">{i + 1}</span>
              <select
                aria-label={`Step ${i + 1} explains`}
                value={step.tagId ?? ''}
                onChange={(e) => {
                  onTagLink(step.key, e.target.value === '' ? null : Number(e.target.value));
                  e.currentTarget.blur();
                }}
              >
                <option value="">Not linked to a span</option>
                {spanTags.map((t) => (
                  <option key={t.id} value={t.id}>
                    {className(t.classId)}: “{quote(t)}”
                  </option>
                ))}
                {step.tagId !== null && !spanTags.some((t) => t.id === step.tagId) && <option value={step.tagId}>(a removed tag)</option>}
              </select>
              <span className={`save-state ${step.state}`} aria-live="polite">
                {stateText(step)}
              </span>
              <span className="step-actions">
                <button className="icon" title="Move up" aria-label={`Move step ${i + 1} up`} disabled={i === 0 || step.id === null} onClick={() => onMove(step.key, -1)}>
                  ↑
                </button>
                <button
                  className="icon"
                  title="Move down"
                  aria-label={`Move step ${i + 1} down`}
                  disabled={i === steps.length - 1 || step.id === null}
                  onClick={() => onMove(step.key, 1)}
                >
                  ↓
                </button>
                <button className="icon" title="Delete step (undo with Ctrl+Z)" aria-label={`Delete step ${i + 1}`} onClick={() => onDelete(step.key)}>
                  ×
                </button>
              </span>
            </div>
            <StepEditor
              ref={(h) => {
                if (h) editors.current.set(step.key, h);
                else editors.current.delete(step.key);
              }}
              initial={step.initialBody}
              label={`Think-aloud step ${i + 1} (markdown)`}
              autoFocus={autoFocusKey === step.key}
              onChange={(body) => onBodyChange(step.key, body)}
              onEscape={onLeave}
              onNewStep={() => onAdd(step.key)}
              onSaveNow={() => onSaveNow(step.key)}
              onFocus={() => onActiveTag(step.tagId)}
            />
          </li>
        ))}
      </ol>
    </section>
  );
});
