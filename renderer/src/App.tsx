import { useCallback, useEffect, useMemo, useState, type ComponentType } from 'react';
import type { MethodName, SessionInfo, WorkspaceInfo } from '../../contract';
import { AccessProvider } from './access';
import { call, errorText, onEvent, onSignedOut, type SignedOutInfo } from './api';
import { SignedOut } from './components/SignedOut';
import { TeamButton } from './features/team/TeamDialog';
import { MergePacksHost } from './features/packs/MergePacksDialog';
import { PackBanner, PackEmptyState } from './features/packs/PackBanner';
import { ToastProvider } from './components/Toast';
import { AdjudicationView } from './features/adjudication/AdjudicationView';
import { BatchView } from './features/batch/BatchView';
import { CompareView } from './features/compare/CompareView';
import { ExportView } from './features/export/ExportView';
import { GuidelinesPanel } from './features/guidelines/GuidelinesPanel';
import { LeaderboardView } from './features/leaderboard/LeaderboardView';
import { ModelsView } from './features/models/ModelsView';
import { PlaygroundView } from './features/playground/PlaygroundView';
import { PromptsView } from './features/prompts/PromptsView';
import { QualityView } from './features/quality/QualityView';
import { ReviewView } from './features/review/ReviewView';
import { SessionsView } from './features/sessions/SessionsView';
import { TaxonomyView } from './features/taxonomy/TaxonomyView';
import { ReviewerProvider, ReviewerSwitcher } from './reviewer';
import { ImportStatus } from './components/ImportStatus';
import { WorkspaceSettingsButton } from './components/WorkspaceSettings';
import { ViewBoundary } from './components/ViewBoundary';

/**
 * `needs`: the method a tab is for; in team mode a role that may not call it does not see the tab
 * (an SME sees Prompts, Review, Compare, Leaderboard and Taxonomy, read-only where it edits).
 */
const TABS: readonly { id: string; label: string; view: ComponentType; needs?: MethodName }[] = [
  { id: 'prompts', label: 'Prompts', view: PromptsView },
  { id: 'review', label: 'Review', view: ReviewView },
  { id: 'compare', label: 'Compare', view: CompareView },
  { id: 'leaderboard', label: 'Leaderboard', view: LeaderboardView },
  { id: 'taxonomy', label: 'Taxonomy', view: TaxonomyView },
  { id: 'playground', label: 'Playground', view: PlaygroundView, needs: 'playground.generate' },
  { id: 'batch', label: 'Batch', view: BatchView, needs: 'jobs.create' },
  { id: 'models', label: 'Models', view: ModelsView, needs: 'models.add' },
  { id: 'export', label: 'Export', view: ExportView, needs: 'datasets.export' },
  // Last, so Ctrl+1…9 keep their tabs; Ctrl+0 is the tenth.
  { id: 'quality', label: 'Quality', view: QualityView, needs: 'quality.report' },
  // Eleventh: no Ctrl shortcut.
  { id: 'sessions', label: 'Sessions', view: SessionsView, needs: 'sessions.create' },
  // Twelfth: Alt+A (Ctrl+digits are taken).
  { id: 'adjudication', label: 'Adjudication', view: AdjudicationView, needs: 'adjudication.queue' },
];
type TabId = string;

