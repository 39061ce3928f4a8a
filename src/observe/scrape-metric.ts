// A Prometheus metric whose values are read when /metrics is scraped: the registry calls get(),
// which asks the system for its current figures. Nothing is kept or updated between scrapes, so
// the figures cost nothing on the paths that change them (prom-client's own Gauge.collect would
// do the same through set() calls; this states it directly and also serves counters and
// histograms kept outside prom-client, like the NBD counters).
import type { Registry } from 'prom-client';

export type Labels = Record<string, string>;
export interface Sample {
  value: number;
  labels?: Labels;
  /** For histograms: `<name>_bucket`, `<name>_sum`, `<name>_count`. */
  metricName?: string;
}

export type MetricType = 'gauge' | 'counter' | 'histogram';

export function scrapeMetric(registry: Registry, name: string, help: string, type: MetricType, read: () => Sample[]): void {
  registry.registerMetric({
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: read() }),
  } as never);
}

/** Samples of a histogram kept as bucket counts (non-cumulative) with their upper bounds. */
export function histogramSamples(name: string, bounds: readonly number[], counts: ArrayLike<number>, sum: number, count: number, labels: Labels = {}): Sample[] {
  const samples: Sample[] = [];
  let cumulative = 0;
  for (let i = 0; i < bounds.length; i++) {
    cumulative += counts[i]!;
    samples.push({ metricName: `${name}_bucket`, labels: { ...labels, le: String(bounds[i]) }, value: cumulative });
  }
  samples.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count });
  samples.push({ metricName: `${name}_sum`, labels, value: sum });
  samples.push({ metricName: `${name}_count`, labels, value: count });
  return samples;
}
