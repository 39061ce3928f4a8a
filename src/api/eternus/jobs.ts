// ETERNUS jobs (research/eternus-api.md §1.4) on top of the shared JobRunner, which records the
// state, the timestamps and the owner. This adds what the dialect shows: integer job ids,
// the request line as description, CLI-style operation_list entries, resource hrefs, and the
// Partial_Error outcome of bulk operations. A job is visible only to its owner, is kept
// ETERNUS_JOB_RETENTION_MS after it finishes, and the table holds at most ETERNUS_JOBS_MAX (503
// beyond). The dialect's view of jobs lives in this process: after a restart the table is empty.
import type { Job, User } from '../../core/model.ts';
import type { JobRunner } from '../../jobs/job-runner.ts';
import { DomainError } from '../../core/errors.ts';
import { edgeError, toEternusError } from './errors.ts';
import { ETERNUS_JOB_ID_FIRST, ETERNUS_JOB_RETENTION_MS, ETERNUS_JOBS_MAX } from './limits.ts';
import type { Clock } from '../../core/clock.ts';

export const JOB_PREFIX = '/api/v1/job';
const NEXT_JOB_ID_SETTING = 'eternus_next_job_id';

export type OperationResult = 'Waiting' | 'Running' | 'Succeeded' | 'Failed' | 'Not_Executed';

export interface JobStep {
  /** The equivalent ETERNUS CLI command. */
  operation: string;
  /** Href of the resource the step works on, for failed_resource_info_list. */
  resourceHref: string | null;
  /** Does the work; returns the hrefs of the resources it created or changed. */
  run(): Promise<string[]>;
}

export interface JobPlan {
  user: User;
  /** Request line and body, e.g. `POST /api/v1/volume {"name":"v1",...}`. */
  description: string;
  resourceType: string;
  action: string;
  resourceName?: string | null;
  /** Bulk operations keep going after a failed step and end Partial_Error if some succeeded. */
  continueOnError: boolean;
  steps: JobStep[];
  /** Resources to poll for work that goes on after the job (a suspend that lags its job, §2.6). */
  progressHrefs?: string[];
}

interface FailedInfo {
  resource_href: string | null;
  error_code: string;
  message: string;
}

interface Tracked {
  jobNumber: number;
  coreId: string;
  /**
   * The core job as it finished. The core store may drop it (it keeps JOBS_KEPT_MAX jobs of both
   * dialects, oldest finished first); an ETERNUS job stays for its 30 minutes regardless (§1.4).
   */
  finished: Job | null;
  description: string;
  operations: { operation: string; result: OperationResult }[];
  resourceHrefs: string[];
  succeededHrefs: string[];
  failed: FailedInfo[];
  isBulk: boolean;
  progressHrefs: string[];
}

export class EternusJobs {
  private readonly byNumber = new Map<number, Tracked>();
  private nextNumber = ETERNUS_JOB_ID_FIRST;

  constructor(
    private readonly runner: Pick<JobRunner, 'submit' | 'get' | 'list' | 'drain'>,
    private readonly clock: Clock,
    private readonly settings: { getSetting(key: string): string | undefined; setSetting(key: string, value: string): void },
  ) {
    // Job ids are not reused across restarts, so a client polling an old id never sees a new job.
    const saved = Number(settings.getSetting(NEXT_JOB_ID_SETTING) ?? '0');
    if (Number.isSafeInteger(saved) && saved > this.nextNumber) this.nextNumber = saved;
  }

  /** 503 when the table is full; call before changing anything. */
  checkRoom(): void {
    this.prune();
    if (this.byNumber.size >= ETERNUS_JOBS_MAX) {
      throw edgeError('JOB_TABLE_FULL', `${this.byNumber.size} jobs; delete finished jobs with DELETE /api/v1/job/{job_id}`);
    }
  }

  submit(plan: JobPlan): { job_id: number; job_href: string } {
    this.checkRoom();
    const tracked: Tracked = {
      jobNumber: this.takeNumber(),
      coreId: '',
      finished: null,
      description: plan.description,
      operations: plan.steps.map((s) => ({ operation: s.operation, result: 'Waiting' })),
      resourceHrefs: [],
      succeededHrefs: [],
      failed: [],
      isBulk: plan.continueOnError,
      progressHrefs: plan.progressHrefs ?? [],
    };
    const job = this.runner.submit(
      {
        resourceType: plan.resourceType,
        resourceAction: plan.action,
        resourceId: null,
        resourceName: plan.resourceName ?? null,
        description: plan.description,
        user: plan.user.name,
      },
      () => this.runSteps(tracked, plan),
      (job) => (tracked.finished = job),
    );
    tracked.coreId = job.id;
    this.byNumber.set(tracked.jobNumber, tracked);
    return { job_id: tracked.jobNumber, job_href: `${JOB_PREFIX}/${tracked.jobNumber}` };
  }

