import { Component, Fragment, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** The view's name as its tab shows it ("Review"). */
  view: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
  /** Bumped by "Reload view": the view mounts afresh (its state is lost, the workspace is not). */
  attempt: number;
}

/**
 * Around each view (App.tsx): an error thrown while the view renders, or by the effects of a pane
 * it is removing, shows this panel instead of a blank page. Everything a reviewer saved is already
 * in the workspace (every save is acknowledged after its commit); only what the view held in memory
 * is gone, and "Reload view" mounts it again.
 */
export class ViewBoundary extends Component<Props, State> {
  override state: State = { error: null, attempt: 0 };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error(`[${this.props.view}] the view failed to render:`, error, info.componentStack);
  }

  private reload = () => this.setState((s) => ({ error: null, attempt: s.attempt + 1 }));

  override render() {
    const { error, attempt } = this.state;
    if (error) {
      return (
        <section className="view-error" role="alert" aria-label={`${this.props.view} view failed`}>
          <h2>The {this.props.view} view stopped working</h2>
          <p>
            What failed: <code>{error.message || error.name}</code>
          </p>
          <p className="notice">
            Your saved labels are safe: every rating, tag, step, correction and comparison is stored in the workspace as soon as it shows as saved.
            Only what was still being typed in this view may be lost.
          </p>
          <div className="actions">
            <button onClick={this.reload} data-autofocus>
              Reload view
            </button>
          </div>
          {error.stack && (
            <details>
              <summary>Details for a bug report</summary>
              <pre>{error.stack}</pre>
            </details>
          )}
        </section>
      );
    }
    return (
      <Fragment key={attempt}>
        <Tripwire view={this.props.view} />
        {this.props.children}
      </Fragment>
    );
  }
}

/**
 * The e2e suite's way to make a view fail to render (e2e/view-boundary.spec.ts):
 * sessionStorage `assay.e2e.failView` names the view. Nothing else sets that key.
 */
function Tripwire({ view }: { view: string }) {
  let failing: string | null = null;
  try {
    failing = sessionStorage.getItem('assay.e2e.failView');
  } catch {
    // No storage: nothing to trip.
  }
  if (failing === view) throw new Error(`A test asked the ${view} view to fail (assay.e2e.failView).`);
  return null;
}
