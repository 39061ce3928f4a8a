// What a system observes itself with, handed to every part that reports: the event hub (log
// lines now, an event store later), the metrics (null when off), and the logger for lines that
// are not events (replication's operational messages, warnings).
import type { Logger } from 'pino';
import type { EventStore } from './event-store.ts';
import type { EventHub } from './events.ts';
import type { LagHistory } from './lag-history.ts';
import type { SystemMetrics } from './metrics.ts';

export interface Observability {
  hub: EventHub;
  /** PowerStore alert, event and audit_event records kept from the hub. */
  events: EventStore;
  metrics: SystemMetrics | null;
  logger: Logger;
  /** Each session's lag over the last hour (the console's charts). */
  lagHistory: LagHistory;
}
