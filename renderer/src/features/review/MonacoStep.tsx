import { useEffect, useRef, useState } from 'react';
import { monaco, monacoTheme, useMonacoEditor } from '../../components/monaco';

export type StepEditorInstance = monaco.editor.IStandaloneCodeEditor;

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

const OPTIONS: monaco.editor.IStandaloneEditorConstructionOptions = {
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
};

/** One think-aloud step in Monaco (markdown), as tall as its text up to a limit. Loaded lazily. */
export default function MonacoStep(props: MonacoStepProps) {
  const [height, setHeight] = useState(MIN_HEIGHT);
  const handlers = useRef(props);
  useEffect(() => {
    handlers.current = props;
  });

  const { host, instance } = useMonacoEditor('think-aloud step', (el, live) => {
    const model = monaco.editor.createModel(handlers.current.initial, 'markdown');
    const editor = monaco.editor.create(el, { ...OPTIONS, model, theme: monacoTheme(), ariaLabel: handlers.current.label });
    const fit = (contentHeight: number) => setHeight(Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, contentHeight)));
    // Escape leaves the editor unless Monaco has something of its own to close.
    editor.addCommand(monaco.KeyCode.Escape, () => live() && handlers.current.onEscape(), '!suggestWidgetVisible && !findWidgetVisible && !editorHasMultipleSelections && !renameInputVisible');
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => live() && handlers.current.onNewStep());
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => live() && handlers.current.onSaveNow());
    editor.onDidChangeModelContent(() => live() && handlers.current.onChange(editor.getValue()));
    editor.onDidFocusEditorText(() => live() && handlers.current.onFocus());
    editor.onDidContentSizeChange((e) => live() && fit(e.contentHeight));
    fit(editor.getContentHeight());
    handlers.current.onReady(editor);
    return {
      instance: editor,
      dispose: () => {
        editor.dispose();
        model.dispose();
      },
    };
  });

  // The step's number is in its label and changes when steps move.
  useEffect(() => {
    instance.current?.updateOptions({ ariaLabel: props.label });
  }, [instance, props.label]);

  return <div ref={host} className="monaco-host" style={{ height, width: '100%', textAlign: 'initial' }} />;
}
