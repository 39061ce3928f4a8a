// What a system observes itself with, handed to every part that reports: the event hub (log
// lines now, an event store later), the metrics (null when off), and the logger for lines that
// are not events (replication's operational messages, warnings).
import type { Logger } from 'pino';
import type { EventHub } from './events.ts';
import type { SystemMetrics } from './metrics.ts';

export interface Observability {
  hub: EventHub;
  metrics: SystemMetrics | null;
  logger: Logger;
}
