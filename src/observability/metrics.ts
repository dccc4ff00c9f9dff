import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Metric,
} from 'prom-client';

export type HttpLabel = 'method' | 'route' | 'status';

/**
 * One registry per process (or per test app): the prom-client global registry would make a second
 * app in the same process fail on duplicate metric names.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequestsTotal: Counter<HttpLabel>;
  readonly httpRequestDuration: Histogram<HttpLabel>;
  /** Registers a counter on this registry; asking twice for the same name returns the first one. */
  counter<L extends string = string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L>;
  gauge<L extends string = string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L>;
  histogram<L extends string = string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L>;
  /** Prometheus text exposition of everything registered. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, GC). Off only where many registries live in one process. */
  processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const existing = <M>(name: string, kind: new (...args: never[]) => M): M | undefined => {
    const metric: Metric | undefined = registry.getSingleMetric(name);
    if (metric === undefined) return undefined;
    if (!(metric instanceof kind)) throw new Error(`metric ${name} is already registered as another kind`);
    return metric;
  };

  const counter = <L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> =>
    existing<Counter<L>>(config.name, Counter) ?? new Counter<L>({ ...config, registers: [registry] });
  const gauge = <L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> =>
    existing<Gauge<L>>(config.name, Gauge) ?? new Gauge<L>({ ...config, registers: [registry] });
  const histogram = <L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> =>
    existing<Histogram<L>>(config.name, Histogram) ?? new Histogram<L>({ ...config, registers: [registry] });

  return {
    registry,
    httpRequestsTotal: counter<HttpLabel>({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
    }),
    httpRequestDuration: histogram<HttpLabel>({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving a request to answering it, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    counter,
    gauge,
    histogram,
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
