import { createContext, useContext, type ReactNode } from 'react';
import type { Reviewer } from '../../contract';

// Placeholder: the reviewer profile (chosen at start, switchable) is being built (issue 4).
const ReviewerContext = createContext<Reviewer | null>(null);

export function ReviewerProvider({ children }: { children: ReactNode }) {
  return <ReviewerContext.Provider value={null}>{children}</ReviewerContext.Provider>;
}

export function useReviewer(): Reviewer | null {
  return useContext(ReviewerContext);
}

export function ReviewerSwitcher() {
  return null;
}
