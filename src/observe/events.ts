// What happened on a system, as typed events: one hub per system that the places where things
// happen emit into (the dialects' request lifecycle, the metadata store's commits, the peer link,
// fault injection, start-up) and that consumers subscribe to. Today the log subscribes
// (log-events.ts); an event store (PowerStore alert/event/audit_event) subscribes to the same hub
// later without touching the places that emit. Emitting never throws into the emitter.
import type { SessionRole, SessionState } from '../core/replication/model.ts';

export type Dialect = 'powerstore' | 'eternus' | 'control';

/** One state-changing API request of any dialect, once its answer has been sent. */
export interface MutationEvent {
  kind: 'mutation';
  dialect: Dialect;
  /** Fastify's request id: one per call, shared by every line the call logs. */
  requestId: string;
  /** The authenticated user, or null when authentication itself failed. */
  user: string | null;
  method: string;
  /** The route pattern (`/volume/:id/snapshot`), bounded; the URL's path when no route matched. */
  route: string;
  /** The `:id` of the route, when it has one. */
  resourceId: string | null;
  status: number;
  durationMs: number;
  /** The dialect's error message for a refused request (never the request body). */
  error: string | null;
}

/** A replication session record changed state (created: from null; deleted: to null). */
export interface SessionStateEvent {
  kind: 'session_state';
  sessionId: string;
  /** The local volume or volume group name, for people. */
  resourceName: string | null;
  role: SessionRole;
  from: SessionState | null;
  to: SessionState | null;
  errorCode: string | null;
}

/** A session's roles changed on this system (its generation moved): a failover or a demotion. */
export interface FailoverEvent {
  kind: 'failover';
  sessionId: string;
  resourceName: string | null;
  roleBefore: SessionRole;
  roleAfter: SessionRole;
  generation: number;
  state: SessionState;
}

export interface FaultEvent {
  kind: 'fault';
  action: 'added' | 'removed';
  id: string;
  /** The fault as the control API shows it (`{kind: 'link_down'}`, ...). */
  fault: Record<string, unknown>;
}

export interface LinkEvent {
  kind: 'link';
  peerSystemId: string;
  peerName: string | null;
  state: string;
}

/** What start-up found and redid after the last stop (clean or not). */
export interface RecoveryEvent {
  kind: 'recovery';
  engineOpenMs: number;
  replayedRecords: number;
  truncatedAt: { segmentId: number; offsetBytes: number } | null;
  volumes: number;
  sessions: number;
  interruptedJobs: number;
}

/** An asynchronous job (PowerStore is_async, ETERNUS 202) ended: its result is no answer anyone reads. */
export interface JobEvent {
  kind: 'job';
  jobId: string;
  description: string;
  user: string;
  state: 'COMPLETED' | 'FAILED';
  resourceId: string | null;
  error: string | null;
}

export interface ErrorEvent {
  kind: 'error';
  /** Where it was caught: 'powerstore', 'eternus', 'control', 'engine', 'process', ... */
  source: string;
  message: string;
  requestId?: string;
  stack?: string;
}

export type SystemEvent = MutationEvent | SessionStateEvent | FailoverEvent | FaultEvent | LinkEvent | RecoveryEvent | JobEvent | ErrorEvent;

export type EventListener = (event: SystemEvent) => void;

export class EventHub {
  private readonly listeners = new Set<EventListener>();

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: SystemEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        // A consumer's bug must not fail the operation that emitted; it is reported once, here.
        process.emitWarning(`event listener failed on ${event.kind}: ${String(error)}`);
      }
    }
  }
}
