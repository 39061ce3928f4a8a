// Asynchronous jobs shared by both dialects: an operation submitted as a job runs in the
// background; its record moves IN_PROGRESS → COMPLETED or FAILED with the operation's result or
// typed error, and is kept for JOB_RETENTION_MS so clients can poll it.
import type { Clock } from '../core/clock.ts';
import type { IdSource } from '../core/context.ts';
import { DomainError } from '../core/errors.ts';
import type { MetaStore } from '../core/meta-store.ts';
import type { Job } from '../core/model.ts';
import { JOB_RETENTION_MS, JOBS_KEPT_MAX } from '../limits.ts';

export interface JobSpec {
  resourceType: string;
  resourceAction: string;
  resourceId: string | null;
  resourceName: string | null;
  description: string;
  user: string;
}

export class JobRunner {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly meta: MetaStore,
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  /**
   * Records a job and starts `work`; returns the job at once. `onFinished` gets the final record:
   * this store keeps at most JOBS_KEPT_MAX jobs of both dialects and drops the oldest finished ones,
   * so a dialect that promises its own retention keeps that copy.
   */
  submit(spec: JobSpec, work: (progress: (percent: number) => void) => Promise<Record<string, unknown> | null | void>, onFinished?: (job: Job) => void): Job {
    this.prune();
    const nowMs = this.clock.nowMs();
    const job: Job = {
      ...spec,
      id: this.ids.uuid(),
      state: 'IN_PROGRESS',
      submitTimeMs: nowMs,
      startTimeMs: nowMs,
      endTimeMs: null,
      progressPercentage: 0,
      result: null,
      error: null,
    };
    this.meta.put('job', job);
    const progress = (percent: number) => {
      const current = this.meta.get('job', job.id);
      if (current && current.state === 'IN_PROGRESS') this.meta.put('job', { ...current, progressPercentage: Math.min(99, Math.max(0, Math.round(percent))) });
    };
    const run = (async () => {
      try {
        const result = await work(progress);
        this.finish(job.id, { state: 'COMPLETED', result: result ?? null }, onFinished);
      } catch (error) {
        const domain = error instanceof DomainError ? error : null;
        this.finish(job.id, {
          state: 'FAILED',
          error: {
            code: domain?.code ?? 'INTERNAL',
            message: error instanceof Error ? error.message : String(error),
            arguments: domain?.details.arguments ?? [],
            ...(domain?.details.kind ? { kind: domain.details.kind } : {}),
          },
        }, onFinished);
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    return job;
  }

  get(id: string): Job | undefined {
    return this.meta.get('job', id);
  }

  list(): Job[] {
    return this.meta.list('job');
  }

  /** Forgets a job's record (ETERNUS DELETE /job/{id} of a finished job); nothing when it is gone already. */
  forget(id: string): void {
    this.meta.delete('job', id);
  }

  /** Resolves when every running job has finished (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Jobs interrupted by a restart can never finish: mark them failed at start-up. */
  /** Fails the jobs a stop interrupted; returns how many. */
  failInterrupted(): number {
    let count = 0;
    for (const job of this.meta.list('job')) {
      if (job.state === 'IN_PROGRESS' || job.state === 'PENDING' || job.state === 'QUEUED') {
        this.finish(job.id, { state: 'FAILED', error: { code: 'INTERNAL', message: 'The system restarted while the job was running.', arguments: [] } });
        count += 1;
      }
    }
    return count;
  }

  private finish(id: string, outcome: Partial<Job>, onFinished?: (job: Job) => void): void {
    const current = this.meta.get('job', id);
    if (!current) return;
    const finished: Job = { ...current, ...outcome, endTimeMs: this.clock.nowMs(), progressPercentage: outcome.state === 'COMPLETED' ? 100 : current.progressPercentage };
    this.meta.put('job', finished);
    onFinished?.(finished);
  }

  private prune(): void {
    const nowMs = this.clock.nowMs();
    const finished = this.meta.list('job').filter((j) => j.endTimeMs !== null).sort((a, b) => a.endTimeMs! - b.endTimeMs!);
    const total = this.meta.list('job').length;
    let excess = Math.max(0, total + 1 - JOBS_KEPT_MAX);
    this.meta.transaction(() => {
      for (const job of finished) {
        if (nowMs - job.endTimeMs! > JOB_RETENTION_MS || excess > 0) {
          this.meta.delete('job', job.id);
          excess -= 1;
        }
      }
    });
  }
}