  /** The user's jobs, rendered. */
  list(user: User): Record<string, unknown>[] {
    this.prune();
    return [...this.byNumber.values()].map((t) => this.visible(t, user)).filter((r) => r !== null);
  }

  /** A job of this user, or null (another user's job is reported as missing, §1.4). */
  get(user: User, jobNumber: number): Record<string, unknown> | null {
    this.prune();
    const tracked = this.byNumber.get(jobNumber);
    return tracked ? this.visible(tracked, user) : null;
  }

  /** Removes a finished job of this user; false when there is none; throws for a running job. */
  delete(user: User, jobNumber: number, remove: (coreId: string) => void): boolean {
    const rendered = this.get(user, jobNumber);
    if (!rendered) return false;
    if (rendered.status === 'Running') throw new DomainError('STATE_INVALID', `job ${jobNumber} is still running`);
    remove(this.byNumber.get(jobNumber)!.coreId); // may be gone from the core store already
    this.byNumber.delete(jobNumber);
    return true;
  }

  private takeNumber(): number {
    const number = this.nextNumber++;
    this.settings.setSetting(NEXT_JOB_ID_SETTING, String(this.nextNumber));
    return number;
  }

  private async runSteps(tracked: Tracked, plan: JobPlan): Promise<Record<string, unknown>> {
    let firstError: unknown = null;
    for (const [index, step] of plan.steps.entries()) {
      const op = tracked.operations[index]!;
      if (firstError !== null && !plan.continueOnError) {
        op.result = 'Not_Executed';
        continue;
      }
      op.result = 'Running';
      try {
        const hrefs = await step.run();
        op.result = 'Succeeded';
        tracked.resourceHrefs.push(...hrefs);
        tracked.succeededHrefs.push(...hrefs);
      } catch (error) {
        op.result = 'Failed';
        firstError ??= error;
        const mapped = toEternusError(error);
        tracked.failed.push({ resource_href: step.resourceHref, error_code: mapped.body.error_code, message: mapped.body.message });
      }
    }
    // A failure makes the shared job FAILED (as the PowerStore view shows it); the ETERNUS status
    // tells Error from Partial_Error by whether any step succeeded.
    if (firstError !== null) throw firstError;
    return { resource_href_list: tracked.resourceHrefs };
  }

  private coreJob(tracked: Tracked): Job | undefined {
    return this.runner.get(tracked.coreId) ?? tracked.finished ?? undefined;
  }

  private visible(tracked: Tracked, user: User): Record<string, unknown> | null {
    const job = this.coreJob(tracked);
    if (!job || job.user !== user.name) return null;
    return render(tracked, job);
  }

  /** Forgets jobs finished longer than the retention ago (and any the runner lost unfinished). */
  private prune(): void {
    const nowMs = this.clock.nowMs();
    for (const [number, tracked] of this.byNumber) {
      const job = this.coreJob(tracked);
      if (!job || (job.endTimeMs !== null && nowMs - job.endTimeMs >= ETERNUS_JOB_RETENTION_MS)) this.byNumber.delete(number);
    }
  }
}

function render(tracked: Tracked, job: Job): Record<string, unknown> {
  const status = statusOf(tracked, job);
  const out: Record<string, unknown> = {
    job_id: tracked.jobNumber,
    job_href: `${JOB_PREFIX}/${tracked.jobNumber}`,
    description: tracked.description,
    status,
    created_time: isoSeconds(job.submitTimeMs),
    modified_time: isoSeconds(job.endTimeMs ?? job.startTimeMs),
    resource_href_list: [...tracked.resourceHrefs],
    operation_list: tracked.operations.map((o) => ({ result: o.result, operation: o.operation })),
    progress_href_list: [...tracked.progressHrefs],
  };
  if (status === 'Partial_Error' || (status === 'Error' && tracked.isBulk)) {
    out.succeeded_resource_href_list = [...tracked.succeededHrefs];
    out.failed_resource_info_list = tracked.failed.map((f) => ({ ...f }));
  }
  return out;
}

function statusOf(tracked: Tracked, job: Job): 'Running' | 'Success' | 'Error' | 'Partial_Error' {
  if (job.state === 'COMPLETED') return 'Success';
  if (job.state === 'FAILED' || job.state === 'UNRECOVERABLE_FAILED') return tracked.succeededHrefs.length > 0 ? 'Partial_Error' : 'Error';
  return 'Running';
}

/** ISO 8601 extended, UTC, whole seconds: YYYY-MM-DDThh:mm:ssZ (§1.4). */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
