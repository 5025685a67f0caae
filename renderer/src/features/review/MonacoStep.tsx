import Editor, { type OnMount } from '@monaco-editor/react';
import { useEffect, useRef, useState } from 'react';
import { monaco, monacoTheme } from '../../components/monaco';

export type StepEditorInstance = Parameters<OnMount>[0];

export interface MonacoStepProps {
  initial: string;
  label: string;
  onChange: (body: string) => void;
  onReady: (editor: StepEditorInstance) => void;
  onEscape: () => void;
  onNewStep: () => void;
  onSaveNow: () => void;
  onFocus: () => void;
}

const MIN_HEIGHT = 64;
const MAX_HEIGHT = 360;

/** One think-aloud step in Monaco (markdown), as tall as its text up to a limit. Loaded lazily. */
export default function MonacoStep({ initial, label, onChange, onReady, onEscape, onNewStep, onSaveNow, onFocus }: MonacoStepProps) {
  const [height, setHeight] = useState(MIN_HEIGHT);
  const handlers = useRef({ onChange, onEscape, onNewStep, onSaveNow, onFocus });
  useEffect(() => {
    handlers.current = { onChange, onEscape, onNewStep, onSaveNow, onFocus };
  });

  const onMount: OnMount = (editor) => {
    // Escape leaves the editor unless Monaco has something of its own to close.
    editor.addCommand(monaco.KeyCode.Escape, () => handlers.current.onEscape(), '!suggestWidgetVisible && !findWidgetVisible && !editorHasMultipleSelections && !renameInputVisible');
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => handlers.current.onNewStep());
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => handlers.current.onSaveNow());
    editor.onDidChangeModelContent(() => handlers.current.onChange(editor.getValue()));
    editor.onDidFocusEditorText(() => handlers.current.onFocus());
    editor.onDidContentSizeChange((e) => setHeight(Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, e.contentHeight))));
    setHeight(Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, editor.getContentHeight())));
    onReady(editor);
  };

  return (
    <Editor
      height={height}
      defaultLanguage="markdown"
      defaultValue={initial}
      theme={monacoTheme()}
      onMount={onMount}
      loading={null}
      options={{
        ariaLabel: label,
        wordWrap: 'on',
        minimap: { enabled: false },
        lineNumbers: 'off',
        folding: false,
        glyphMargin: false,
        lineDecorationsWidth: 6,
        lineNumbersMinChars: 0,
        renderLineHighlight: 'none',
        scrollBeyondLastLine: false,
        overviewRulerLanes: 0,
        hideCursorInOverviewRuler: true,
        scrollbar: { alwaysConsumeMouseWheel: false, vertical: 'auto' },
        fontSize: 13,
        padding: { top: 6, bottom: 6 },
        automaticLayout: true,
        quickSuggestions: false,
        wordBasedSuggestions: 'off',
        suggestOnTriggerCharacters: false,
        occurrencesHighlight: 'off',
        links: false,
        contextmenu: false,
        unicodeHighlight: { ambiguousCharacters: false },
        stickyScroll: { enabled: false },
        tabFocusMode: false,
      }}
    />
  );
}
