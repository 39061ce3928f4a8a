// `--wait`: follows an action started as a PowerStore job (is_async=true) until it is over, with
// a progress bar for copies and resyncs (percent from the session, rate and time left from the
// bytes the running cycle still has to ship, read from /metrics) or a spinner showing the
// session's state (failovers, tests). Ends with the job's own error message when it failed.
import { BacklogRate } from '../../core/replication/session-figures.ts';
import { formatBytes, formatSeconds } from './output.ts';
import { StatusLine } from './progress.ts';
import { Refusal, type TandemClient } from './client.ts';
import { sessionsOf, type SessionView } from './sessions.ts';

const POLL_MS = 250;
/** States a session passes through while data moves; --wait on a copy waits until it leaves them. */
const COPYING = ['Initializing', 'Synchronizing', 'Reprotecting'];
const TRANSIENT = ['Failing_Over', 'Failing_Over_For_DR', 'Reprotecting'];
/** Gives up after an hour: a longer copy is better watched with `tandem status`. */
const WAIT_MS_MAX = 3_600_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type WaitStyle = 'bar' | 'spinner';

/** Waits for the job, then (bar style) for the session to finish copying. Returns the final session. */
export async function waitForAction(client: TandemClient, jobId: string, sessionId: string, label: string, style: WaitStyle): Promise<SessionView | null> {
  const line = new StatusLine();
  const rate = new BacklogRate();
  const startedMs = Date.now();
  for (;;) {
    const job = await client.ps('GET', `/job/${jobId}?select=id,state,progress_percentage,response_body`);
    const session = await sessionView(client, sessionId);
    const jobOver = job.state === 'COMPLETED' || job.state === 'FAILED' || job.state === 'UNRECOVERABLE_FAILED';
    if (job.state === 'FAILED' || job.state === 'UNRECOVERABLE_FAILED') {
      const message = job.response_body?.messages?.[0]?.message_l10n ?? 'the job failed';
      line.done(`${label}: failed`);
      throw new Refusal(`${client.target.name}: ${message}`, 422, job.response_body);
    }
    const copying = session !== null && COPYING.includes(session.state);
    const moving = session !== null && TRANSIENT.includes(session.state);
    if (jobOver && !(style === 'bar' && copying) && !moving) {
      line.done(`${label}: done${session ? ` (${session.state}; ${client.target.name} is ${session.role})` : ''}`);
      return session;
    }
    if (Date.now() - startedMs > WAIT_MS_MAX) {
      line.done(`${label}: still running after ${formatSeconds(WAIT_MS_MAX / 1000)}; follow it with tandem status`);
      return session;
    }
    if (style === 'bar') {
      const uncopied = session ? await uncopiedBytes(client, session) : null;
      const bytesPerSecond = rate.sample(uncopied, Date.now());
      const secondsLeft = uncopied !== null && bytesPerSecond ? uncopied / bytesPerSecond : session?.estimatedCompletion ? (Date.parse(session.estimatedCompletion) - Date.now()) / 1000 : null;
      line.bar(label, { percent: session?.progressPercent ?? job.progress_percentage ?? null, bytesPerSecond, secondsLeft, state: session?.state ?? job.state }, { bytes: formatBytes, seconds: formatSeconds });
    } else {
      line.spinner(label, session?.state ?? job.state);
    }
    await sleep(POLL_MS);
  }
}

/** Waits until a session leaves the copying states (the initial copy of a new volume). */
export async function waitForCopy(client: TandemClient, sessionId: string, label: string): Promise<SessionView | null> {
  const line = new StatusLine();
  const rate = new BacklogRate();
  const startedMs = Date.now();
  for (;;) {
    const session = await sessionView(client, sessionId);
    if (session === null || (!COPYING.includes(session.state) && session.state !== 'System_Paused') || Date.now() - startedMs > WAIT_MS_MAX) {
      line.done(`${label}: ${session ? session.state : 'session gone'}`);
      return session;
    }
    const uncopied = await uncopiedBytes(client, session);
    const bytesPerSecond = rate.sample(uncopied, Date.now());
    line.bar(label, { percent: session.progressPercent, bytesPerSecond, secondsLeft: uncopied !== null && bytesPerSecond ? uncopied / bytesPerSecond : null, state: session.state }, { bytes: formatBytes, seconds: formatSeconds });
    await sleep(POLL_MS);
  }
}

async function sessionView(client: TandemClient, id: string): Promise<SessionView | null> {
  return (await sessionsOf(client)).find((s) => s.id === id) ?? null;
}

/** Bytes the running cycle of the session has still to ship, from the system's /metrics. */
async function uncopiedBytes(client: TandemClient, session: SessionView): Promise<number | null> {
  const text = await client.metricsText();
  if (text === null) return null;
  for (const line of text.split('\n')) {
    if (!line.startsWith('tandem_replication_uncopied_bytes{')) continue;
    if (line.includes(`session="${session.resource.replace(/["\\]/g, '\\$&')}"`) && line.includes(`role="${session.role}"`)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return null;
}


/**
 * Watches a job for up to `windowMs`: 'COMPLETED' if it finished, 'RUNNING' if it still runs;
 * a failed job throws its Refusal (the dialect's message).
 */
export async function jobOutcome(client: TandemClient, jobId: string, windowMs: number): Promise<'COMPLETED' | 'RUNNING'> {
  const untilMs = Date.now() + windowMs;
  for (;;) {
    const job = await client.ps('GET', `/job/${jobId}?select=id,state,response_body`);
    if (job.state === 'COMPLETED') return 'COMPLETED';
    if (job.state === 'FAILED' || job.state === 'UNRECOVERABLE_FAILED') {
      throw new Refusal(`${client.target.name}: ${job.response_body?.messages?.[0]?.message_l10n ?? 'the job failed'}`, 422, job.response_body);
    }
    if (Date.now() >= untilMs) return 'RUNNING';
    await sleep(100);
  }
}
