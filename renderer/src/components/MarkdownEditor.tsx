import { useEffect, useRef } from 'react';
import { monaco, monacoTheme, useMonacoEditor } from './monaco';

/**
 * Monaco on a markdown document; Ctrl/Cmd+S saves. Import it lazily (it pulls monaco in).
 * Uncontrolled: `initialValue` is the text it opens with (remount it, with a new key, for another
 * document). A controlled `value` made the wrapper write the last rendered text back over the model
 * while keys were still arriving, splicing the starter text into what was being typed.
 */
export default function MarkdownEditor(props: { initialValue: string; onChange: (value: string) => void; onSave: () => void; label: string }) {
  const handlers = useRef(props);
  useEffect(() => {
    handlers.current = props;
  });
  const { host } = useMonacoEditor('markdown editor', (el, live) => {
    const model = monaco.editor.createModel(handlers.current.initialValue, 'markdown');
    const editor = monaco.editor.create(el, {
      model,
      theme: monacoTheme(),
      ariaLabel: handlers.current.label,
      wordWrap: 'on',
      minimap: { enabled: false },
      lineNumbers: 'off',
      folding: false,
      glyphMargin: false,
      renderLineHighlight: 'none',
      scrollBeyondLastLine: false,
      fontSize: 13,
      padding: { top: 8, bottom: 8 },
      automaticLayout: true,
      links: false,
      // Prose, not code: no completion popups that Enter would accept, no auto-closed brackets.
      quickSuggestions: false,
      suggestOnTriggerCharacters: false,
      wordBasedSuggestions: 'off',
      acceptSuggestionOnEnter: 'off',
      autoClosingBrackets: 'never',
      autoClosingQuotes: 'never',
      autoClosingOvertype: 'never',
      autoIndent: 'none',
      unicodeHighlight: { ambiguousCharacters: false },
    });
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => live() && handlers.current.onSave());
    editor.onDidChangeModelContent(() => live() && handlers.current.onChange(editor.getValue()));
    // Typing goes on after the starter text (or the version being edited), not in front of it.
    const line = model.getLineCount();
    editor.setPosition({ lineNumber: line, column: model.getLineMaxColumn(line) });
    editor.focus();
    return {
      instance: editor,
      dispose: () => {
        editor.dispose();
        model.dispose();
      },
    };
  });
  return <div ref={host} className="monaco-host" style={{ height: '100%', width: '100%', textAlign: 'initial' }} />;
}
