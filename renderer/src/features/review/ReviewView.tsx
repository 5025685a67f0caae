// Placeholder: the review queue is being built (issue 4).
export function ReviewView() {
  return <div className="empty">Review is being built.</div>;
}
