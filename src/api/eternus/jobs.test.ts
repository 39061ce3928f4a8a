// Goal: the ETERNUS job table's limits on a manual clock and an in-memory job store: at most 512
// jobs (503 beyond, nothing submitted), room again once jobs age out 30 minutes after finishing
// or are deleted, owners only, and ids that keep growing across a new table (restart).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import type { MetaStore } from '../../core/meta-store.ts';
import type { User } from '../../core/model.ts';
import { JobRunner } from '../../jobs/job-runner.ts';
import { EternusJobs } from './jobs.ts';
import { ETERNUS_JOB_ID_FIRST, ETERNUS_JOBS_MAX } from './limits.ts';
import { EternusEdgeError } from './errors.ts';

function memoryMeta(): MetaStore {
  const docs = new Map<string, Map<string, any>>();
  const settings = new Map<string, string>();
  const of = (kind: string) => docs.get(kind) ?? docs.set(kind, new Map()).get(kind)!;
  return {
    get: (kind, id) => of(kind).get(id),
    getShared: (kind, id) => of(kind).get(id),
    list: (kind) => [...of(kind).values()],
    listShared: (kind) => [...of(kind).values()],
    findShared: () => [],
    put: (kind, doc) => void of(kind).set(doc.id, doc),
    delete: (kind, id) => void of(kind).delete(id),
    transaction: (fn) => fn(),
    getSetting: (key) => settings.get(key),
    setSetting: (key, value) => void settings.set(key, value),
    close: () => undefined,
  };
}

let seq = 0;
const ids = { uuid: () => `job-${++seq}`, hex: () => 'ab' };
const user = (name: string): User => ({ id: name, name, passwordHash: '', role: 'Administrator', tenant: null, isBuiltIn: false });
const plan = (owner: User) => ({
  user: owner,
  description: 'POST /api/v1/volume {}',
  resourceType: 'volume',
  action: 'create',
  continueOnError: false,
  steps: [{ operation: 'create volume', resourceHref: null, run: async () => ['/api/v1/volume/1'] }],
});

test('the table holds 512 jobs; the 513th is refused with 503 until jobs age out or are deleted', async () => {
  const clock = new ManualClock();
  const meta = memoryMeta();
  const runner = new JobRunner(meta, clock, ids);
  const jobs = new EternusJobs(runner, clock, meta);
  const alice = user('alice');
  const first = jobs.submit(plan(alice));
  assert.equal(first.job_id, ETERNUS_JOB_ID_FIRST);
  await runner.drain();
  clock.advanceMs(60_000);
  for (let i = 1; i < ETERNUS_JOBS_MAX; i += 1) jobs.submit(plan(alice));
  await runner.drain();
  assert.equal(jobs.list(alice).length, ETERNUS_JOBS_MAX);
  assert.throws(() => jobs.submit(plan(alice)), (e) => e instanceof EternusEdgeError && e.entry.status === 503);
  assert.equal(jobs.list(alice).length, ETERNUS_JOBS_MAX, 'the refused submission registered nothing');
  assert.equal(jobs.list(user('bob')).length, 0, 'jobs are visible to their owner only');

  assert.ok(jobs.delete(alice, first.job_id + 1, (id) => meta.delete('job', id)));
  jobs.submit(plan(alice));
  assert.throws(() => jobs.submit(plan(alice)), (e) => e instanceof EternusEdgeError);

  clock.advanceMs(30 * 60_000 - 60_000);
  assert.equal(jobs.get(alice, first.job_id), null, 'the first job finished 30 minutes ago');
  assert.notEqual(jobs.get(alice, first.job_id + 2), null);
  const next = jobs.submit(plan(alice));
  await runner.drain();
  assert.equal(next.job_id, ETERNUS_JOB_ID_FIRST + ETERNUS_JOBS_MAX + 1);

  const reopened = new EternusJobs(runner, clock, meta);
  assert.equal(reopened.submit(plan(alice)).job_id, next.job_id + 1, 'ids are not reused after a restart');
  await runner.drain();
});

test('a running job cannot be deleted', async () => {
  const clock = new ManualClock();
  const meta = memoryMeta();
  const runner = new JobRunner(meta, clock, ids);
  const jobs = new EternusJobs(runner, clock, meta);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const owner = user('carol');
  const job = jobs.submit({ ...plan(owner), steps: [{ operation: 'slow', resourceHref: null, run: async () => (await gate, []) }] });
  assert.equal(jobs.get(owner, job.job_id)!.status, 'Running');
  assert.throws(() => jobs.delete(owner, job.job_id, (id) => meta.delete('job', id)), /still running/);
  release();
  await runner.drain();
  assert.equal(jobs.get(owner, job.job_id)!.status, 'Success');
});

test('PowerStore jobs filling the shared job store do not drop an ETERNUS job before its 30 minutes are up', async () => {
  const clock = new ManualClock();
  const meta = memoryMeta();
  const runner = new JobRunner(meta, clock, ids);
  const jobs = new EternusJobs(runner, clock, meta);
  const alice = user('alice');
  const mine = jobs.submit(plan(alice));
  await runner.drain();
  clock.advanceMs(60_000);
  // The core store keeps 512 jobs of both dialects and drops the oldest finished ones first.
  for (let i = 0; i < 600; i += 1) runner.submit({ resourceType: 'volume', resourceAction: 'modify', resourceId: null, resourceName: null, description: 'PATCH /api/rest/volume', user: 'admin' }, async () => null);
  await runner.drain();
  assert.equal(runner.list().some((j) => j.description.startsWith('POST /api/v1')), false, 'the core store dropped it');
  const job = jobs.get(alice, mine.job_id);
  assert.ok(job, 'still there for its owner');
  assert.equal(job.status, 'Success');
  assert.deepEqual(job.resource_href_list, ['/api/v1/volume/1']);
  assert.equal(jobs.list(alice).length, 1);
  clock.advanceMs(30 * 60 * 1000);
  assert.equal(jobs.get(alice, mine.job_id), null, 'gone 30 minutes after it finished');
});
