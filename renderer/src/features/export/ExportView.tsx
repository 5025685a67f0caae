import { useEffect, useMemo, useRef, useState } from 'react';
import {
  httpPaths,
  type ExportCounts,
  type ExportFormat,
  type ExportOptionsInput,
  type ExportPreview,
  type ExportProgress,
  type ExportReport,
  type ExportStyleChoice,
  type ModelConfig,
  type Reviewer,
} from '../../../../contract';
import { call, CallError, isElectron, onEvent } from '../../api';
import { ProgressBar } from '../../components/ProgressBar';
import { plural } from '../../plural';
import { BackupCard } from './BackupCard';
import { cardLicenseError, EMPTY_CARD_FIELDS, ModelCardFields, ModelCardPreview, type CardFields } from './ModelCard';
import './export.css';

/**
 * Export: choose a trainer format and its options, look at the rows it will write (counts per
 * split, what is left out and why, the first rows), then write it to a folder on the machine that
 * runs Assay (browser mode too: the server writes the files), with a progress bar and a cancel.
 */

const FORMATS: { id: ExportFormat; label: string; help: string }[] = [
  { id: 'trl', label: 'TRL preference (DPO, reward model)', help: 'prompt / chosen / rejected, with a margin from the strength.' },
  { id: 'openrlhf', label: 'OpenRLHF preference', help: 'prompt / chosen / rejected / margin; message lists for --apply_chat_template.' },
  { id: 'openai', label: 'OpenAI / Together preference', help: 'input.messages / preferred_output / non_preferred_output.' },
  { id: 'hh', label: 'Anthropic HH transcripts', help: 'chosen / rejected as "\\n\\nHuman: … \\n\\nAssistant: …" transcripts.' },
  { id: 'kto', label: 'KTO (unpaired)', help: 'prompt / completion / label from verdicts, comparisons and corrections.' },
  { id: 'sft', label: 'SFT from corrections', help: 'prompt / completion: every corrected output, and corrections of "both bad".' },
  { id: 'sft-messages', label: 'SFT from corrections (messages)', help: 'messages: the prompt turns and the corrected reply.' },
  {
    id: 'sft-cot',
    label: 'Chain-of-thought SFT',
    help: 'prompt / completion: the corrector’s think-aloud steps inside <think>…</think>, then the corrected answer. Corrections without steps are left out.',
  },
  {
    id: 'sft-cot-messages',
    label: 'Chain-of-thought SFT (messages)',
    help: 'messages: the prompt turns, then the assistant with the steps in "thinking" and the corrected answer in "content" (TRL’s layout).',
  },
  { id: 'failures', label: 'Failure classes', help: 'output, classes, code-point spans with quotes, think-aloud steps, corrections.' },
  { id: 'full', label: 'Full workspace (lossless)', help: 'Every table, ids kept; import it into a new workspace with assay import --format assay-full.' },
  {
    id: 'model-card',
    label: 'Model card (Hugging Face README.md)',
    help: 'One model: model-index results, failure rates per class and per shots with intervals, win rates and Bradley–Terry, failures with the reviewer’s think-aloud, limitations, methods.',
  },
];

const STYLED: ExportFormat[] = ['trl', 'openrlhf', 'kto', 'sft', 'sft-cot', 'failures'];
const PAIRED: ExportFormat[] = ['trl', 'openrlhf', 'openai', 'hh'];

