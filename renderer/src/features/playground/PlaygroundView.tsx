import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { GenerationMode, PromptRef, StreamResult, Template } from '../../../../contract';
import { call, CallError, onEvent } from '../../api';
import { SamplingFields } from '../../components/SamplingFields';
import { SamplingSource, useModelSampling } from '../models/model-sampling';
import { useToast } from '../../components/Toast';
import { goToTab } from '../../navigation';
import { ChatFormatNote, useDefaultMode } from '../models/ChatFormatNote';
import { useModels } from '../models/useModels';
import { PromptPicker } from './PromptPicker';
import { TemplateEditor } from './TemplateEditor';
import './playground.css';
import { useWindowKeydown } from '../../components/keyboard';

interface Column {
  modelId: number;
  streamId: string;
  text: string;
  running: boolean;
  result: StreamResult | null;
  error: string | null;
  saved: boolean;
}

let streamCounter = 0;

/** Collects streamed text per stream and hands it to React at most once per frame. */
function useStreamedText(onFlush: (chunks: Map<string, string>) => void) {
  const pending = useRef(new Map<string, string>());
  const frame = useRef<number | null>(null);
  useEffect(
    () =>
      onEvent('onDidGenerateText', ({ streamId, text }) => {
        pending.current.set(streamId, (pending.current.get(streamId) ?? '') + text);
        frame.current ??= requestAnimationFrame(() => {
          frame.current = null;
          const chunks = pending.current;
          pending.current = new Map();
          onFlush(chunks);
        });
      }),
    [onFlush],
  );
}

function Stats({ result }: { result: StreamResult }) {
  return (
    <div className="stats mono muted" aria-label="Generation stats">
      {result.ttftMs !== null && <span>TTFT {Math.round(result.ttftMs)} ms</span>}
      {result.tokensPerSecond !== null && <span>{result.tokensPerSecond.toFixed(1)} tok/s</span>}
      {result.completionTokens !== null && <span>{result.completionTokens} tokens</span>}
      <span>finish: {result.finishReason}</span>
      {result.seed !== null && <span>seed {result.seed}</span>}
    </div>
  );
}

