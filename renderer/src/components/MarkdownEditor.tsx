import Editor, { type OnMount } from '@monaco-editor/react';
import { useEffect, useRef } from 'react';
import { monaco, monacoTheme } from './monaco';

/**
 * Monaco on a markdown document; Ctrl/Cmd+S saves. Import it lazily (it pulls monaco in).
 */
export default function MarkdownEditor({
  value,
  onChange,
  onSave,
  label,
}: {
  value: string;
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
    editor.focus();
  };
  return (
    <Editor
      language="markdown"
      theme={monacoTheme()}
      value={value}
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
