import { useState } from 'react';
import type { ModelConfig, ModelSettings } from '../../../../contract';
import { call, CallError, isElectron, pathForFile } from '../../api';
import { ProgressBar } from '../../components/ProgressBar';
import { useToast } from '../../components/Toast';
import './chat-format.css';
import { describeSamplingDefaults } from './model-sampling';
import { useModels } from './useModels';

type LiveModel = ModelConfig & { progress: number | null };

function StateBadge({ model }: { model: LiveModel }) {
  if (model.state === 'loading') return <ProgressBar fraction={model.progress} label={`Loading ${model.name}`} />;
  const text = { idle: 'not loaded', ready: 'loaded', failed: 'failed', loading: '' }[model.state];
  return <span className={`badge state-${model.state}`}>{text}</span>;
}

function SettingsEditor({ model, onSaved }: { model: LiveModel; onSaved: () => void }) {
  const [settings, setSettings] = useState<ModelSettings>(model.settings);
  const [name, setName] = useState(model.name);
  const toast = useToast();
  const num = (key: keyof ModelSettings, label: string, placeholder: string) => (
    <label>
      {label}
      <input
        type="number"
        placeholder={placeholder}
        value={(settings[key] as number | undefined) ?? ''}
        onChange={(e) => setSettings({ ...settings, [key]: e.target.value === '' ? undefined : Number(e.target.value) })}
      />
    </label>
  );
  return (
    <form
      className="model-settings"
      onSubmit={(e) => {
        e.preventDefault();
        call('models.update', { id: model.id, name, settings })
          .then(() => {
            toast.show(`Saved ${name}; it reloads on next use.`);
            onSaved();
          })
          .catch((error: Error) => toast.show(error.message, { kind: 'error' }));
      }}
    >
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      {model.kind === 'llama' && num('threads', 'Threads', 'auto')}
      {model.kind === 'llama' && num('contextSize', 'Context', 'auto')}
      {model.kind === 'openai' && num('timeoutMs', 'Timeout (ms)', '120000')}
      {num('concurrency', 'Concurrency', '1')}
      <label title="Where Playground and Batch start when this model is chosen; empty: Assay's default (0.8)">
        Default temperature
        <input
          type="number"
          step={0.05}
          min={0}
          max={5}
          placeholder="0.8"
          value={settings.sampling?.temperature ?? ''}
          onChange={(e) => {
            const { temperature: _old, ...rest } = settings.sampling ?? {};
            const sampling = e.target.value === '' ? rest : { ...rest, temperature: Number(e.target.value) };
            setSettings({ ...settings, sampling: Object.keys(sampling).length > 0 ? sampling : undefined });
          }}
        />
      </label>
      <button type="submit" className="secondary">
        Save settings
      </button>
    </form>
  );
}

function AddModel({ onAdded }: { onAdded: () => void }) {
  const [kind, setKind] = useState<'llama' | 'openai'>('llama');
  const [name, setName] = useState('');
  const [modelPath, setModelPath] = useState('');
  const [baseUrl, setBaseUrl] = useState('http://127.0.0.1:8080');
  const [remoteModel, setRemoteModel] = useState('');
  const [remoteModels, setRemoteModels] = useState<string[]>([]);
  const [apiKeyEnv, setApiKeyEnv] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<string | null>(null);

  const add = async () => {
    setError(null);
    try {
      if (kind === 'llama') {
        const fileName = modelPath.split(/[\\/]/).pop() ?? modelPath;
        await call('models.add', { kind, name: name || fileName, modelPath });
      } else {
        await call('models.add', {
          kind,
          name: name || remoteModel,
          baseUrl,
          remoteModel,
          apiKeyEnv: apiKeyEnv || null,
          ...(isElectron && apiKey ? { apiKey } : {}),
        });
      }
      setName('');
      setModelPath('');
      onAdded();
    } catch (e) {
      setError(e instanceof CallError ? e.message : String(e));
    }
  };

  return (
    <section
      className="card add-model"
      aria-label="Add a model"
      // In the desktop app a .gguf dropped on this card fills in its path (browser mode cannot know paths).
      onDragOver={(e) => isElectron && e.preventDefault()}
      onDrop={(e) => {
        const file = e.dataTransfer.files[0];
        if (!isElectron || !file) return;
        e.preventDefault();
        setKind('llama');
        setModelPath(pathForFile(file));
      }}
    >
      <h3>Add a model</h3>
      <div className="segmented" role="radiogroup" aria-label="Model kind">
        <label>
          <input type="radio" checked={kind === 'llama'} onChange={() => setKind('llama')} /> GGUF file (llama.cpp)
        </label>
        <label>
          <input type="radio" checked={kind === 'openai'} onChange={() => setKind('openai')} /> OpenAI-compatible endpoint
        </label>
      </div>
      {kind === 'llama' ? (
        <>
          <label>
            Path to the .gguf file {isElectron ? '' : <span className="muted">(on the machine running Assay)</span>}
            <input aria-label="GGUF path" value={modelPath} onChange={(e) => setModelPath(e.target.value)} placeholder="/models/my-model-q4_k_m.gguf" />
          </label>
          {isElectron && (
            <input
              type="file"
              accept=".gguf"
              aria-label="Choose a GGUF file"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) setModelPath(pathForFile(file));
              }}
            />
          )}
        </>
      ) : (
        <>
          <label>
            Base URL <span className="muted">(vLLM, TGI, Ollama, llama.cpp server, LM Studio)</span>
            <div className="row">
              <input aria-label="Base URL" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} />
              <button
                type="button"
                className="secondary"
                onClick={() =>
                  call('models.remoteList', { baseUrl, apiKeyEnv: apiKeyEnv || null })
                    .then((r) => {
                      setRemoteModels(r.models);
                      if (!remoteModel && r.models[0]) setRemoteModel(r.models[0]);
                    })
                    .catch((e: Error) => setError(e.message))
                }
              >
                List models
              </button>
            </div>
          </label>
          <label>
            Model
            <input aria-label="Remote model" list="remote-models" value={remoteModel} onChange={(e) => setRemoteModel(e.target.value)} />
            <datalist id="remote-models">
              {remoteModels.map((m) => (
                <option key={m} value={m} />
              ))}
            </datalist>
          </label>
          {isElectron ? (
            <label>
              API key <span className="muted">(optional; encrypted with the system keychain)</span>
              <input type="password" value={apiKey} onChange={(e) => setApiKey(e.target.value)} autoComplete="off" />
            </label>
          ) : (
            <label>
              API key environment variable <span className="muted">(optional; browser mode never stores keys)</span>
              <input aria-label="API key environment variable" value={apiKeyEnv} onChange={(e) => setApiKeyEnv(e.target.value)} placeholder="OPENAI_API_KEY" />
            </label>
          )}
        </>
      )}
      <label>
        Display name <span className="muted">(optional)</span>
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button onClick={() => void add()} disabled={kind === 'llama' ? !modelPath : !baseUrl || !remoteModel}>
          Add model
        </button>
      </div>
    </section>
  );
}

