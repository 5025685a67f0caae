import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface RatesChartData {
  /** One row per class: `className` and the rate (0..100) of model i under the key `m<i>`. */
  rows: Array<Record<string, string | number>>;
  /** Model names, in key order (names may contain dots, which recharts reads as paths). */
  models: string[];
}

const COLORS = ['#2f5d8a', '#c0752a', '#3f8f5a', '#8a3f7d', '#b0a030', '#4f8fb0', '#a3322b', '#6b6b66'];

/** Grouped bars: failure rate (%) per class, one bar per model. Loaded lazily with recharts. */
export default function RatesChart({ data }: { data: RatesChartData }) {
  const height = Math.max(220, Math.min(420, 120 + data.rows.length * 28));
  // The axis ends at the next multiple of 10 above the worst rate (at least 10%), in five even steps.
  const max = Math.max(0, ...data.rows.flatMap((row) => data.models.map((_, i) => Number(row[`m${i}`] ?? 0))));
  const top = Math.min(100, Math.max(10, Math.ceil(max / 10) * 10));
  const ticks = [0, 1, 2, 3, 4, 5].map((i) => Math.round((top * i) / 5));
  return (
    <div className="rates-chart" role="img" aria-label="Failure rate per class and model">
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={data.rows} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--line)" vertical={false} />
          <XAxis dataKey="className" tick={{ fontSize: 12, fill: 'var(--muted)' }} interval={0} height={48} tickFormatter={(v: string) => (v.length > 22 ? `${v.slice(0, 21)}…` : v)} />
          <YAxis unit="%" domain={[0, top]} ticks={ticks} tick={{ fontSize: 12, fill: 'var(--muted)' }} width={48} allowDecimals={false} />
          <Tooltip
            formatter={(value) => `${Number(value).toFixed(1)}%`}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--line)', borderRadius: 6, fontSize: 12 }}
            cursor={{ fill: 'var(--accent-soft)', opacity: 0.5 }}
          />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {data.models.map((model, i) => (
            <Bar key={model} dataKey={`m${i}`} name={model} fill={COLORS[i % COLORS.length]} maxBarSize={36} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
