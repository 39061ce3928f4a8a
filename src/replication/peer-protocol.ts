// The replication peer protocol's parameters, typed and checked: every RPC handler parses what the
// peer sent here before it acts (no `params.x as T`). A peer that sends a malformed call gets
// VALIDATION_FAILED and nothing changes. The method names are wire.ts's RPC.
import { ValidationError } from '../core/errors.ts';
import type { RecCreateOnSourceParams } from '../core/replication/commands.ts';
import type { RecoveryMode, SessionState, SplitMode, TransferMode } from '../core/replication/model.ts';
import type { CreateDestinationParams, CycleBeginParams, CycleExtentsParams, MembersParams, MemberSpec, RecCreateDestinationParams, ReplicatedSnapshot, SessionStateSummary } from './wire.ts';

const SESSION_STATES: readonly SessionState[] = ['Initializing', 'OK', 'Synchronizing', 'Paused', 'Suspended', 'System_Paused', 'Failing_Over', 'Failing_Over_For_DR', 'Failed_Over', 'Reprotecting', 'Deleting', 'Error'];
const TRANSFER_MODES: readonly TransferMode[] = ['Asynchronous', 'Synchronous', 'Stack', 'Consistency', 'Through'];
const MODES: readonly (SplitMode & RecoveryMode)[] = ['Automatic', 'Manual'];

type Params = Record<string, unknown>;

function object(value: unknown, what = 'params'): Params {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(`Peer call: ${what} must be an object.`, what);
  return value as Params;
}

function string(p: Params, key: string): string {
  const v = p[key];
  if (typeof v !== 'string') throw new ValidationError(`Peer call: ${key} must be a string.`, key);
  return v;
}

