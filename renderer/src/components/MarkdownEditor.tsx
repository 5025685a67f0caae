import Editor, { type OnMount } from '@monaco-editor/react';
import { useEffect, useRef } from 'react';
import { monaco, monacoTheme } from './monaco';

/**
 * Monaco on a markdown document; Ctrl/Cmd+S saves. Import it lazily (it pulls monaco in).
 * Uncontrolled: `initialValue` is the text it opens with (remount it, with a new key, for another
 * document). A controlled `value` made the wrapper write the last rendered text back over the model
 * while keys were still arriving, splicing the starter text into what was being typed.
 */
export default function MarkdownEditor({
  initialValue,
  onChange,
  onSave,
  label,
}: {
  initialValue: string;
  onChange: (value: string) => void;
  onSave: () => void;
  label: string;
}) {
  const handlers = useRef(onSave);
  useEffect(() => {
    handlers.current = onSave;
  });
  const onMount: OnMount = (editor) => {
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => handlers.current());
    // Typing goes on after the starter text (or the version being edited), not in front of it.
    const model = editor.getModel();
    if (model) {
      const line = model.getLineCount();
      editor.setPosition({ lineNumber: line, column: model.getLineMaxColumn(line) });
    }
    editor.focus();
  };
  return (
    <Editor
      language="markdown"
      theme={monacoTheme()}
      defaultValue={initialValue}
      onChange={(v) => onChange(v ?? '')}
      onMount={onMount}
      loading={<div className="muted editor-loading">Loading the editor…</div>}
      options={{
        ariaLabel: label,
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
      }}
    />
  );
}
