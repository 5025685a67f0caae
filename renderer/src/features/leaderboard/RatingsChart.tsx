import { CartesianGrid, ErrorBar, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';

export interface RatingRow {
  name: string;
  rating: number;
  low: number;
  high: number;
  /** [rating − low, high − rating] for the error bar. */
  err: [number, number];
  comparisons: number;
}

/** Ratings with their bootstrap 95% intervals as horizontal error bars, best at the top. Loaded lazily. */
export default function RatingsChart({ rows, mean }: { rows: RatingRow[]; mean: number | null }) {
  const height = Math.max(160, 70 + rows.length * 34);
  const lo = Math.min(...rows.map((r) => r.low));
  const hi = Math.max(...rows.map((r) => r.high));
  const pad = Math.max(10, (hi - lo) * 0.08);
  const domain: [number, number] = [Math.floor((lo - pad) / 10) * 10, Math.ceil((hi + pad) / 10) * 10];
  return (
    <div className="lb-chart" role="img" aria-label="Rating per model with 95% intervals">
      <ResponsiveContainer width="100%" height={height}>
        <ScatterChart margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--line)" horizontal={false} />
          <XAxis type="number" dataKey="rating" domain={domain} tick={{ fontSize: 12, fill: 'var(--muted)' }} allowDecimals={false} name="Rating" />
          <YAxis
            type="category"
            dataKey="name"
            reversed
            width={150}
            tick={{ fontSize: 12, fill: 'var(--text)' }}
            tickFormatter={(v: string) => (v.length > 20 ? `${v.slice(0, 19)}…` : v)}
            allowDuplicatedCategory={false}
          />
          {mean !== null && <ReferenceLine x={mean} stroke="var(--muted)" strokeDasharray="4 4" />}
          <Tooltip
            cursor={false}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--line)', borderRadius: 6, fontSize: 12 }}
            formatter={(value, name) => (name === 'Rating' ? Math.round(Number(value)) : value)}
            labelFormatter={() => ''}
          />
          <Scatter data={rows} fill="var(--accent)" isAnimationActive={false} name="Rating">
            <ErrorBar dataKey="err" direction="x" width={6} strokeWidth={2} stroke="var(--accent)" isAnimationActive={false} />
          </Scatter>
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}
