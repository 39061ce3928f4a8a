// The per-system REC Buffer setting (research/eternus-api.md §3.1; ETERNUS Web GUI User's Guide
// (Settings) A.7 "Monitoring Time"; ETERNUS CLI `set rec-buffer -monitoring-time`): when the
// Consistency data waiting for a remote box reaches the buffer size and stays there for the
// monitoring time, the Consistency sessions to that box halt. Kept in the meta store's settings so
// it survives a restart. The sampling and the halt live in replication/rec-buffer-monitor.ts.
import { UnknownPropertyError, ValidationError } from '../errors.ts';
import type { MetaStore } from '../meta-store.ts';
import type { ReplicationSession } from './model.ts';
import { checkInteger } from '../validate.ts';
import { VOLUME_BYTES_MAX } from '../../limits.ts';

export interface RecBufferSetting {
  /** Send buffer size per remote system in MB of 1 MiB (ETERNUS capacities are MiB). */
  sizeMb: number;
  /** Minutes the buffer may stay full before its sessions halt; 0 turns monitoring off (vendor). */
  monitoringTimeMinutes: number;
}

export const REC_BUFFER_MB_BYTES = 1024 * 1024;
/** ETERNUS offers 0–15 minutes; 0 means "monitoring is not performed" (Web GUI A.7, CLI). */
export const REC_BUFFER_MONITORING_MINUTES_MAX = 15;
/** A buffer larger than the largest volume cannot fill from one session; the bound keeps bytes exact. */
export const REC_BUFFER_SIZE_MB_MAX = VOLUME_BYTES_MAX / REC_BUFFER_MB_BYTES;
/**
 * Defaults that never halt a session: monitoring off, as Tandem behaved before the setting
 * existed; 2048 MB is the largest single REC Buffer of the DX500 S5 Tandem reports as its model.
 */
export const REC_BUFFER_DEFAULT: Readonly<RecBufferSetting> = { sizeMb: 2048, monitoringTimeMinutes: 0 };

const SETTING_KEY = 'rec_buffer';

/** The session error code of a buffer-overload halt (PowerStore shows it in `error_code`). */
export const REC_BUFFER_OVERLOAD = 'REC_BUFFER_OVERLOAD';

/** A session halted because its REC buffer stayed full: only an operator frees it. */
export function isBufferOverloadHalt(s: Pick<ReplicationSession, 'state' | 'errorCode'>): boolean {
  return s.state === 'System_Paused' && s.errorCode === REC_BUFFER_OVERLOAD;
}

/** Checks a whole setting as the control API receives it (both properties, nothing else). */
export function checkRecBufferSetting(body: unknown): RecBufferSetting {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError(`The body is {"size_mb": 1..${REC_BUFFER_SIZE_MB_MAX}, "monitoring_time_minutes": 0..${REC_BUFFER_MONITORING_MINUTES_MAX}}.`);
  }
  const unknown = Object.keys(body).filter((k) => k !== 'size_mb' && k !== 'monitoring_time_minutes');
  if (unknown.length > 0) throw new UnknownPropertyError(unknown);
  const b = body as Record<string, unknown>;
  for (const field of ['size_mb', 'monitoring_time_minutes']) {
    if (!Object.hasOwn(b, field)) throw new ValidationError(`${field} is required.`, field);
  }
  return {
    sizeMb: checkInteger('size_mb', b.size_mb, 1, REC_BUFFER_SIZE_MB_MAX),
    monitoringTimeMinutes: checkInteger('monitoring_time_minutes', b.monitoring_time_minutes, 0, REC_BUFFER_MONITORING_MINUTES_MAX),
  };
}

export class RecBufferSettings {
  private current: RecBufferSetting;
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly meta: Pick<MetaStore, 'getSetting' | 'setSetting'>) {
    this.current = load(meta.getSetting(SETTING_KEY));
  }

  get(): RecBufferSetting {
    return { ...this.current };
  }

  /** Validates and stores a new setting; a refused one changes nothing. */
  set(body: unknown): RecBufferSetting {
    const next = checkRecBufferSetting(body);
    this.meta.setSetting(SETTING_KEY, JSON.stringify(next));
    this.current = next;
    for (const listener of this.listeners) listener();
    return this.get();
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }
}

/** A stored setting, or the defaults when there is none (or it cannot be read: never halt). */
function load(stored: string | undefined): RecBufferSetting {
  if (stored === undefined) return { ...REC_BUFFER_DEFAULT };
  try {
    const parsed = JSON.parse(stored) as RecBufferSetting;
    return checkRecBufferSetting({ size_mb: parsed.sizeMb, monitoring_time_minutes: parsed.monitoringTimeMinutes });
  } catch {
    return { ...REC_BUFFER_DEFAULT };
  }
}