function newExportId(): string {
  return `exp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** yyyy-mm-dd (UTC) → ms at the start of that day; `end` gives the start of the next day. */
function dayToMs(day: string, end: boolean): number | null {
  if (!day) return null;
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(ms) ? null : end ? ms + 86_400_000 : ms;
}

const numberOrNull = (s: string) => (s.trim() === '' || Number.isNaN(Number(s)) ? null : Number(s));

function Checklist<T extends { id: number; name: string }>({ legend, items, chosen, onChange }: { legend: string; items: T[]; chosen: number[]; onChange: (ids: number[]) => void }) {
  if (items.length === 0) return null;
  return (
    <fieldset className="export-checklist">
      <legend>{legend}</legend>
      {items.map((item) => (
        <label key={item.id} className="check">
          <input
            type="checkbox"
            checked={chosen.includes(item.id)}
            onChange={(e) => onChange(e.target.checked ? [...chosen, item.id] : chosen.filter((id) => id !== item.id))}
          />
          {item.name}
        </label>
      ))}
      <span className="muted small">{chosen.length === 0 ? 'All' : `${chosen.length.toLocaleString()} chosen`}</span>
    </fieldset>
  );
}

/** Which prompt style the rows use and why (chosen from the data unless the Style field says). */
function StyleNote({ style }: { style: ExportStyleChoice | null }) {
  if (!style) return null;
  return (
    <p className={`export-style small${style.leftOut > 0 ? ' warn' : ''}`} aria-label="Prompt style">
      {style.reason}
    </p>
  );
}

/** What `labels` adjudicated / majority kept and dropped, item by item. */
function LabelRuleNote({ counts }: { counts: ExportCounts }) {
  const l = counts.labels;
  if (!l) return null;
  return (
    <p className="muted small" data-testid="label-rule">
      {l.rule === 'adjudicated'
        ? `Adjudicated labels: ${plural(l.items, 'item')} — ${l.adjudicated} adjudicated, ${l.agreed} where reviewers agreed, ${l.single} labelled by one reviewer only (raise Minimum reviewers per item to leave them out), ${l.dropped} left out (reviewers disagree and nothing was adjudicated).`
        : `Majority labels: ${plural(l.items, 'item')} — ${l.majority} by strict majority, ${l.single} labelled by one reviewer only, ${l.dropped} left out (no strict majority).`}
    </p>
  );
}

/** What made no row, by reason (most first), with a few examples: label ids and their prompts. */
function LeftOut({ counts }: { counts: ExportCounts }) {
  const reasons = Object.entries(counts.skipped).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  if (reasons.length === 0) return null;
  const total = reasons.reduce((sum, [, n]) => sum + n, 0);
  return (
    <table className="export-skipped" aria-label="Left out">
      <caption className="muted small">Left out: {plural(total, 'label')}, by reason</caption>
      <thead>
        <tr>
          <th scope="col">Reason</th>
          <th scope="col" className="num">
            Count
          </th>
          <th scope="col">For example</th>
        </tr>
      </thead>
      <tbody>
        {reasons.map(([reason, count]) => (
          <tr key={reason}>
            <td>{reason}</td>
            <td className="num">{count.toLocaleString()}</td>
            <td className="examples">
              {(counts.examples[reason] ?? []).map((e) => (
                <span key={e}>{e}</span>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type Run =
  | { kind: 'idle' }
  | { kind: 'previewing' | 'exporting'; exportId: string; progress: ExportProgress | null }
  | { kind: 'done'; report: ExportReport }
  | { kind: 'failed'; message: string };

export function ExportView() {
  const [format, setFormat] = useState<ExportFormat>('trl');
  const [fileType, setFileType] = useState<'jsonl' | 'parquet'>('jsonl');
  const [style, setStyle] = useState<'default' | 'standard' | 'conversational'>('default');
  const [implicitPrompt, setImplicitPrompt] = useState(false);
  const [margin, setMargin] = useState(true);
  const [ties, setTies] = useState<'drop' | 'desirable'>('drop');
  const [bothBad, setBothBad] = useState<'correction' | 'drop'>('correction');
  const [labels, setLabels] = useState<'all' | 'adjudicated' | 'majority'>('all');
  const [acceptable, setAcceptable] = useState<'skip' | 'desirable' | 'undesirable'>('skip');
  const [ktoSources, setKtoSources] = useState<('reviews' | 'comparisons' | 'corrections')[]>(['reviews', 'comparisons', 'corrections']);
  const [reviewerIds, setReviewerIds] = useState<number[]>([]);
  const [modelIds, setModelIds] = useState<number[]>([]);
  const [tags, setTags] = useState('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [guidelineMin, setGuidelineMin] = useState('');
  const [guidelineMax, setGuidelineMax] = useState('');
  const [minAgreement, setMinAgreement] = useState('0');
  const [minLabels, setMinLabels] = useState('1');
  const [split, setSplit] = useState(false);
  const [testFraction, setTestFraction] = useState('0.1');
  const [seed, setSeed] = useState('0');
  const [provenance, setProvenance] = useState(false);
  const [license, setLicense] = useState('other');
  const [cardFields, setCardFields] = useState<CardFields>(EMPTY_CARD_FIELDS);
  const [outDir, setOutDir] = useState('');
  const [outDirEdited, setOutDirEdited] = useState(false);

  const [reviewers, setReviewers] = useState<Reviewer[]>([]);
  const [models, setModels] = useState<ModelConfig[]>([]);
  const [preview, setPreview] = useState<ExportPreview | null>(null);
  const [run, setRun] = useState<Run>({ kind: 'idle' });
  const current = useRef<string | null>(null);

  const loadModels = () => void call('models.list', {}).then(setModels, () => undefined);
  useEffect(() => {
    call('reviewers.list', {}).then(setReviewers, () => undefined);
    loadModels();
    return onEvent('onDidExportProgress', (p) => {
      if (p.exportId !== current.current) return;
      setRun((r) => (r.kind === 'previewing' || r.kind === 'exporting' ? { ...r, progress: p } : r));
    });
  }, []);

  useEffect(() => {
    if (outDirEdited) return;
    call('datasets.exportDefaults', { format }).then((d) => setOutDir(d.outDir), () => undefined);
  }, [format, outDirEdited]);

  const card = format === 'model-card';
  const options: ExportOptionsInput = useMemo(
    () =>
      card
        ? {
            format,
            license: cardLicenseError(cardFields.license) === null ? cardFields.license.trim() || undefined : undefined,
            modelCard: { modelId: cardFields.modelId, intendedUse: cardFields.intendedUse, limitations: cardFields.limitations },
          }
        : {
      format,
      labels: format === 'full' ? 'all' : labels,
      fileType: format === 'full' ? 'jsonl' : fileType,
      style: style === 'default' ? null : style,
      implicitPrompt,
      margin,
      ties,
      bothBad,
      acceptable,
      ktoSources: ktoSources.length > 0 ? ktoSources : ['reviews', 'comparisons', 'corrections'],
      filters: {
        reviewerIds,
        modelIds,
        tags: tags.split(',').map((t) => t.trim()).filter(Boolean),
        since: dayToMs(since, false),
        until: dayToMs(until, true),
        guidelineMin: numberOrNull(guidelineMin),
        guidelineMax: numberOrNull(guidelineMax),
        minAgreement: Math.min(1, Math.max(0, numberOrNull(minAgreement) ?? 0)),
        minLabels: Math.max(1, Math.round(numberOrNull(minLabels) ?? 1)),
      },
      split: split ? { testFraction: Math.min(0.9, Math.max(0.01, numberOrNull(testFraction) ?? 0.1)), seed: Math.max(0, Math.round(numberOrNull(seed) ?? 0)) } : null,
      provenance,
      license: license.trim() || 'other',
    },
    [card, cardFields, format, labels, fileType, style, implicitPrompt, margin, ties, bothBad, acceptable, ktoSources, reviewerIds, modelIds, tags, since, until, guidelineMin, guidelineMax, minAgreement, minLabels, split, testFraction, seed, provenance, license],
  );

  // Options changed: the preview and the last result on screen no longer describe them.
  useEffect(() => {
    setPreview(null);
    setRun((r) => (r.kind === 'done' || r.kind === 'failed' ? { kind: 'idle' } : r));
  }, [options]);

  const busy = run.kind === 'previewing' || run.kind === 'exporting';
  // A mistyped license is refused before anything runs (the field says why), not dropped silently.
  const blocked = card && cardLicenseError(cardFields.license) !== null;

  const doPreview = async () => {
    const exportId = newExportId();
    current.current = exportId;
    setRun({ kind: 'previewing', exportId, progress: null });
    try {
      setPreview(await call('datasets.previewExport', { exportId, options, limit: 5 }));
      setRun({ kind: 'idle' });
    } catch (e) {
      setRun(e instanceof CallError && e.error.code === 'cancelled' ? { kind: 'idle' } : { kind: 'failed', message: (e as Error).message });
    }
  };

  const doExport = async () => {
    const exportId = newExportId();
    current.current = exportId;
    setRun({ kind: 'exporting', exportId, progress: null });
    try {
      const report = await call('datasets.export', { exportId, options, outDir: outDir.trim() || null });
      setRun({ kind: 'done', report });
    } catch (e) {
      setRun({ kind: 'failed', message: (e as Error).message });
    }
  };

  const cancel = () => {
    if (run.kind === 'previewing' || run.kind === 'exporting') void call('datasets.cancelExport', { exportId: run.exportId });
  };

  const styled = STYLED.includes(format);
  const paired = PAIRED.includes(format);
  // Failure classes (and the lossless dump) have no both-bad, tie or verdict policy to choose.
  const hasPolicies = paired || format === 'kto' || format === 'sft' || format === 'sft-messages';
  const chosenFormat = FORMATS.find((f) => f.id === format)!;

  return (
    <div className="page export-view">
      <h2>Export a dataset</h2>
      <div className="export-grid">
        <form className="export-form" onSubmit={(e) => e.preventDefault()} aria-label="Export options">
          <label>
            Format
            <select value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
              {FORMATS.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.label}
                </option>
              ))}
            </select>
          </label>
          {format !== 'full' && !card && (
            <label title="Which human labels make the rows">
              Labels
              <select aria-label="Labels" value={labels} onChange={(e) => setLabels(e.target.value as typeof labels)}>
                <option value="all">Every reviewer's row</option>
                <option value="adjudicated">Adjudicated (else agreed; else left out)</option>
                <option value="majority">Majority (strict; ties left out)</option>
              </select>
            </label>
          )}
          <p className="muted small">{chosenFormat.help}</p>

          {card && <ModelCardFields models={models} fields={cardFields} onChange={setCardFields} onModelsChanged={loadModels} />}

          {format !== 'full' && !card && (
            <>
              <div className="segmented" role="radiogroup" aria-label="File type">
                {(['jsonl', 'parquet'] as const).map((t) => (
                  <label key={t}>
                    <input type="radio" name="file-type" checked={fileType === t} onChange={() => setFileType(t)} />
                    {t === 'jsonl' ? 'JSONL' : 'Parquet'}
                  </label>
                ))}
              </div>
              {styled && (
                <label>
                  Style
                  <select value={style} onChange={(e) => setStyle(e.target.value as typeof style)}>
                    <option value="default">{format === 'openrlhf' ? 'Default (conversational)' : 'Automatic (from the prompts)'}</option>
                    <option value="standard">Standard: strings</option>
                    <option value="conversational">Conversational: message lists</option>
                  </select>
                </label>
              )}
              {styled && style === 'default' && format !== 'openrlhf' && (
                <p className="muted small">Conversational when a selected prompt has several turns or a system message (plain strings would leave its rows out), else standard.</p>
              )}
              {(format === 'trl' || format === 'openrlhf') && (
                <>
                  <label className="check">
                    <input type="checkbox" checked={implicitPrompt} onChange={(e) => setImplicitPrompt(e.target.checked)} />
                    Implicit prompt (chosen and rejected start with the prompt)
                  </label>
                  <label className="check">
                    <input type="checkbox" checked={margin} onChange={(e) => setMargin(e.target.checked)} />
                    Margin column from the strength (slightly 1, clearly 2, much 3)
                  </label>
                </>
              )}

              {hasPolicies && (
              <fieldset>
                <legend>Policies</legend>
                <label>
                  Both bad
                  <select value={bothBad} onChange={(e) => setBothBad(e.target.value as typeof bothBad)}>
                    <option value="correction">Through a correction (≻ each output)</option>
                    <option value="drop">Leave out</option>
                  </select>
                </label>
                {format === 'kto' && (
                  <>
                    <label>
                      Ties
                      <select value={ties} onChange={(e) => setTies(e.target.value as typeof ties)}>
                        <option value="drop">Leave out</option>
                        <option value="desirable">Both outputs desirable</option>
                      </select>
                    </label>
                    <label>
                      “Acceptable” verdicts
                      <select value={acceptable} onChange={(e) => setAcceptable(e.target.value as typeof acceptable)}>
                        <option value="skip">Leave out</option>
                        <option value="desirable">Desirable</option>
                        <option value="undesirable">Undesirable</option>
                      </select>
                    </label>
                    <div className="segmented" aria-label="KTO sources">
                      {(['reviews', 'comparisons', 'corrections'] as const).map((s) => (
                        <label key={s}>
                          <input
                            type="checkbox"
                            checked={ktoSources.includes(s)}
                            onChange={(e) => setKtoSources(e.target.checked ? [...ktoSources, s] : ktoSources.filter((x) => x !== s))}
                          />
                          {s}
                        </label>
                      ))}
                    </div>
                  </>
                )}
                {paired && <p className="muted small">Ties are never pairs. N-way rankings give K(K−1)/2 pairs.</p>}
              </fieldset>
              )}

              <fieldset>
                <legend>Filters</legend>
                <Checklist legend="Reviewers" items={reviewers.map((r) => (r.kind === 'import' ? { ...r, name: `${r.name} (imported labels)` } : r))} chosen={reviewerIds} onChange={setReviewerIds} />
                <Checklist legend="Models" items={models} chosen={modelIds} onChange={setModelIds} />
                <label>
                  Prompt tags (any of, comma-separated)
                  <input value={tags} onChange={(e) => setTags(e.target.value)} placeholder="all prompts" />
                </label>
                <div className="row">
                  <label>
                    Labeled from
                    <input type="date" value={since} onChange={(e) => setSince(e.target.value)} />
                  </label>
                  <label>
                    to (inclusive)
                    <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} />
                  </label>
                </div>
                <div className="row">
                  <label>
                    Guidelines from v
                    <input inputMode="numeric" value={guidelineMin} onChange={(e) => setGuidelineMin(e.target.value)} placeholder="any" />
                  </label>
                  <label>
                    to v
                    <input inputMode="numeric" value={guidelineMax} onChange={(e) => setGuidelineMax(e.target.value)} placeholder="any" />
                  </label>
                </div>
                <div className="row">
                  <label>
                    Minimum agreement (0–1)
                    <input inputMode="decimal" value={minAgreement} onChange={(e) => setMinAgreement(e.target.value)} />
                  </label>
                  <label>
                    Minimum reviewers per item
                    <input inputMode="numeric" value={minLabels} onChange={(e) => setMinLabels(e.target.value)} />
                  </label>
                </div>
              </fieldset>

              <fieldset>
                <legend>Split and columns</legend>
                <label className="check">
                  <input type="checkbox" checked={split} onChange={(e) => setSplit(e.target.checked)} />
                  Train/test split, grouped by prompt
                </label>
                {split && (
                  <div className="row">
                    <label>
                      Test share
                      <input inputMode="decimal" value={testFraction} onChange={(e) => setTestFraction(e.target.value)} />
                    </label>
                    <label>
                      Seed
                      <input inputMode="numeric" value={seed} onChange={(e) => setSeed(e.target.value)} />
                    </label>
                  </div>
                )}
                <label className="check">
                  <input type="checkbox" checked={provenance} onChange={(e) => setProvenance(e.target.checked)} />
                  Provenance columns (assay_id, reviewer, guideline_version, model_a, model_b, created_at)
                </label>
              </fieldset>
            </>
          )}

          {!card && (
            <label>
              License (dataset card)
              <input value={license} onChange={(e) => setLicense(e.target.value)} />
            </label>
          )}
        </form>

        <section className="export-side" aria-label="Export preview and result">
          <div className="export-target">
            <label>
              Folder {isElectron ? '' : '(on the machine running Assay)'}
              <input
                value={outDir}
                onChange={(e) => {
                  setOutDir(e.target.value);
                  setOutDirEdited(true);
                }}
                aria-label="Output folder"
              />
            </label>

            <div className="actions">
              <button type="button" className="secondary" disabled={busy || blocked} onClick={() => void doPreview()}>
                Preview
              </button>
              <button type="button" disabled={busy || blocked} onClick={() => void doExport()}>
                Export
              </button>
              {busy && (
                <button type="button" className="danger" onClick={cancel}>
                  Cancel
                </button>
              )}
            </div>
          </div>
          {busy && (
            <div className="export-progress" aria-live="polite">
              <ProgressBar
                fraction={run.progress && run.progress.total > 0 ? run.progress.done / run.progress.total : null}
                label={run.kind === 'previewing' ? 'Preview progress' : 'Export progress'}
              />
              <p className="muted small">
                {run.kind === 'previewing' ? 'Counting rows' : 'Writing'}
                {run.progress ? ` · ${plural(run.progress.rows, 'row')} · ${run.progress.done.toLocaleString()} of ${plural(run.progress.total, 'label')} read` : ''}
                {run.kind === 'exporting' && run.progress ? ` · ${formatBytes(run.progress.bytes)}` : ''}
              </p>
            </div>
          )}
          {run.kind === 'failed' && (
            <div className="error" role="alert">
              {run.message}
            </div>
          )}
          {run.kind === 'done' && (
            <div className="report" role="status" aria-label="Export result">
              {card ? (
                <p>
                  <strong>Wrote the model card</strong> in {run.report.durationMs} ms to
                </p>
              ) : (
                <p>
                  <strong>Exported</strong> {plural(run.report.counts.train, 'train row')}
                  {run.report.counts.test > 0 ? ` and ${plural(run.report.counts.test, 'test row')}` : ''} in {run.report.durationMs} ms to
                </p>
              )}
              <ul className="export-files">
                {run.report.files.map((f) => (
                  <li key={f.path}>
                    <span className="mono">{f.path}</span> <span className="muted">{f.split === null ? '' : `${plural(f.rows, 'row')} · `}{formatBytes(f.bytes)}</span>
                    {!isElectron && (
                      <>
                        {' '}
                        <a href={`${httpPaths.exports}${encodeURIComponent(run.report.exportId)}/${encodeURIComponent(f.path.split(/[\\/]/).pop()!)}`} download>
                          download
                        </a>
                      </>
                    )}
                  </li>
                ))}
              </ul>
              <StyleNote style={run.report.style} />
              <LabelRuleNote counts={run.report.counts} />
              <LeftOut counts={run.report.counts} />
            </div>
          )}
          {preview?.card !== undefined ? (
            <div className="export-preview" aria-label="Preview">
              <h3>Preview</h3>
              <ModelCardPreview card={preview.card} />
            </div>
          ) : preview ? (
            <div className="export-preview" aria-label="Preview">
              <h3>Preview</h3>
              <p>
                <strong>{plural(preview.counts.train, 'train row')}</strong>
                {options.split ? (
                  <>
                    {' · '}
                    <strong>{plural(preview.counts.test, 'test row')}</strong>
                  </>
                ) : null}{' '}
                · columns {preview.columns.join(', ')}
              </p>
              <StyleNote style={preview.style} />
              <LabelRuleNote counts={preview.counts} />
              <LeftOut counts={preview.counts} />
              {(['train', 'test'] as const).map((s) =>
                preview.rows[s].length > 0 ? (
                  <div key={s}>
                    <h4>
                      First {plural(preview.rows[s].length, `${s} row`)}
                    </h4>
                    <div className="export-rows">
                      {preview.rows[s].map((row, i) => (
                        <pre key={i} className="export-row">
                          {JSON.stringify(row, null, 2)}
                        </pre>
                      ))}
                    </div>
                  </div>
                ) : null,
              )}
            </div>
          ) : (
            !busy &&
            run.kind !== 'done' && (
              <p className="muted">
                {card ? 'Preview shows the model card exactly as it will be written, before anything is written.' : 'Preview shows the counts per split, what is left out and why, and the first rows, before anything is written.'}
              </p>
            )
          )}
          <BackupCard />
        </section>
      </div>
    </div>
  );
}
