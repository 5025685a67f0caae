import { useEffect, useRef } from 'react';
import { monaco, monacoTheme, useMonacoEditor } from '../../components/monaco';

export type DiffEditorInstance = monaco.editor.IStandaloneDiffEditor;

export interface MonacoDiffProps {
  original: string;
  modified: string;
  onChange: (text: string) => void;
  onSave: () => void;
  /** Escape with nothing of Monaco's own to close: leave the dialog. */
  onEscape: () => void;
  onReady: (editor: DiffEditorInstance) => void;
}

/**
 * Original output (left, read-only) against the correction (right, editable). Loaded lazily.
 * Made and disposed in one effect (`useMonacoEditor`): the widget is disposed before its two
 * models (the other order is what Monaco ≥0.52 reports as an error, monaco-react#647), and no
 * command or listener runs once disposal has begun.
 */
export default function MonacoDiff(props: MonacoDiffProps) {
  const handlers = useRef(props);
  useEffect(() => {
    handlers.current = props;
  });
  const { host } = useMonacoEditor('correction diff editor', (el, live) => {
    const original = monaco.editor.createModel(handlers.current.original, 'plaintext');
    const modified = monaco.editor.createModel(handlers.current.modified, 'plaintext');
    const editor = monaco.editor.createDiffEditor(el, {
      theme: monacoTheme(),
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
      // Prose, not code: no completion popup, which took the first Escape (the dialog stayed open)
      // and Enter.
      quickSuggestions: false,
      suggestOnTriggerCharacters: false,
      acceptSuggestionOnEnter: 'off',
      unicodeHighlight: { ambiguousCharacters: false },
      ignoreTrimWhitespace: false,
      renderIndicators: true,
      originalAriaLabel: 'Original output (read-only)',
      modifiedAriaLabel: 'Corrected output',
    });
    editor.setModel({ original, modified });
    const right = editor.getModifiedEditor();
    right.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => live() && handlers.current.onSave());
    // Monaco keeps Escape for itself (and the dialog never sees it): close when it has nothing to close.
    right.addCommand(
      monaco.KeyCode.Escape,
      () => live() && handlers.current.onEscape(),
      '!suggestWidgetVisible && !findWidgetVisible && !editorHasMultipleSelections && !renameInputVisible',
    );
    right.onDidChangeModelContent(() => live() && handlers.current.onChange(right.getValue()));
    // Monaco sets the original side's wordWrapOverride2 to 'off' while the diff shows inline (as it
    // does at width 0, before the first layout) and never clears it once the sides are shown side
    // by side: the original then never wraps. Clear it whenever that side is laid out visibly.
    const left = editor.getOriginalEditor();
    const wrapLeft = () => {
      if (live() && left.getLayoutInfo().width > 0 && left.getRawOptions().wordWrapOverride2 === 'off') left.updateOptions({ wordWrapOverride2: 'inherit' });
    };
    left.onDidLayoutChange(wrapLeft);
    wrapLeft();
    right.focus();
    handlers.current.onReady(editor);
    return {
      instance: editor,
      dispose: () => {
        editor.dispose();
        original.dispose();
        modified.dispose();
      },
    };
  });
  return <div ref={host} className="monaco-host" style={{ height: '100%', width: '100%', textAlign: 'initial' }} />;
}