function integer(p: Params, key: string): number {
  const v = p[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ValidationError(`Peer call: ${key} must be an integer.`, key);
  return v;
}

function boolean(p: Params, key: string, fallback?: boolean): boolean {
  const v = p[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'boolean') throw new ValidationError(`Peer call: ${key} must be a boolean.`, key);
  return v;
}

function oneOf<T extends string>(p: Params, key: string, allowed: readonly T[]): T {
  const v = p[key];
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new ValidationError(`Peer call: ${key} must be one of ${allowed.join(', ')}.`, key);
  return v as T;
}

function optional<T>(p: Params, key: string, parse: (p: Params, key: string) => T): T | undefined {
  return p[key] === undefined ? undefined : parse(p, key);
}

function nullable<T>(p: Params, key: string, parse: (p: Params, key: string) => T): T | null {
  return p[key] === null || p[key] === undefined ? null : parse(p, key);
}

export interface SessionParams {
  sessionId: string;
}

/** Every call about a session names it. */
export function parseSessionParams(params: unknown): SessionParams {
  return { sessionId: string(object(params), 'sessionId') };
}

export interface BecomeSourceParams extends SessionParams {
  generation: number;
  state: SessionState;
  /** Planned failover with reverse: the new source reprotects at once. */
  reprotect: boolean;
}

export function parseBecomeSource(params: unknown): BecomeSourceParams {
  const p = object(params);
  return { sessionId: string(p, 'sessionId'), generation: integer(p, 'generation'), state: oneOf(p, 'state', SESSION_STATES), reprotect: boolean(p, 'reprotect', false) };
}

export interface BecomeDestinationParams extends SessionParams {
  generation: number;
  /** Reprotect and failback: the base cycle to roll back to (-1: empty for a full copy); null: only demote. */
  prepareForBaseCycle: number | null;
  /** A demotion: the new source's base (peers that predate it send none). */
  sourceBaseCycle?: number;
}

export function parseBecomeDestination(params: unknown): BecomeDestinationParams {
  const p = object(params);
  const sourceBaseCycle = optional(p, 'sourceBaseCycle', integer);
  return { sessionId: string(p, 'sessionId'), generation: integer(p, 'generation'), prepareForBaseCycle: nullable(p, 'prepareForBaseCycle', integer), ...(sourceBaseCycle !== undefined ? { sourceBaseCycle } : {}) };
}

export interface SetStateParams extends SessionParams {
  state: SessionState;
  /** The sender's generation (peers that predate it send none). */
  generation?: number;
  pausedByUser?: boolean;
  errorCode?: string;
  errorAtMs?: number | null;
  /** When the sender sent it, by its clock: a notice older than one already applied is stale (peers that predate it send none). */
  sentAtMs?: number;
  /** The pauses and resumes the sender knew of (model.ts pauseResumes; peers that predate it send none). */
  pauseResumes?: number;
}

export function parseSetState(params: unknown): SetStateParams {
  const p = object(params);
  const errorCode = optional(p, 'errorCode', string);
  return {
    sessionId: string(p, 'sessionId'),
    state: oneOf(p, 'state', SESSION_STATES),
    ...(p.generation !== undefined ? { generation: integer(p, 'generation') } : {}),
    ...(p.pausedByUser !== undefined ? { pausedByUser: boolean(p, 'pausedByUser') } : {}),
    ...(errorCode !== undefined ? { errorCode, errorAtMs: typeof p.errorAtMs === 'number' ? p.errorAtMs : null } : {}),
    ...(p.sentAtMs !== undefined ? { sentAtMs: integer(p, 'sentAtMs') } : {}),
    ...(p.pauseResumes !== undefined ? { pauseResumes: integer(p, 'pauseResumes') } : {}),
  };
}

export function parseSessionStates(params: unknown): { sessions: SessionStateSummary[] } {
  const p = object(params);
  if (!Array.isArray(p.sessions)) throw new ValidationError('Peer call: sessions must be an array.', 'sessions');
  return {
    sessions: p.sessions.map((raw) => {
      const s = object(raw, 'sessions');
      const resuming = optional(s, 'resuming', (x, key) => boolean(x, key));
      const recResumes = optional(s, 'recResumes', integer);
      const pauseResumes = optional(s, 'pauseResumes', integer);
      const errorCode = optional(s, 'errorCode', string);
      const errorAtMs = optional(s, 'errorAtMs', (x, key) => (x[key] === null ? null : integer(x, key)));
      const modes = optional(s, 'modes', (x, key) => {
        const m = object(x[key], key);
        return { transferMode: oneOf(m, 'transferMode', TRANSFER_MODES), splitMode: oneOf(m, 'splitMode', MODES), recoveryMode: oneOf(m, 'recoveryMode', MODES) };
      });
      return { id: string(s, 'id'), role: oneOf(s, 'role', ['Source', 'Destination'] as const), generation: integer(s, 'generation'), state: oneOf(s, 'state', SESSION_STATES), baseCycle: integer(s, 'baseCycle'), ...(resuming ? { resuming } : {}), ...(recResumes !== undefined ? { recResumes } : {}), ...(pauseResumes !== undefined ? { pauseResumes } : {}), ...(modes !== undefined ? { modes } : {}), ...(errorCode !== undefined ? { errorCode, errorAtMs: errorAtMs ?? null } : {}) };
    }),
  };
}

export interface RecSuspendParams extends SessionParams {
  force: boolean;
}

export function parseRecSuspend(params: unknown): RecSuspendParams {
  const p = object(params);
  return { sessionId: string(p, 'sessionId'), force: boolean(p, 'force', false) };
}

export interface RecRollbackParams extends SessionParams {
  baseCycle: number;
  /** The number of the source's REC resume (peers that predate it send none). */
  recResumes?: number;
}

export function parseRecRollback(params: unknown): RecRollbackParams {
  const p = object(params);
  const recResumes = optional(p, 'recResumes', integer);
  return { sessionId: string(p, 'sessionId'), baseCycle: integer(p, 'baseCycle'), ...(recResumes !== undefined ? { recResumes } : {}) };
}

export interface RecReverseParams extends SessionParams {
  generation: number;
  /** The role the receiver takes (the issuer's before the reverse); peers that predate it send none. */
  role?: 'Source' | 'Destination';
  /** The issuer's base cycle (rec_reverse's peerBaseCycle); peers that predate it send none. */
  baseCycle?: number;
}

export function parseRecReverse(params: unknown): RecReverseParams {
  const p = object(params);
  const role = optional(p, 'role', (q, key) => oneOf(q, key, ['Source', 'Destination'] as const));
  const baseCycle = optional(p, 'baseCycle', integer);
  return { sessionId: string(p, 'sessionId'), generation: integer(p, 'generation'), ...(role ? { role } : {}), ...(baseCycle !== undefined ? { baseCycle } : {}) };
}

export interface RecSetModesParams extends SessionParams {
  modes: { transferMode: TransferMode; splitMode: SplitMode; recoveryMode: RecoveryMode };
}

export function parseRecSetModes(params: unknown): RecSetModesParams {
  const p = object(params);
  const m = object(p.modes, 'modes');
  return { sessionId: string(p, 'sessionId'), modes: { transferMode: oneOf(m, 'transferMode', TRANSFER_MODES), splitMode: oneOf(m, 'splitMode', MODES), recoveryMode: oneOf(m, 'recoveryMode', MODES) } };
}

export interface CycleCommitParams extends SessionParams {
  cycle: number;
  syncedAtMs: number;
  snapshot: ReplicatedSnapshot | null;
  durationMs: number | null;
}

function replicatedSnapshot(value: unknown): ReplicatedSnapshot {
  const s = object(value, 'snapshot');
  const nullableString = (key: string) => nullable(s, key, string);
  return {
    name: string(s, 'name'),
    description: nullableString('description'),
    creatorType: string(s, 'creatorType') as ReplicatedSnapshot['creatorType'],
    createdByRuleName: nullableString('createdByRuleName'),
    expirationTimestampMs: nullable(s, 'expirationTimestampMs', integer),
    sourceTimestampMs: integer(s, 'sourceTimestampMs'),
  };
}

export function parseCycleCommit(params: unknown): CycleCommitParams {
  const p = object(params);
  return {
    sessionId: string(p, 'sessionId'),
    cycle: integer(p, 'cycle'),
    syncedAtMs: integer(p, 'syncedAtMs'),
    snapshot: p.snapshot === null || p.snapshot === undefined ? null : replicatedSnapshot(p.snapshot),
    durationMs: typeof p.durationMs === 'number' ? p.durationMs : null,
  };
}

export interface SyncSnapshotParams extends SessionParams {
  baseCycle: number;
  snapshot: ReplicatedSnapshot;
}

export function parseSyncSnapshot(params: unknown): SyncSnapshotParams {
  const p = object(params);
  return { sessionId: string(p, 'sessionId'), baseCycle: integer(p, 'baseCycle'), snapshot: replicatedSnapshot(p.snapshot) };
}

export interface SyncGrowParams extends SessionParams {
  remoteVolumeId: string;
  sizeBytes: number;
}

export function parseSyncGrow(params: unknown): SyncGrowParams {
  const p = object(params);
  return { sessionId: string(p, 'sessionId'), remoteVolumeId: string(p, 'remoteVolumeId'), sizeBytes: integer(p, 'sizeBytes') };
}

export interface SyncCheckpointParams extends SessionParams {
  cycle: number;
  baseCycle: number;
  syncedAtMs: number;
}

export function parseSyncCheckpoint(params: unknown): SyncCheckpointParams {
  const p = object(params);
  return { sessionId: string(p, 'sessionId'), cycle: integer(p, 'cycle'), baseCycle: integer(p, 'baseCycle'), syncedAtMs: integer(p, 'syncedAtMs') };
}

export interface SyncDivergedParams extends SessionParams {
  baseCycle: number;
  reason: string;
}

export function parseSyncDiverged(params: unknown): SyncDivergedParams {
  const p = object(params);
  return { sessionId: string(p, 'sessionId'), baseCycle: integer(p, 'baseCycle'), reason: typeof p.reason === 'string' ? p.reason : String(p.reason) };
}

function memberSpec(value: unknown): MemberSpec {
  const m = object(value, 'members');
  const number = optional(m, 'number', integer);
  const copyNumber = optional(m, 'copyNumber', integer);
  return {
    sourceVolumeId: string(m, 'sourceVolumeId'),
    remoteVolumeId: nullable(m, 'remoteVolumeId', string),
    name: string(m, 'name'),
    sizeBytes: integer(m, 'sizeBytes'),
    ...(number !== undefined ? { number } : {}),
    ...(copyNumber !== undefined ? { copyNumber } : {}),
  };
}

function members(p: Params): MemberSpec[] {
  if (!Array.isArray(p.members)) throw new ValidationError('Peer call: members must be an array.', 'members');
  return p.members.map(memberSpec);
}

export function parseCycleBegin(params: unknown): CycleBeginParams {
  const p = object(params);
  const sourceResourceId = optional(p, 'sourceResourceId', string);
  return { sessionId: string(p, 'sessionId'), cycle: integer(p, 'cycle'), baseCycle: integer(p, 'baseCycle'), members: members(p), ...(sourceResourceId !== undefined ? { sourceResourceId } : {}) };
}

export function parseMembers(params: unknown): MembersParams {
  const p = object(params);
  return { sessionId: string(p, 'sessionId'), members: members(p) };
}

export function parseCycleExtents(params: unknown): CycleExtentsParams {
  const p = object(params);
  if (!Array.isArray(p.extents)) throw new ValidationError('Peer call: extents must be an array.', 'extents');
  const extents = p.extents.map((raw) => {
    const e = object(raw, 'extents');
    return { offsetBytes: integer(e, 'offsetBytes'), lengthBytes: integer(e, 'lengthBytes'), kind: oneOf(e, 'kind', ['data', 'zero'] as const) };
  });
  return { sessionId: string(p, 'sessionId'), cycle: integer(p, 'cycle'), remoteVolumeId: string(p, 'remoteVolumeId'), extents };
}

export interface SyncIoParams extends SessionParams {
  remoteVolumeId: string;
  offsetBytes: number;
  baseCycle: number;
  fua: boolean;
}

/** A mirrored write (its data is the payload) or, with lengthBytes, a mirrored trim. On the host-write path: checks only, no copies. */
export function parseSyncWrite(params: unknown): SyncIoParams {
  const p = object(params);
  return { sessionId: string(p, 'sessionId'), remoteVolumeId: string(p, 'remoteVolumeId'), offsetBytes: integer(p, 'offsetBytes'), baseCycle: integer(p, 'baseCycle'), fua: p.fua === true };
}

export function parseSyncTrim(params: unknown): SyncIoParams & { lengthBytes: number } {
  const p = object(params);
  return { ...parseSyncWrite(p), lengthBytes: integer(p, 'lengthBytes') };
}

/** A flush names its session when it has one (older peers sent none). */
export function parseSyncFlush(params: unknown): { sessionId: string | null } {
  const p = params === undefined || params === null ? {} : object(params);
  return { sessionId: typeof p.sessionId === 'string' ? p.sessionId : null };
}

export function parseCreateDestination(params: unknown): CreateDestinationParams {
  const p = object(params);
  const policy = p.policy === null || p.policy === undefined ? null : object(p.policy, 'policy');
  const rule = p.rule === null || p.rule === undefined ? null : object(p.rule, 'rule');
  const number = optional(p, 'number', integer);
  return {
    sessionId: string(p, 'sessionId'),
    resourceType: oneOf(p, 'resourceType', ['volume', 'volume_group'] as const),
    sourceResourceId: string(p, 'sourceResourceId'),
    resourceName: string(p, 'resourceName'),
    groupIsWriteOrderConsistent: boolean(p, 'groupIsWriteOrderConsistent', false),
    members: members(p),
    rpoSeconds: integer(p, 'rpoSeconds'),
    transferMode: oneOf(p, 'transferMode', TRANSFER_MODES),
    policy: policy ? { id: string(policy, 'id'), name: string(policy, 'name'), description: nullable(policy, 'description', string) } : null,
    rule: rule ? { id: string(rule, 'id'), name: string(rule, 'name'), rpo: string(rule, 'rpo'), alertThresholdMinutes: integer(rule, 'alertThresholdMinutes') } : null,
    ...(number !== undefined ? { number } : {}),
  };
}

export function parseRecCreateDestination(params: unknown): RecCreateDestinationParams {
  const p = object(params);
  const source = object(p.source, 'source');
  return {
    sessionId: string(p, 'sessionId'),
    number: integer(p, 'number'),
    source: { volumeId: string(source, 'volumeId'), number: integer(source, 'number'), name: string(source, 'name'), sizeBytes: integer(source, 'sizeBytes') },
    destinationVolumeNumber: integer(p, 'destinationVolumeNumber'),
    transferMode: oneOf(p, 'transferMode', TRANSFER_MODES),
    splitMode: oneOf(p, 'splitMode', MODES),
    recoveryMode: oneOf(p, 'recoveryMode', MODES),
  };
}

export function parseRecCreateOnSource(params: unknown): RecCreateOnSourceParams {
  const p = object(params);
  return { sourceVolumeNumber: integer(p, 'sourceVolumeNumber'), destinationVolumeNumber: integer(p, 'destinationVolumeNumber'), transferMode: oneOf(p, 'transferMode', TRANSFER_MODES), splitMode: oneOf(p, 'splitMode', MODES), recoveryMode: oneOf(p, 'recoveryMode', MODES) };
}
