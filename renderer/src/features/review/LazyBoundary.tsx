import { Component, type ReactNode } from 'react';

/**
 * Catches a lazily loaded editor that fails to load or to start (a chunk missing after an update,
 * a worker refused), so the rest of the view keeps working: the caller shows a plain fallback.
 */
export class LazyBoundary extends Component<{ fallback: ReactNode; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: unknown) {
    console.warn('[review] editor failed to load; using the plain fallback:', error);
  }

  override render() {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}
