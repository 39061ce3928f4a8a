// Named crash points (FoundationDB's BUGGIFY, TigerBeetle's VOPR): places in replication where a
// crash leaves state that a restart must put right. Production passes none and each point is one
// optional call; the deterministic simulation (test/sim) injects one that may end the system right
// there: its metadata store and engine stop taking writes, so nothing after the point persists.
// To add one: name it here, call crashPoint(ctx, name) where the crash matters, and the simulation
// reaches it by itself (it picks among the names it has seen reached).

export const CRASH_POINT_NAMES = [
  /** Source: the cycle's cut exists and pendingCycle is recorded; nothing shipped yet. */
  'cycle.after-cut',
  /** Source: every extent shipped into staging; the commit not sent. */
  'cycle.after-ship',
  /** Source: the destination committed the cycle; this side has not recorded the new base. */
  'cycle.after-commit',
  /** Source: the new base recorded, the old base snapshots not deleted yet. */
  'cycle.after-record',
  /** Destination: a cycle is open (openCycle recorded, its staging made); nothing shipped into it yet. */
  'destination.after-cycle-begun',
  /** Destination: pendingCommit recorded, staging not restored onto the volumes yet. */
  'destination.after-pending-commit',
  /** Destination: the commit finished; the source has not heard the answer. */
  'destination.after-commit',
  /** Unplanned failover: this side recorded itself Source (new generation); the old source not told. */
  'failover.after-local-role',
  /** Planned failover: the peer is Source now; this side has not recorded itself Destination. */
  'failover.after-peer-promoted',
  /**
   * Host access was widened: since the state machine, written in one transaction with the role
   * (SessionRuntime.apply), so a crash here finds both; it used to fall between them.
   */
  'failover.after-host-access',
  /** Reprotect: the first cycle to the old source committed; the session not yet OK. */
  'reprotect.after-cycle',
  /** Protection: the peer created the destination volume and session; this side has no record yet. */
  'session.after-remote-destination',
  /** REC suspend: the peer recorded Suspended; this side has not. */
  'rec.after-peer-suspended',
  /** REC reverse: the peer swapped its role; this side has not. */
  'rec.after-peer-reversed',
] as const;

export type CrashPointName = (typeof CRASH_POINT_NAMES)[number];

export interface CrashPoints {
  /** Called when execution reaches a named point; may throw to end the caller (a crash). */
  reach(name: CrashPointName): void;
}

/** A crash point: a no-op unless the context carries CrashPoints (only the simulation does). */
export function crashPoint(ctx: { crashPoints?: CrashPoints }, name: CrashPointName): void {
  ctx.crashPoints?.reach(name);
}
