// Placeholder: the failure-class taxonomy view is being built (issue 4).
export function TaxonomyView() {
  return <div className="empty">Taxonomy is being built.</div>;
}
