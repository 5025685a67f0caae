// Placeholder: the Bradley–Terry leaderboard is being built (issue 5).
export function LeaderboardView() {
  return <div className="empty">The leaderboard is being built.</div>;
}