export function ModelsView() {
  const { models, refresh } = useModels();
  const toast = useToast();
  const [busy, setBusy] = useState(false);

  const addTestModel = async () => {
    setBusy(true);
    try {
      const model = await call('models.addTestModel', {});
      toast.show(`Added ${model.name}.`);
      refresh();
    } catch (e) {
      toast.show((e as Error).message, { kind: 'error' });
    } finally {
      setBusy(false);
    }
  };

  const addSampleModel = async () => {
    setBusy(true);
    try {
      const { model, added } = await call('models.addSampleModel', {});
      toast.show(added ? `Added ${model.name}, a real trained story model: it has no chat template, so it starts in raw mode: give it the start of a story.` : `The sample model is already here, as ${model.name}.`);
      refresh();
    } catch (e) {
      toast.show((e as Error).message, { kind: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page">
      <h2>Models</h2>
      {models?.length === 0 && (
        <div className="empty card">
          <p>
            No models yet. Load your own GGUF file, connect an OpenAI-compatible endpoint, or try Assay with the sample model (stories260K, a tiny real model
            trained on children's stories, shipped with Assay) or the tiny test model (gibberish by design).
          </p>
          <div className="actions">
            <button onClick={() => void addSampleModel()} disabled={busy}>
              Add the sample model
            </button>
            <button className="secondary" onClick={() => void addTestModel()} disabled={busy}>
              Add the tiny test model
            </button>
          </div>
        </div>
      )}
      <div className="model-list">
        {models?.map((m) => (
          <section key={m.id} className="card model" aria-label={`Model ${m.name}`}>
            <header className="model-header">
              <h3>{m.name}</h3>
              <span className="badge">{m.kind === 'llama' ? 'llama.cpp' : 'endpoint'}</span>
              <StateBadge model={m} />
              <div className="actions">
                {m.state === 'ready' ? (
                  <button className="secondary" onClick={() => void call('models.unload', { id: m.id }).then(refresh, (e: Error) => toast.show(e.message, { kind: 'error' }))}>
                    Unload
                  </button>
                ) : (
                  <button className="secondary" disabled={m.state === 'loading'} onClick={() => void call('models.load', { id: m.id }).then(refresh, (e: Error) => toast.show(e.message, { kind: 'error' }))}>
                    {m.state === 'failed' ? 'Retry load' : 'Load'}
                  </button>
                )}
                <button className="danger" onClick={() => void call('models.retire', { id: m.id }).then(refresh)}>
                  Remove
                </button>
              </div>
            </header>
            {m.isTestModel && (
              <p className="notice">
                The tiny test model is generated by Assay and speaks gibberish by design. Load your own GGUF or connect an endpoint to review a real model.
              </p>
            )}
            {m.chatFormat && !m.chatFormat.hasTemplate && (
              <p className="muted chat-format-note" aria-label="Chat format">
                <span className="badge">no chat template · raw by default</span> {m.chatFormat.note}
              </p>
            )}
            <p className="muted" aria-label="Default sampling">
              Default sampling: {describeSamplingDefaults(m) ?? "Assay's (temperature 0.8)"}
            </p>
            <p className="mono muted">{m.modelPath ?? `${m.baseUrl} · ${m.remoteModel}${m.apiKeyEnv ? ` · key from $${m.apiKeyEnv}` : ''}${m.hasStoredApiKey ? ' · key stored encrypted' : ''}`}</p>
            {m.state === 'failed' && m.stateMessage && (
              <p className="error" role="alert">
                {m.stateMessage}
              </p>
            )}
            <SettingsEditor model={m} onSaved={refresh} />
          </section>
        ))}
      </div>
      {models && models.length > 0 && (
        <p className="muted">
          <button className="link" onClick={() => void addSampleModel()} disabled={busy}>
            Add the sample model
          </button>{' '}
          (stories260K, shipped with Assay: real English stories, real mistakes)
          {!models.some((m) => m.isTestModel) && (
            <>
              {' · '}
              <button className="link" onClick={() => void addTestModel()} disabled={busy}>
                Add the tiny test model
              </button>{' '}
              to try the tools without a real model
            </>
          )}
          .
        </p>
      )}
      <AddModel onAdded={refresh} />
    </div>
  );
}
