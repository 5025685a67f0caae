// Placeholder: pairwise and N-way comparison labeling is being built (issue 5).
export function CompareView() {
  return <div className="empty">Comparisons are being built.</div>;
}
