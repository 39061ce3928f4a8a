// The console's own logic that is not drawing: how a state reads (tone and words), how lag, sizes,
// rates and times are written. Pure, tested by the project's runner (format.test.ts).

/** The colour family a state is drawn in: green in step, amber moving, red halted or failed, grey idle. */
export type Tone = 'ok' | 'busy' | 'bad' | 'idle';

const TONES: Record<string, Tone> = {
  // PowerStore session states
  OK: 'ok',
  Initializing: 'busy',
  Synchronizing: 'busy',
  Reprotecting: 'busy',
  Failing_Over: 'busy',
  Failing_Over_For_DR: 'busy',
  Deleting: 'busy',
  Paused: 'idle',
  Suspended: 'idle',
  Failed_Over: 'idle',
  System_Paused: 'bad',
  Error: 'bad',
  // ETERNUS copy session status and phase
  Active: 'ok',
  Equivalent: 'ok',
  Copying: 'busy',
  Suspend: 'idle',
  Halt: 'bad',
  // links
  connected: 'ok',
  degraded: 'busy',
  initializing: 'busy',
  lost: 'bad',
  Complete_Data_Connection_Loss: 'bad',
  // alerts and events
  Info: 'idle',
  Minor: 'busy',
  Major: 'bad',
  Critical: 'bad',
};

export function stateTone(state: string | null | undefined): Tone {
  if (!state) return 'idle';
  return TONES[state] ?? 'idle';
}

/** A state name as people read it: `System_Paused` → `System Paused`. */
export function stateLabel(state: string | null | undefined): string {
  if (!state) return '—';
  return state.replace(/_/g, ' ');
}

/** Seconds as lag or time left: `0s`, `42s`, `3m05s`, `2h07m`, `3d04h`; `—` when unknown. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Bytes in binary units with three significant figures: `0 B`, `512 B`, `1.50 GiB`, `120 MiB`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** A shipping rate: `12.0 MiB/s`; `—` when not measured. */
export function formatRate(bytesPerSecond: number | null | undefined): string {
  if (bytesPerSecond === null || bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond)) return '—';
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** An RPO in PowerStore's terms: `sync` for a synchronous session, else the interval. */
export function formatRpo(rpoSeconds: number | null, transferMode: string): string {
  if (transferMode === 'Synchronous') return 'sync';
  if (rpoSeconds === null) return '—';
  return formatSeconds(rpoSeconds);
}

/** How long ago (or until) an ISO time is, from nowMs: `12s ago`, `in 4m10s`. */
export function formatRelative(iso: string | null | undefined, nowMs: number): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '—';
  const seconds = (nowMs - ms) / 1000;
  // Within a second either way (two systems' clocks, a render between two reads) is now.
  if (Math.abs(seconds) < 1) return 'just now';
  return seconds >= 0 ? `${formatSeconds(seconds)} ago` : `in ${formatSeconds(-seconds)}`;
}

/** Bytes from a size typed by a person: `10G`, `512 MiB`, `1.5T`, `4096`; null when not a size. */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?\s*$/i.exec(text);
  if (!m) return null;
  const power = ['', 'k', 'm', 'g', 't', 'p'].indexOf(m[2]!.toLowerCase());
  const bytes = Math.round(Number(m[1]) * 1024 ** power);
  return bytes > 0 ? bytes : null;
}

/** Lag now: the overview's figure, moved on by the time since it was read (unless in step). */
export function liveLag(lagSeconds: number | null, readAtMs: number, nowMs: number, inStep: boolean): number | null {
  if (lagSeconds === null) return null;
  if (inStep) return lagSeconds;
  return lagSeconds + Math.max(0, nowMs - readAtMs) / 1000;
}

/** A size as a person would type it back: `2G`, `512M`, `64K` (rounded up to the unit). */
export function sizeText(bytes: number): string {
  for (const [unit, power] of [['T', 4], ['G', 3], ['M', 2], ['K', 1]] as const) {
    const scaled = bytes / 1024 ** power;
    if (scaled >= 1) return `${Math.ceil(scaled * 100) / 100}${unit}`;
  }
  return String(Math.max(0, Math.ceil(bytes)));
}