export function App() {
  const [info, setInfo] = useState<WorkspaceInfo | null>(null);
  const [access, setAccess] = useState<SessionInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [signedOut, setSignedOut] = useState<SignedOutInfo | null>(null);
  const [tab, setTab] = useState<TabId>('prompts');
  const [guidelinesOpen, setGuidelinesOpen] = useState(false);
  const tabs = useMemo(() => {
    const forbidden = new Set(access?.forbidden ?? []);
    return TABS.filter((t) => !t.needs || !forbidden.has(t.needs));
  }, [access]);

  useEffect(() => onSignedOut(setSignedOut), []);

  useEffect(() => {
    // Access is read once: a role does not change while a session lives (revoking ends it).
    call('session.get', {}).then(setAccess, (e: unknown) => setError(errorText(e)));
  }, []);

  useEffect(() => {
    // Ctrl/Cmd+1…9 switch tabs, and Ctrl/Cmd+0 to the tenth (of the tabs this role has).
    const onKey = (e: KeyboardEvent) => {
      // Alt+A: Adjudication (the twelfth tab), for a role that has it.
      if (e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.code === 'KeyA' && tabs.some((t) => t.id === 'adjudication')) {
        e.preventDefault();
        setTab('adjudication');
        return;
      }
      const index = e.key === '0' ? 9 : Number(e.key) - 1;
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && index >= 0 && index < tabs.length) {
        e.preventDefault();
        setTab(tabs[index]!.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [tabs]);

  const refresh = useCallback(() => {
    call('workspace.info', {})
      .then((value) => {
        setInfo(value);
        setError(null);
        document.title = `${value.name} — Assay`;
      })
      .catch((e: unknown) => setError(errorText(e)));
  }, []);

  useEffect(() => {
    refresh();
    return onEvent('onDidChangePrompts', refresh);
  }, [refresh]);

  if (signedOut) return <SignedOut info={signedOut} />;

  if (error) {
    return (
      <div className="fatal">
        <h1>Assay cannot reach its workspace</h1>
        <p>{error}</p>
        <button onClick={refresh}>Try again</button>
      </div>
    );
  }

  if (!access) return null;

  return (
    <AccessProvider info={access} refused={info?.pack?.refused}>
    <ToastProvider>
      <ReviewerProvider>
      <div className="app">
        <header className="topbar">
          <span className="brand">Assay</span>
          <nav className="tabs" role="tablist" aria-label="Sections">
            {tabs.map((t, i) => (
              <button
                key={t.id}
                role="tab"
                className={`tab${t.id === tab ? ' active' : ''}`}
                aria-selected={t.id === tab}
                title={i < 10 ? `${t.label} (Ctrl+${(i + 1) % 10})` : t.id === 'adjudication' ? `${t.label} (Alt+A)` : t.label}
                onClick={() => setTab(t.id)}
                // A narrow window scrolls the tabs: keep the one shown in view.
                ref={t.id === tab ? (el) => el?.scrollIntoView({ block: 'nearest', inline: 'nearest' }) : undefined}
              >
                {t.label}
              </button>
            ))}
          </nav>
          <ReviewerSwitcher />
          <TeamButton />
          <MergePacksHost />
          <button className="topbar-button" aria-pressed={guidelinesOpen} onClick={() => setGuidelinesOpen((o) => !o)}>
            Guidelines
          </button>
          <WorkspaceSettingsButton />
          <ImportStatus />
          <span className="workspace" title={info?.path}>
            <span className="workspace-line">
              {info ? (
                <>
                  {/* The path gives way first, losing its start (the folder) before its file name; then the count; then the name (ellipsis, tooltip). */}
                  <strong className="workspace-name" title={info.name}>
                    {info.name}
                  </strong>
                  <span className="muted workspace-count">· {info.promptCount.toLocaleString()} prompts</span>
                  <span className="muted workspace-path">
                    <bdi>{info.path}</bdi>
                  </span>
                </>
              ) : (
                'Opening workspace…'
              )}
            </span>
          </span>
        </header>
        {info?.pack && <PackBanner pack={info.pack} file={info.path} />}
        <div className="workarea">
          <main className="content" role="tabpanel">
            {info &&
              tabs.filter((t) => t.id === tab).map(({ id, label, view: View, needs }) => (
                // One boundary per view (a fresh one on each tab change): a render error shows what failed and a Reload button, not a blank page.
                <ViewBoundary key={id} view={label}>
                  {/* In a review pack a view made for what the pack refuses says so instead of failing. */}
                  {info.pack && needs && info.pack.refused.includes(needs) ? <PackEmptyState view={label} pack={info.pack} /> : <View />}
                </ViewBoundary>
              ))}
          </main>
          {info && guidelinesOpen && (
            <ViewBoundary view="Guidelines">
              <GuidelinesPanel onClose={() => setGuidelinesOpen(false)} />
            </ViewBoundary>
          )}
        </div>
      </div>
      </ReviewerProvider>
    </ToastProvider>
    </AccessProvider>
  );
}
