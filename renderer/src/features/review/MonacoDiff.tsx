import { DiffEditor, type DiffOnMount } from '@monaco-editor/react';
import { useEffect, useLayoutEffect, useRef } from 'react';
import { monaco, monacoTheme } from '../../components/monaco';

export type DiffEditorInstance = Parameters<DiffOnMount>[0];

export interface MonacoDiffProps {
  original: string;
  modified: string;
  onChange: (text: string) => void;
  onSave: () => void;
  /** Escape with nothing of Monaco's own to close: leave the dialog. */
  onEscape: () => void;
  onReady: (editor: DiffEditorInstance) => void;
}

/** Original output (left, read-only) against the correction (right, editable). Loaded lazily. */
export default function MonacoDiff({ original, modified, onChange, onSave, onEscape, onReady }: MonacoDiffProps) {
  const handlers = useRef({ onChange, onSave, onEscape });
  useEffect(() => {
    handlers.current = { onChange, onSave, onEscape };
  });
  // @monaco-editor/react 4.7 disposes the two models before the widget on unmount, which Monaco
  // ≥0.52 reports as an error (monaco-react#647). Keep the models from it, and on unmount detach
  // them from the widget first, then dispose them: a layout-effect cleanup runs before its own.
  const instance = useRef<DiffEditorInstance | null>(null);
  useLayoutEffect(
    () => () => {
      const editor = instance.current;
      const models = editor?.getModel();
      editor?.setModel(null);
      models?.original.dispose();
      models?.modified.dispose();
    },
    [],
  );
  const onMount: DiffOnMount = (editor) => {
    instance.current = editor;
    const right = editor.getModifiedEditor();
    right.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => handlers.current.onSave());
    // Monaco keeps Escape for itself (and the dialog never sees it): close when it has nothing to close.
    right.addCommand(monaco.KeyCode.Escape, () => handlers.current.onEscape(), '!suggestWidgetVisible && !findWidgetVisible && !editorHasMultipleSelections && !renameInputVisible');
    right.onDidChangeModelContent(() => handlers.current.onChange(right.getValue()));
    // Monaco sets the original side's wordWrapOverride2 to 'off' while the diff shows inline (as it
    // does at width 0, before the first layout) and never clears it once the sides are shown side
    // by side: the original then never wraps. Clear it whenever that side is laid out visibly.
    const left = editor.getOriginalEditor();
    const wrapLeft = () => {
      if (left.getLayoutInfo().width > 0 && left.getRawOptions().wordWrapOverride2 === 'off') left.updateOptions({ wordWrapOverride2: 'inherit' });
    };
    left.onDidLayoutChange(wrapLeft);
    wrapLeft();
    right.focus();
    onReady(editor);
  };
  return (
    <DiffEditor
      height="100%"
      original={original}
      modified={modified}
      language="plaintext"
      theme={monacoTheme()}
      onMount={onMount}
      keepCurrentOriginalModel
      keepCurrentModifiedModel
      loading={<div className="muted editor-loading">Loading the diff editor…</div>}
      options={{
        originalEditable: false,
        readOnly: false,
        renderSideBySide: true,
        useInlineViewWhenSpaceIsLimited: true,
        wordWrap: 'on',
        diffWordWrap: 'on',
        minimap: { enabled: false },
        lineNumbers: 'on',
        glyphMargin: false,
        folding: false,
        scrollBeyondLastLine: false,
        renderOverviewRuler: false,
        fontSize: 13,
        automaticLayout: true,
        links: false,
        contextmenu: false,
        unicodeHighlight: { ambiguousCharacters: false },
        ignoreTrimWhitespace: false,
        renderIndicators: true,
        originalAriaLabel: 'Original output (read-only)',
        modifiedAriaLabel: 'Corrected output',
      }}
    />
  );
}