export function PlaygroundView() {
  const toast = useToast();
  const { models } = useModels();
  const [selectedModels, setSelectedModels] = useState<number[]>([]);
  const [prompt, setPrompt] = useState<PromptRef | null>(null);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [templateId, setTemplateId] = useState<number | null>(null);
  const [editing, setEditing] = useState<Template | null | undefined>(undefined);
  const [mode, setMode] = useState<GenerationMode>('chat');
  /** Until the user picks a mode, it follows the chosen models (raw for a GGUF without a chat template). */
  const [modeChosen, setModeChosen] = useState(false);
  const [columns, setColumns] = useState<Column[]>([]);
  const [preview, setPreview] = useState<{ rendered: string; tokens: number | null } | null>(null);
  // The first preview loads the model's tokenizer (seconds on a large GGUF): shown as working.
  const [previewing, setPreviewing] = useState(false);

  const loadTemplates = useCallback(() => void call('templates.list', {}).then(setTemplates, () => undefined), []);
  useEffect(loadTemplates, [loadTemplates]);
  // The first model is picked once, when the list arrives; unchecking every model later stays unchecked
  // (it used to tick the first one again, so "only the second model" could not be chosen that way).
  const defaulted = useRef(false);
  useEffect(() => {
    if (defaulted.current || !models) return;
    defaulted.current = true;
    if (models[0]) setSelectedModels((ids) => (ids.length === 0 ? [models[0]!.id] : ids));
  }, [models]);

  const onFlush = useCallback((chunks: Map<string, string>) => {
    setColumns((cols) => cols.map((c) => (chunks.has(c.streamId) && c.running ? { ...c, text: c.text + chunks.get(c.streamId)! } : c)));
  }, []);
  useStreamedText(onFlush);

  const chosenModels = useMemo(() => (models ?? []).filter((m) => selectedModels.includes(m.id)), [models, selectedModels]);
  useDefaultMode(chosenModels, setMode, modeChosen);
  // Sampling starts from each chosen model's stored defaults until a field is edited.
  const samplingState = useModelSampling(chosenModels);
  const chooseMode = (next: GenerationMode) => {
    setModeChosen(true);
    setMode(next);
  };

  const template = templates.find((t) => t.id === templateId) ?? null;
  const running = columns.some((c) => c.running);

  const generate = () => {
    if (!prompt || selectedModels.length === 0 || running) return;
    // The rendered prompt stays: it is what the outputs below were made from.
    const next = selectedModels.map((modelId) => ({ modelId, streamId: `pg-${Date.now().toString(36)}-${++streamCounter}`, text: '', running: true, result: null, error: null, saved: false }));
    setColumns(next);
    for (const column of next) {
      call('playground.generate', {
        streamId: column.streamId,
        modelId: column.modelId,
        prompt,
        template: template ? { templateId: template.id, version: template.version } : null,
        mode,
        sampling: samplingState.samplingFor(models?.find((m) => m.id === column.modelId)),
      })
        .then((result) => setColumns((cols) => cols.map((c) => (c.streamId === column.streamId ? { ...c, text: result.text, running: false, result, error: result.error } : c))))
        .catch((e: Error) => setColumns((cols) => cols.map((c) => (c.streamId === column.streamId ? { ...c, running: false, error: e instanceof CallError ? e.message : String(e) } : c))));
    }
  };

  const stop = () => columns.filter((c) => c.running).forEach((c) => void call('playground.cancel', { streamId: c.streamId }));

  const save = async (column: Column) => {
    try {
      const g = await call('playground.save', { streamId: column.streamId });
      setColumns((cols) => cols.map((c) => (c.streamId === column.streamId ? { ...c, saved: true } : c)));
      // The model as registered here: the generation's modelName is the runner's own (the GGUF's name), so
      // two models over one file would both read the same.
      const name = models?.find((m) => m.id === column.modelId)?.name ?? g.modelName;
      toast.show(`Saved the output of ${name} for review (prompt ${g.promptId}).`);
    } catch (e) {
      toast.show((e as Error).message, { kind: 'error' });
    }
  };

  const showPreview = async () => {
    if (!prompt || previewing) return;
    setPreviewing(true);
    try {
      const p = await call('templates.preview', { template: template ? { templateId: template.id, version: template.version } : null, prompt, mode, modelId: selectedModels[0] });
      setPreview({ rendered: p.rendered, tokens: p.tokens });
    } catch (e) {
      toast.show((e as Error).message, { kind: 'error' });
    } finally {
      setPreviewing(false);
    }
  };

  useWindowKeydown((e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      generate();
    } else if (e.key === 'Escape' && running) {
      e.preventDefault();
      stop();
    }
  });

  if (models && models.length === 0) {
    return (
      <div className="page empty">
        <h2>No models to ask</h2>
        <p>Add a model on the Models tab: your own GGUF file, an OpenAI-compatible endpoint, or the tiny test model.</p>
        <div className="actions">
          <button onClick={() => goToTab('Models')}>Go to Models</button>
        </div>
      </div>
    );
  }

  return (
    <div className="playground">
      <aside className="playground-setup">
        <fieldset>
          <legend>Models</legend>
          {models?.map((m) => (
            <label key={m.id} className="check">
              <input
                type="checkbox"
                checked={selectedModels.includes(m.id)}
                onChange={(e) => setSelectedModels(e.target.checked ? [...selectedModels, m.id] : selectedModels.filter((id) => id !== m.id))}
              />
              {m.name} {m.isTestModel && <span className="badge">gibberish by design</span>}
            </label>
          ))}
        </fieldset>
        <PromptPicker value={prompt} onChange={setPrompt} />
        <fieldset>
          <legend>Template</legend>
          <div className="row">
            <select aria-label="Template" value={templateId ?? ''} onChange={(e) => setTemplateId(e.target.value === '' ? null : Number(e.target.value))}>
              <option value="">None (the prompt as is)</option>
              {templates.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name} · v{t.version} · {t.demonstrations.length}-shot
                </option>
              ))}
            </select>
            <button type="button" className="secondary" onClick={() => setEditing(template)} disabled={!template}>
              Edit
            </button>
            <button type="button" className="secondary" onClick={() => setEditing(null)}>
              New
            </button>
          </div>
          <div className="segmented" role="radiogroup" aria-label="Mode">
            <label>
              <input type="radio" checked={mode === 'chat'} onChange={() => chooseMode('chat')} /> Chat (
              {chosenModels.length > 0 && chosenModels.every((m) => m.chatFormat && !m.chatFormat.hasTemplate) ? 'generic format: no template' : "model's template"})
            </label>
            <label>
              <input type="radio" checked={mode === 'raw'} onChange={() => chooseMode('raw')} /> Raw completion
            </label>
          </div>
          <ChatFormatNote models={chosenModels} mode={mode} />
        </fieldset>
        <SamplingFields value={samplingState.sampling} onChange={samplingState.setSampling} />
        <SamplingSource chosen={chosenModels} state={samplingState} perModel={false} />
        <div className="actions">
          <button onClick={generate} disabled={!prompt || selectedModels.length === 0 || running}>
            Generate <kbd>Ctrl ↵</kbd>
          </button>
          <button className="secondary" onClick={() => void showPreview()} disabled={!prompt || previewing} aria-busy={previewing}>
            {previewing && <span className="spinner" aria-hidden />} Preview prompt
          </button>
          {running && (
            <button className="danger" onClick={stop}>
              Stop <kbd>Esc</kbd>
            </button>
          )}
        </div>
      </aside>
      <section className="playground-output" aria-label="Outputs">
        {previewing && (
          <div className="card pg-previewing" role="status" aria-label="Rendering the prompt">
            <span className="spinner" aria-hidden />
            <span>
              Rendering the prompt… <span className="muted">The first preview of a model loads its tokenizer, which can take a few seconds.</span>
            </span>
          </div>
        )}
        {preview && !previewing && (
          <div className="card">
            <h3>
              Rendered prompt {preview.tokens !== null && <span className="muted">· {preview.tokens} tokens</span>}
            </h3>
            <pre className="prompt-text" aria-label="Rendered prompt">
              {preview.rendered}
            </pre>
          </div>
        )}
        {columns.length === 0 && !preview && !previewing && <div className="empty muted">Pick one or more models and a prompt, then Generate. Outputs stream here side by side.</div>}
        <div className="columns">
          {/* An output of a model unticked since stays only while it is still streaming. */}
          {columns.filter((c) => c.running || selectedModels.includes(c.modelId)).map((c) => {
            const model = models?.find((m) => m.id === c.modelId);
            return (
              <article key={c.streamId} className="card output" aria-label={`Output of ${model?.name ?? c.modelId}`}>
                <header className="output-header">
                  <h3>{model?.name}</h3>
                  {c.running && <span className="badge state-loading">{model?.state === 'loading' ? 'loading model…' : 'generating…'}</span>}
                  {c.result && !c.saved && (
                    <button className="secondary" onClick={() => void save(c)}>
                      Save for review
                    </button>
                  )}
                  {c.saved && <span className="badge state-ready">saved</span>}
                </header>
                <pre className="prompt-text" data-testid="output-text">
                  {c.text}
                  {c.running && <span className="cursor">▍</span>}
                </pre>
                {c.result && <Stats result={c.result} />}
                {c.error && (
                  <p className="error" role="alert">
                    {c.error}
                  </p>
                )}
              </article>
            );
          })}
        </div>
      </section>
      {editing !== undefined && (
        <TemplateEditor
          template={editing}
          onClose={() => setEditing(undefined)}
          onSaved={(t) => {
            setEditing(undefined);
            loadTemplates();
            setTemplateId(t.id);
            toast.show(`Saved ${t.name} v${t.version}.`);
          }}
        />
      )}
    </div>
  );
}
