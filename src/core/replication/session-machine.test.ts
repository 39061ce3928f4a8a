// Table-driven tests of the session state machine's transitions, one case per row family.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../errors.ts';
import type { ReplicationSession } from './model.ts';
import { session } from './session-fixture.ts';
import { assertSession, rollbackPlan, step, TABLE, type Effect, type SessionEvent } from './session-machine.ts';

const kinds = (effects: Effect[]) => effects.map((e) => e.kind);

interface Case {
  name: string;
  from: Partial<ReplicationSession>;
  event: SessionEvent;
  expect: Partial<ReplicationSession>;
  effects?: Effect['kind'][];
}

const FAILOVER = { planned: true, reverse: false, force: false, useTestCopy: false, snapshotId: null } as const;

const CASES: Case[] = [
  // roles
  { name: 'planned failover stops host writes, then cycles and hands over', from: {}, event: { type: 'failover', ...FAILOVER }, expect: { state: 'Failing_Over', hostWritable: false, role: 'Source' }, effects: ['disconnect_hosts', 'notify_peer', 'final_cycle', 'hand_over'] },
  { name: 'failback prepares the peer first', from: { state: 'Failed_Over' }, event: { type: 'failover', ...FAILOVER }, expect: { state: 'Failing_Over', hostWritable: true }, effects: ['prepare_peer', 'then'] },
  { name: 'handed over: destination at the new generation', from: { state: 'Failing_Over', hostWritable: false }, event: { type: 'handed_over', generation: 3, reverse: false }, expect: { role: 'Destination', state: 'Failed_Over', generation: 3 }, effects: ['cancel_timer'] },
  { name: 'handed over with reverse: Reprotecting', from: { state: 'Failing_Over', hostWritable: false }, event: { type: 'handed_over', generation: 3, reverse: true }, expect: { role: 'Destination', state: 'Reprotecting' } },
  { name: 'hand-over refused: source again, writable, halted', from: { state: 'Failing_Over', hostWritable: false }, event: { type: 'failed', during: 'hand_over', code: 'STATE_INVALID', nowMs: 5 }, expect: { role: 'Source', state: 'System_Paused', hostWritable: true, errorCode: 'STATE_INVALID' }, effects: ['tell_peer_view', 'arm'] },
  // Its answer may be what was lost (simulation seed 162): read-only until the peer says.
  { name: 'hand-over without an answer: halted read-only, the peer asked', from: { state: 'Failing_Over', hostWritable: false }, event: { type: 'failed', during: 'hand_over', code: 'PEER_UNREACHABLE', nowMs: 5 }, expect: { role: 'Source', state: 'System_Paused', hostWritable: false, errorCode: 'PEER_UNREACHABLE' }, effects: ['reconcile_peer'] },
  // With the link up no reconcile ends the halt: the retry does (simulation seed 8004).
  { name: 'final cycle of a planned failover failed: halted, and retried', from: { state: 'Failing_Over', hostWritable: false, transferMode: 'Synchronous' }, event: { type: 'failed', during: 'final_cycle', code: 'PEER_UNREACHABLE', nowMs: 5 }, expect: { state: 'System_Paused', hostWritable: true }, effects: ['tell_peer_view', 'arm'] },
  { name: 'failback preparation failed: stays Failed_Over', from: { state: 'Failing_Over' }, event: { type: 'failed', during: 'prepare_peer', code: 'PEER_UNREACHABLE', nowMs: 5 }, expect: { state: 'Failed_Over', errorCode: 'PEER_UNREACHABLE' } },
  { name: 'unplanned failover on the destination', from: { role: 'Destination', hostWritable: false }, event: { type: 'failover', ...FAILOVER, planned: false }, expect: { state: 'Failing_Over_For_DR', stopRequested: true }, effects: ['abort_open_cycle', 'then'] },
  { name: 'unplanned failover to a snapshot restores it first', from: { role: 'Destination', hostWritable: false }, event: { type: 'failover', ...FAILOVER, planned: false, snapshotId: 'snap' }, expect: { state: 'Failing_Over_For_DR' }, effects: ['abort_open_cycle', 'restore_snapshot', 'then'] },
  { name: 'promoted: source, writable, generation up, old source told', from: { role: 'Destination', state: 'Failing_Over_For_DR', hostWritable: false, stopRequested: true }, event: { type: 'promoted' }, expect: { role: 'Source', state: 'Failed_Over', generation: 3, hostWritable: true, stopRequested: false }, effects: ['demote_peer'] },
  // A paused destination failed over for DR is not paused any more: its later halts are retried (simulation seed 110).
  { name: 'promoted from Paused: the pause is over', from: { role: 'Destination', state: 'Failing_Over_For_DR', hostWritable: false, pausedByUser: true }, event: { type: 'promoted' }, expect: { state: 'Failed_Over', pausedByUser: false } },
  { name: 'unplanned failover that failed halts instead of sticking', from: { role: 'Destination', state: 'Failing_Over_For_DR', hostWritable: false }, event: { type: 'failed', during: 'restore_snapshot', code: 'INTERNAL', nowMs: 9 }, expect: { role: 'Destination', state: 'System_Paused', errorCode: 'INTERNAL' } },
  { name: 'reprotect: prepare, cycle, then OK', from: { state: 'Failed_Over' }, event: { type: 'reprotect' }, expect: { state: 'Reprotecting' }, effects: ['prepare_peer', 'final_cycle', 'then'] },
  { name: 'reprotected asynchronous: OK', from: { state: 'Reprotecting' }, event: { type: 'reprotected' }, expect: { state: 'OK' }, effects: ['tell_peer_view'] },
  { name: 'reprotected synchronous: resync first', from: { state: 'Reprotecting', transferMode: 'Synchronous' }, event: { type: 'reprotected' }, expect: { state: 'Synchronizing' }, effects: ['tell_peer_view', 'cycle_soon'] },
  { name: 'peer kept no base: full copy', from: { state: 'Reprotecting' }, event: { type: 'peer_prepared', baseCycle: 0 }, expect: { baseCycle: 0 }, effects: ['delete_snapshots'] },
  { name: 'peer kept our base: nothing changes', from: { state: 'Reprotecting' }, event: { type: 'peer_prepared', baseCycle: 3 }, expect: { baseCycle: 3 }, effects: [] },
  { name: 'become source', from: { role: 'Destination', hostWritable: false, state: 'Failing_Over' }, event: { type: 'become_source', generation: 3, state: 'Failed_Over', reprotect: false }, expect: { role: 'Source', state: 'Failed_Over', hostWritable: true, generation: 3 }, effects: ['abort_open_cycle'] },
  { name: 'become source with reverse reprotects', from: { role: 'Destination', hostWritable: false }, event: { type: 'become_source', generation: 3, state: 'Reprotecting', reprotect: true }, expect: { role: 'Source', state: 'Failed_Over' }, effects: ['abort_open_cycle', 'reprotect_soon'] },
  { name: 'become destination (unplanned failover elsewhere)', from: {}, event: { type: 'become_destination', generation: 3, prepareForBaseCycle: null }, expect: { role: 'Destination', state: 'Failed_Over', hostWritable: false, generation: 3, stopRequested: true }, effects: ['cancel_timer', 'disconnect_hosts'] },
  { name: 'become destination prepared for our base rolls back', from: {}, event: { type: 'become_destination', generation: 3, prepareForBaseCycle: 3 }, expect: { role: 'Destination' }, effects: ['cancel_timer', 'disconnect_hosts', 'roll_back'] },
  { name: 'rolled back: Reprotecting at the base', from: { role: 'Destination', hostWritable: false, state: 'Failed_Over', stopRequested: true }, event: { type: 'rolled_back', baseCycle: 3, elementPairs: [] }, expect: { state: 'Reprotecting', stopRequested: false, elementPairs: [] } },
  { name: 'link return: a newer source demotes us', from: {}, event: { type: 'peer_summary', role: 'Source', generation: 5, state: 'Failed_Over' }, expect: { role: 'Destination', state: 'Failed_Over', generation: 5, hostWritable: false }, effects: ['disconnect_hosts', 'cancel_timer'] },
  { name: 'link return: a halted asynchronous source is OK and cycles on its schedule', from: { state: 'System_Paused' }, event: { type: 'peer_summary', role: 'Destination', generation: 2, state: 'System_Paused' }, expect: { state: 'OK', errorCode: null }, effects: ['arm'] },
  { name: 'link return: a halted REC source catches up at once', from: { state: 'System_Paused', transferMode: 'Consistency' }, event: { type: 'peer_summary', role: 'Destination', generation: 2, state: 'System_Paused' }, expect: { state: 'System_Paused' }, effects: ['cycle_soon'] },
  { name: 'link return: a halted Through source is active again (it ships nothing, no cycle would end the halt)', from: { state: 'System_Paused', transferMode: 'Through', replicationRuleId: null }, event: { type: 'peer_summary', role: 'Destination', generation: 2, state: 'System_Paused' }, expect: { state: 'OK', errorCode: null }, effects: [] },
  { name: 'link return: a halted Through source without a base is Initializing again', from: { state: 'System_Paused', transferMode: 'Through', replicationRuleId: null, baseCycle: 0 }, event: { type: 'peer_summary', role: 'Destination', generation: 2, state: 'System_Paused' }, expect: { state: 'Initializing', errorCode: null }, effects: [] },
  { name: 'link return: manual recovery waits', from: { state: 'System_Paused', recoveryMode: 'Manual' }, event: { type: 'peer_summary', role: 'Destination', generation: 2, state: 'System_Paused' }, expect: { state: 'System_Paused' }, effects: [] },
  { name: 'link return: a destination resumed while its source stayed paused pauses again', from: { role: 'Destination', hostWritable: false, state: 'Synchronizing', transferMode: 'Synchronous' }, event: { type: 'peer_summary', role: 'Source', generation: 2, state: 'Paused' }, expect: { state: 'Paused', pausedByUser: true } },
  { name: 'link return: a destination halted before its initial copy is Initializing again, as its source', from: { role: 'Destination', hostWritable: false, state: 'System_Paused', errorCode: 'PEER_UNREACHABLE', baseCycle: 0 }, event: { type: 'peer_summary', role: 'Source', generation: 2, state: 'Initializing' }, expect: { state: 'Initializing', errorCode: null } },
  { name: 'link return: a source whose destination was paused (notice lost) pauses too', from: { state: 'OK' }, event: { type: 'peer_summary', role: 'Destination', generation: 2, state: 'Paused' }, expect: { state: 'Paused', pausedByUser: true, stopRequested: true }, effects: ['cancel_timer'] },
  { name: 'link return: a halted source whose destination was paused pauses instead of retrying', from: { state: 'System_Paused', errorCode: 'PEER_UNREACHABLE' }, event: { type: 'peer_summary', role: 'Destination', generation: 2, state: 'Paused' }, expect: { state: 'Paused', errorCode: null }, effects: ['cancel_timer'] },
  { name: 'link return: a paused destination of an older generation does not pause the source', from: { state: 'OK', generation: 3 }, event: { type: 'peer_summary', role: 'Destination', generation: 2, state: 'Paused' }, expect: { state: 'OK' } },
  // A reverse the peer recorded and this side did not: still a suspended REC, not Failed_Over (simulation seed 477).
  { name: 'reconcile: a destination active under a Suspended source (a REC resume whose rollback answer was lost) is Suspended again', from: { role: 'Destination', hostWritable: false, state: 'Initializing', transferMode: 'Through', replicationRuleId: null, baseCycle: 0 }, event: { type: 'peer_summary', role: 'Source', generation: 2, state: 'Suspended' }, expect: { state: 'Suspended', stopRequested: true, errorCode: null }, effects: ['abort_open_cycle'] },
  // Its summary was taken while the resume waited for our rollback's answer (simulation seed 34, v4 100 steps).
  { name: 'reconcile: a destination active under a Suspended source whose resume still waits for the rollback answer stays active', from: { role: 'Destination', hostWritable: false, state: 'OK', transferMode: 'Through', replicationRuleId: null }, event: { type: 'peer_summary', role: 'Source', generation: 2, state: 'Suspended', resuming: true }, expect: { state: 'OK', stopRequested: false }, effects: [] },
  { name: 'link return: a halted destination under a Suspended source whose resume still waits for the rollback answer is active again (seed 70)', from: { role: 'Destination', hostWritable: false, state: 'System_Paused', errorCode: 'PEER_UNREACHABLE', transferMode: 'Consistency', replicationRuleId: null }, event: { type: 'peer_summary', role: 'Source', generation: 2, state: 'Suspended', resuming: true }, expect: { state: 'OK', errorCode: null } },
  { name: 'link return: a halted destination under a Suspended source is Suspended', from: { role: 'Destination', hostWritable: false, state: 'System_Paused', errorCode: 'PEER_UNREACHABLE', transferMode: 'Consistency', replicationRuleId: null }, event: { type: 'peer_summary', role: 'Source', generation: 2, state: 'Suspended' }, expect: { state: 'Suspended', errorCode: null } },
  { name: 'link return: a suspended REC source demoted by a newer one stays Suspended', from: { state: 'Suspended', transferMode: 'Consistency', replicationRuleId: null }, event: { type: 'peer_summary', role: 'Source', generation: 3, state: 'Suspended' }, expect: { role: 'Destination', state: 'Suspended', generation: 3, hostWritable: false } },
  { name: 'link return: a suspended REC source whose destination failed over (unplanned) is Failed_Over, as the new source', from: { state: 'Suspended', transferMode: 'Through', replicationRuleId: null }, event: { type: 'peer_summary', role: 'Source', generation: 3, state: 'Failed_Over' }, expect: { role: 'Destination', state: 'Failed_Over', generation: 3, hostWritable: false }, effects: ['disconnect_hosts', 'cancel_timer'] },
  { name: 'rolled back for a REC resume whatever the state shows: not Reprotecting', from: { role: 'Destination', hostWritable: false, state: 'Failed_Over', transferMode: 'Consistency', replicationRuleId: null }, event: { type: 'rolled_back', baseCycle: 3, elementPairs: [], recResume: true }, expect: { state: 'OK' }, effects: ['disconnect_hosts'] },
  { name: 'link return: a destination follows the newer generation of its source', from: { role: 'Destination', hostWritable: false, state: 'Suspended', generation: 0 }, event: { type: 'peer_summary', role: 'Source', generation: 2, state: 'Failed_Over' }, expect: { role: 'Destination', state: 'Suspended', generation: 2 } },
  { name: 'link return: two destinations, the peer newer: a reverse cut short here completes', from: { role: 'Destination', hostWritable: false, state: 'Suspended', generation: 0, transferMode: 'Consistency', replicationRuleId: null }, event: { type: 'peer_summary', role: 'Destination', generation: 1, state: 'Suspended' }, expect: { role: 'Source', hostWritable: true, generation: 1, state: 'Suspended' }, effects: ['cancel_timer'] },
  { name: 'link return: two destinations, the peer older: nothing here', from: { role: 'Destination', hostWritable: false, state: 'Suspended', generation: 1 }, event: { type: 'peer_summary', role: 'Destination', generation: 0, state: 'Suspended' }, expect: { role: 'Destination', generation: 1 } },
  // The old source's last commit reached the peer, not its record; the peer failed over (simulation seed 316, v4).
  { name: 'demoted by a new source whose base is our pending cut: that cut is our base too', from: { state: 'System_Paused', pendingCycle: { cycle: 4, snapshotIds: { v1: 'cut4' } } }, event: { type: 'become_destination', generation: 3, prepareForBaseCycle: null, sourceBaseCycle: 4 }, expect: { role: 'Destination', state: 'Failed_Over', baseCycle: 4, pendingCycle: null, elementPairs: [{ localVolumeId: 'v1', remoteVolumeId: 'r1', localBaseSnapshotId: 'cut4' }] }, effects: ['cancel_timer', 'disconnect_hosts', 'delete_snapshots'] },
  { name: 'demoted by a new source at our base: a pending cut it never committed stays pending', from: { state: 'System_Paused', pendingCycle: { cycle: 4, snapshotIds: { v1: 'cut4' } } }, event: { type: 'become_destination', generation: 3, prepareForBaseCycle: null, sourceBaseCycle: 3 }, expect: { role: 'Destination', baseCycle: 3, pendingCycle: { cycle: 4, snapshotIds: { v1: 'cut4' } } }, effects: ['cancel_timer', 'disconnect_hosts'] },
  { name: 'demoted by a peer that does not send its base: nothing adopted', from: { state: 'System_Paused', pendingCycle: { cycle: 4, snapshotIds: { v1: 'cut4' } } }, event: { type: 'become_destination', generation: 3, prepareForBaseCycle: null }, expect: { role: 'Destination', baseCycle: 3 } },
  { name: 'link return: demoted by a new source whose base is our pending cut, that cut is our base too', from: { state: 'System_Paused', pendingCycle: { cycle: 4, snapshotIds: { v1: 'cut4' } } }, event: { type: 'peer_summary', role: 'Source', generation: 3, state: 'Failed_Over', baseCycle: 4 }, expect: { role: 'Destination', state: 'Failed_Over', baseCycle: 4, pendingCycle: null, elementPairs: [{ localVolumeId: 'v1', remoteVolumeId: 'r1', localBaseSnapshotId: 'cut4' }] }, effects: ['disconnect_hosts', 'cancel_timer', 'delete_snapshots'] },
  { name: 'demoted while already the destination: the newer generation is taken', from: { role: 'Destination', hostWritable: false, state: 'Suspended', generation: 0 }, event: { type: 'become_destination', generation: 2, prepareForBaseCycle: null }, expect: { role: 'Destination', state: 'Suspended', generation: 2 }, effects: ['cancel_timer'] },
  { name: 'link return: a destination halt ends', from: { role: 'Destination', hostWritable: false, state: 'System_Paused', errorCode: 'PEER_UNREACHABLE' }, event: { type: 'peer_summary', role: 'Source', generation: 2, state: 'OK' }, expect: { state: 'OK', errorCode: null } },
  // pause, resume, notices
  { name: 'pause', from: {}, event: { type: 'pause', nowMs: 7 }, expect: { state: 'Paused', pausedByUser: true, stopRequested: true, lastSyncMs: null }, effects: ['tell_peer_state'] },
  // The destination held every acknowledged write until the pause: its copy is as of then.
  { name: 'pause of a mirroring synchronous source: the copy is as of the pause', from: { transferMode: 'Synchronous', mirroring: true, lastSyncMs: 5 }, event: { type: 'pause', nowMs: 900 }, expect: { state: 'Paused', mirroring: false, lastSyncMs: 900 }, effects: ['tell_peer_state'] },
  { name: 'pause of a resyncing synchronous source: the copy is as of the last cycle', from: { transferMode: 'Synchronous', state: 'Synchronizing', lastSyncMs: 5 }, event: { type: 'pause', nowMs: 900 }, expect: { state: 'Paused', lastSyncMs: 5 } },
  { name: 'resume a source with a cycle due', from: { state: 'Paused', pausedByUser: true, nextSyncMs: 10 }, event: { type: 'resume', nowMs: 20 }, expect: { state: 'OK', pausedByUser: false }, effects: ['tell_peer_state', 'cycle_soon'] },
  { name: 'resume a source before its cycle is due', from: { state: 'Paused', pausedByUser: true, nextSyncMs: 30 }, event: { type: 'resume', nowMs: 20 }, expect: { state: 'OK' }, effects: ['tell_peer_state', 'arm'] },
  // A lost pause or resume notice with the link up left the sides apart for good (simulation seed 334): told until heard.
  { name: 'resume on the destination tells the source until it hears', from: { role: 'Destination', hostWritable: false, state: 'Paused', pausedByUser: true, transferMode: 'Synchronous' }, event: { type: 'resume', nowMs: 0 }, expect: { state: 'Synchronizing', pausedByUser: false }, effects: ['tell_peer_state'] },
  { name: 'resume without a base: Initializing', from: { state: 'Paused', baseCycle: 0 }, event: { type: 'resume', nowMs: 0 }, expect: { state: 'Initializing' }, effects: ['tell_peer_state', 'cycle_soon'] },
  { name: 'peer paused', from: { role: 'Destination', hostWritable: false }, event: { type: 'peer_state', state: 'Paused' }, expect: { state: 'Paused', pausedByUser: true } },
  { name: 'peer paused a mirroring source: the copy is as of the notice', from: { transferMode: 'Synchronous', mirroring: true, lastSyncMs: 5 }, event: { type: 'peer_state', state: 'Paused', nowMs: 900 }, expect: { state: 'Paused', mirroring: false, lastSyncMs: 900 } },
  { name: 'peer resumed a paused halt: no error shows', from: { role: 'Destination', hostWritable: false, state: 'Paused', errorCode: 'X' }, event: { type: 'peer_state', state: 'OK' }, expect: { state: 'OK', errorCode: null } },
  { name: 'a resume from a side that lost its role moves nothing', from: { state: 'Paused', generation: 3 }, event: { type: 'peer_state', state: 'OK', generation: 2 }, expect: { state: 'Paused' }, effects: [] },
  { name: 'a late notice to a side that became the source changes nothing', from: { state: 'Failed_Over' }, event: { type: 'peer_state', state: 'OK' }, expect: { state: 'Failed_Over' }, effects: [] },
  // The old source, its mirrored write refused, halts and says so: the new source does not halt (stale-notice-halts-new-source).
  { name: 'a halt notice from the side that lost its role moves nothing', from: { state: 'Failed_Over', generation: 3 }, event: { type: 'peer_state', state: 'System_Paused', generation: 2 }, expect: { state: 'Failed_Over' }, effects: [] },
  // Pause and resume counts (model.ts pauseResumes): a notice sent before its sender heard of our
  // latest pause or resume moves nothing (stale-ok-notice-resumes-paused-destination, v4 seed 5).
  { name: 'a pause counts one more', from: { pauseResumes: 4 }, event: { type: 'pause', nowMs: 7 }, expect: { state: 'Paused', pauseResumes: 5 }, effects: ['tell_peer_state'] },
  { name: 'a resume counts one more', from: { state: 'Paused', pausedByUser: true, pauseResumes: 5 }, event: { type: 'resume', nowMs: 7 }, expect: { pauseResumes: 6 }, effects: ['tell_peer_state', 'arm'] },
  { name: 'a destination paused here ignores an OK the source sent before it heard of the pause', from: { role: 'Destination', hostWritable: false, state: 'Paused', pausedByUser: true, transferMode: 'Synchronous', pauseResumes: 3 }, event: { type: 'peer_state', state: 'OK', generation: 2, pauseResumes: 2 }, expect: { state: 'Paused', pausedByUser: true, pauseResumes: 3 }, effects: [] },
  { name: 'a source resumed here ignores a pause notice the destination sent before it heard of the resume', from: { state: 'OK', pauseResumes: 6 }, event: { type: 'peer_state', state: 'Paused', generation: 2, pauseResumes: 5 }, expect: { state: 'OK', pausedByUser: false, pauseResumes: 6 }, effects: [] },
  // The source's in-step OK is sent once: one older than the destination's resume still applies (v3 seed 12).
  { name: 'a destination resumed here takes an older notice that does not undo the resume', from: { role: 'Destination', hostWritable: false, state: 'Synchronizing', transferMode: 'Synchronous', pauseResumes: 2 }, event: { type: 'peer_state', state: 'OK', generation: 2, pauseResumes: 0 }, expect: { state: 'OK', pauseResumes: 2 } },
  { name: 'a destination resumed here ignores a pause notice older than the resume', from: { role: 'Destination', hostWritable: false, state: 'OK', pauseResumes: 2 }, event: { type: 'peer_state', state: 'Paused', generation: 2, pauseResumes: 1 }, expect: { state: 'OK', pausedByUser: false }, effects: [] },
  { name: 'the source resumed after our pause: the destination resumes and takes the count', from: { role: 'Destination', hostWritable: false, state: 'Paused', pausedByUser: true, pauseResumes: 3 }, event: { type: 'peer_state', state: 'OK', generation: 2, pauseResumes: 4 }, expect: { state: 'OK', pausedByUser: false, pauseResumes: 4 } },
  { name: 'the peer paused: the count taken', from: { role: 'Destination', hostWritable: false, pauseResumes: 3 }, event: { type: 'peer_state', state: 'Paused', generation: 2, pauseResumes: 4 }, expect: { state: 'Paused', pauseResumes: 4 } },
  // A side Paused by a reconcile (seed 334) took no count: the peer's resume at the same count is not stale.
  { name: 'a resume at the same count is not stale', from: { role: 'Destination', hostWritable: false, state: 'Paused', pausedByUser: true, pauseResumes: 4 }, event: { type: 'peer_state', state: 'OK', generation: 2, pauseResumes: 4 }, expect: { state: 'OK', pausedByUser: false } },
  { name: 'a source hears a resume of a pause it never heard of: it takes the count and tells its view again', from: { state: 'OK', pauseResumes: 1 }, event: { type: 'peer_state', state: 'Synchronizing', generation: 2, pauseResumes: 3 }, expect: { state: 'OK', pauseResumes: 3 }, effects: ['tell_peer_view'] },
  { name: 'a notice of a newer generation is not judged by the count', from: { role: 'Destination', hostWritable: false, state: 'Paused', pausedByUser: true, pauseResumes: 3 }, event: { type: 'peer_state', state: 'OK', generation: 4, pauseResumes: 1 }, expect: { state: 'OK' } },
  { name: 'a peer that predates the count: the resume applies', from: { role: 'Destination', hostWritable: false, state: 'Paused', pausedByUser: true, pauseResumes: 3 }, event: { type: 'peer_state', state: 'OK' }, expect: { state: 'OK' } },
  { name: 'peer says halted with a cause', from: { role: 'Destination', hostWritable: false }, event: { type: 'peer_state', state: 'System_Paused', errorCode: 'REC_BUFFER_OVERLOAD', errorAtMs: 7 }, expect: { state: 'System_Paused', errorCode: 'REC_BUFFER_OVERLOAD', errorAtMs: 7 } },
  { name: 'restart with a REC suspend under way: suspended, the peer told until it hears', from: { transferMode: 'Stack', replicationRuleId: null, suspendPending: true, state: 'OK' }, event: { type: 'restarted' }, expect: { state: 'Suspended', suspendPending: false, stopRequested: true }, effects: ['tell_peer_suspended'] },
  // REC
  { name: 'normal suspend: final cycle first', from: { transferMode: 'Consistency', replicationRuleId: null }, event: { type: 'rec_suspend', force: false, backlog: false }, expect: { suspendPending: true }, effects: ['final_cycle', 'then'] },
  { name: 'forced suspend: at once', from: { transferMode: 'Consistency', replicationRuleId: null, state: 'System_Paused' }, event: { type: 'rec_suspend', force: true, backlog: true }, expect: { suspendPending: true, stopRequested: true }, effects: ['cancel_timer', 'tell_peer_suspended', 'then'] },
  { name: 'suspended', from: { suspendPending: true, errorCode: 'PEER_UNREACHABLE' }, event: { type: 'suspended' }, expect: { state: 'Suspended', suspendPending: false, errorCode: null, stopRequested: true } },
  { name: 'normal suspend cut: tell the peer, then suspended', from: { suspendPending: true }, event: { type: 'suspend_cut' }, expect: { suspendPending: true }, effects: ['tell_peer_suspended', 'then'] },
  { name: 'normal suspend after a buffer-overload halt: stays halted', from: { suspendPending: true, state: 'System_Paused', errorCode: 'REC_BUFFER_OVERLOAD' }, event: { type: 'suspend_cut' }, expect: { state: 'System_Paused', suspendPending: false }, effects: [] },
  { name: 'a suspend notice reaching the side that failed over since is stale: it stays the source, Failed_Over (v4 seed 304)', from: { transferMode: 'Through', replicationRuleId: null, state: 'Failed_Over', generation: 1 }, event: { type: 'peer_suspended' }, expect: { state: 'Failed_Over', role: 'Source' }, effects: [] },
  { name: 'a suspend notice on the destination box: Suspended', from: { transferMode: 'Through', replicationRuleId: null, role: 'Destination', hostWritable: false, state: 'OK' }, event: { type: 'peer_suspended' }, expect: { state: 'Suspended', stopRequested: true }, effects: ['abort_open_cycle'] },
  { name: 'a normal suspend that failed', from: { suspendPending: true }, event: { type: 'failed', during: 'tell_peer_suspended', code: 'PEER_UNREACHABLE', nowMs: 1 }, expect: { suspendPending: false, state: 'OK' }, effects: [] },
  { name: 'REC resume on the destination box rolls back to the base', from: { role: 'Destination', hostWritable: false, state: 'Suspended' }, event: { type: 'rec_roll_back', baseCycle: 3 }, expect: { state: 'Suspended' }, effects: ['roll_back'] },
  { name: 'rolled back for a REC resume: read-only again', from: { role: 'Destination', hostWritable: false, state: 'Suspended', stopRequested: true }, event: { type: 'rolled_back', baseCycle: 3, elementPairs: [] }, expect: { state: 'OK', stopRequested: false }, effects: ['disconnect_hosts'] },
  { name: 'modify: the peer first', from: { state: 'Suspended', transferMode: 'Stack', replicationRuleId: null }, event: { type: 'rec_modify', modes: { transferMode: 'Through', splitMode: 'Manual', recoveryMode: 'Manual' } }, expect: { transferMode: 'Stack' }, effects: ['set_peer_modes', 'then'] },
  { name: 'REC delete', from: { transferMode: 'Stack', replicationRuleId: null, state: 'Suspended' }, event: { type: 'rec_delete', force: false, backlog: false }, expect: { stopRequested: true }, effects: ['cancel_timer', 'delete_on_peer', 'drop_locally'] },
  { name: 'policy removed: Deleting', from: {}, event: { type: 'delete' }, expect: { state: 'Deleting', stopRequested: true }, effects: ['cancel_timer'] },
  { name: 'REC resume rolls the destination back', from: { state: 'Suspended', transferMode: 'Stack', replicationRuleId: null }, event: { type: 'rec_resume' }, expect: { state: 'Suspended', recResumes: 1, resumePending: true }, effects: ['roll_back_peer'] },
  { name: 'REC resume after the rollback', from: { state: 'Suspended', resumePending: true, recResumes: 1 }, event: { type: 'peer_rolled_back', baseCycle: 3 }, expect: { state: 'OK', stopRequested: false, resumePending: false, recResumes: 1 }, effects: ['cycle_soon'] },
  { name: 'REC resume without the rollback: Suspended, the resume over', from: { state: 'Suspended', resumePending: true, recResumes: 1 }, event: { type: 'failed', during: 'roll_back_peer', code: 'PEER_UNREACHABLE', nowMs: 4 }, expect: { state: 'Suspended', resumePending: false, recResumes: 1 }, effects: [] },
  { name: 'restart with a REC resume under way: Suspended, the resume over', from: { state: 'Suspended', stopRequested: true, resumePending: true, recResumes: 1, transferMode: 'Stack', replicationRuleId: null }, event: { type: 'restarted' }, expect: { state: 'Suspended', resumePending: false, recResumes: 1 } },
  { name: 'the destination box records the number of the resume it rolls back for', from: { role: 'Destination', hostWritable: false, state: 'Suspended', recResumes: 1 }, event: { type: 'rec_roll_back', baseCycle: 3, recResumes: 2 }, expect: { state: 'Suspended', recResumes: 2 }, effects: ['roll_back'] },
  // The source's resume waited for the rollback's answer when it took the summary (simulation seed 324, v5).
  { name: 'reconcile: a destination rolled back is not suspended again by a source whose resume is under way', from: { role: 'Destination', hostWritable: false, state: 'OK', recResumes: 1 }, event: { type: 'peer_summary', role: 'Source', generation: 2, state: 'Suspended', recResumes: 1, resuming: true }, expect: { state: 'OK' }, effects: [] },
  { name: 'reconcile: nor by a summary older than the resume it rolled back for', from: { role: 'Destination', hostWritable: false, state: 'OK', recResumes: 2 }, event: { type: 'peer_summary', role: 'Source', generation: 2, state: 'Suspended', recResumes: 1 }, expect: { state: 'OK' }, effects: [] },
  // The rollback's answer was lost: the source stays Suspended (simulation seed 307, v4).
  { name: 'reconcile: a destination rolled back under a source whose resume failed is Suspended again', from: { role: 'Destination', hostWritable: false, state: 'OK', recResumes: 2 }, event: { type: 'peer_summary', role: 'Source', generation: 2, state: 'Suspended', recResumes: 2 }, expect: { state: 'Suspended', stopRequested: true }, effects: ['abort_open_cycle'] },
  { name: 'reconcile: as by a source that predates resume numbers', from: { role: 'Destination', hostWritable: false, state: 'OK', recResumes: 0 }, event: { type: 'peer_summary', role: 'Source', generation: 2, state: 'Suspended' }, expect: { state: 'Suspended' }, effects: ['abort_open_cycle'] },
  // A summary taken while the resume waited for the rollback's answer suspended the destination again (simulation seed 946, v3).
  { name: 'reconcile: a halted REC source whose destination shows Suspended (this side resumed) rolls it back again', from: { state: 'System_Paused', errorCode: 'STATE_INVALID', transferMode: 'Consistency', replicationRuleId: null }, event: { type: 'peer_summary', role: 'Destination', generation: 2, state: 'Suspended' }, expect: { state: 'System_Paused' }, effects: ['roll_back_peer'] },
  { name: 'reconcile: a Suspended destination of an older generation is not rolled back', from: { state: 'System_Paused', errorCode: 'STATE_INVALID', transferMode: 'Consistency', replicationRuleId: null, generation: 3 }, event: { type: 'peer_summary', role: 'Destination', generation: 2, state: 'Suspended' }, expect: { state: 'System_Paused' }, effects: ['cycle_soon'] },
  { name: 'reconcile: a REC source halted for buffer overload leaves a Suspended destination to the operator', from: { state: 'System_Paused', errorCode: 'REC_BUFFER_OVERLOAD', transferMode: 'Consistency', replicationRuleId: null }, event: { type: 'peer_summary', role: 'Destination', generation: 2, state: 'Suspended' }, expect: { state: 'System_Paused' }, effects: [] },
  { name: 'the destination rolled back again: the halted source resumes and cycles', from: { state: 'System_Paused', errorCode: 'STATE_INVALID', transferMode: 'Consistency', replicationRuleId: null }, event: { type: 'peer_rolled_back', baseCycle: 3 }, expect: { state: 'OK', errorCode: null, stopRequested: false }, effects: ['cycle_soon'] },
  { name: 'REC resume after the destination lost its base', from: { state: 'Suspended' }, event: { type: 'peer_rolled_back', baseCycle: 0 }, expect: { state: 'Initializing', baseCycle: 0 }, effects: ['delete_snapshots', 'cycle_soon'] },
  // After a reverse a crash cut short both sides are Destination: the next reverse names roles, so it makes one source, not two (simulation seed 155).
  { name: 'reverse to a named role this side already has: it takes the reverse\'s generation', from: { role: 'Destination', hostWritable: false, state: 'Suspended', generation: 2 }, event: { type: 'rec_reverse', generation: 3, snapshotWatermark: 9, role: 'Destination' }, expect: { role: 'Destination', hostWritable: false, generation: 3 } },
  // The issuing box demoted by the link's return while its reverse call was in flight (the peer
  // recorded the reverse at 1): it went to 2, one past the source, for good (simulation seed 984, v3).
  { name: 'reverse answered after this side took the role: no generation past the peer\'s', from: { role: 'Destination', hostWritable: false, state: 'Suspended', generation: 1, transferMode: 'Consistency', replicationRuleId: null }, event: { type: 'rec_reverse', generation: 1, snapshotWatermark: 9, role: 'Destination' }, expect: { role: 'Destination', hostWritable: false, generation: 1 } },
  { name: 'reverse swaps the role', from: { state: 'Suspended' }, event: { type: 'rec_reverse', generation: 3, snapshotWatermark: 9 }, expect: { role: 'Destination', hostWritable: false, generation: 3 } },
  // link, cycles, mirroring
  { name: 'link lost halts an active session', from: {}, event: { type: 'link_lost', nowMs: 4 }, expect: { state: 'System_Paused', errorCode: 'PEER_UNREACHABLE', errorAtMs: 4 } },
  { name: 'link lost: a manual split refuses host writes', from: { transferMode: 'Synchronous', mirroring: true }, event: { type: 'link_lost', nowMs: 4 }, expect: { mirroring: false, hostWritesRefused: true, state: 'System_Paused' } },
  { name: 'link lost leaves a paused session paused', from: { state: 'Paused' }, event: { type: 'link_lost', nowMs: 4 }, expect: { state: 'Paused' } },
  { name: 'path back: host writes allowed again', from: { transferMode: 'Synchronous', hostWritesRefused: true, state: 'System_Paused' }, event: { type: 'path_returned' }, expect: { hostWritesRefused: false } },
  { name: 'cycle committed', from: { state: 'Synchronizing' }, event: { type: 'cycle_committed', cycle: 4, elementPairs: [], startMs: 10, nowMs: 15, startState: 'OK' }, expect: { state: 'OK', baseCycle: 4, lastSyncMs: 10, lastSyncDurationMs: 5 } },
  // Made Synchronizing, nothing ran it on and the link's return did not take it (simulation seed 8084).
  { name: 'a synchronous source halted while its checkpoint committed stays halted', from: { state: 'System_Paused', transferMode: 'Synchronous', errorCode: 'PEER_UNREACHABLE', errorAtMs: 4 }, event: { type: 'cycle_committed', cycle: 4, elementPairs: [], startMs: 1, nowMs: 5, startState: 'OK' }, expect: { state: 'System_Paused', baseCycle: 4, errorCode: 'PEER_UNREACHABLE', errorAtMs: 4 } },
  { name: 'an asynchronous source halted while its cut committed is OK', from: { state: 'System_Paused', errorCode: 'PEER_UNREACHABLE', errorAtMs: 4 }, event: { type: 'cycle_committed', cycle: 4, elementPairs: [], startMs: 1, nowMs: 5, startState: 'OK' }, expect: { state: 'OK', baseCycle: 4, errorCode: null } },
  // A policy unassigned while the cycle shipped: made OK, a crash before the deletion's answer left a source that forgot it (simulation seed 340, v4).
  { name: 'a cycle committed while the session is being deleted: still Deleting', from: { state: 'Deleting', stopRequested: true }, event: { type: 'cycle_committed', cycle: 4, elementPairs: [], startMs: 10, nowMs: 15, startState: 'Synchronizing' }, expect: { state: 'Deleting', baseCycle: 4 } },
  { name: 'synchronous resync cycle committed: still Synchronizing', from: { state: 'Synchronizing', transferMode: 'Synchronous' }, event: { type: 'cycle_committed', cycle: 4, elementPairs: [], startMs: 10, nowMs: 15, startState: 'Synchronizing' }, expect: { state: 'Synchronizing' } },
  { name: 'base mismatch: the destination committed our pending cut', from: { state: 'Synchronizing', baseCycle: 3 }, event: { type: 'base_mismatch', destinationBaseCycle: 4, previousPending: { cycle: 4, snapshotIds: { v1: 'cut4' } }, snapshotIds: { v1: 'cut5' } }, expect: { baseCycle: 4, pendingCycle: { cycle: 5, snapshotIds: { v1: 'cut5' } }, elementPairs: [{ localVolumeId: 'v1', remoteVolumeId: 'r1', localBaseSnapshotId: 'cut4' }] }, effects: ['delete_snapshots'] },
  { name: 'base mismatch without a common base: a full copy', from: { state: 'Synchronizing', baseCycle: 3 }, event: { type: 'base_mismatch', destinationBaseCycle: 1, previousPending: null, snapshotIds: {} }, expect: { baseCycle: 3 }, effects: ['empty_peer', 'then'] },
  { name: 'base reset', from: { state: 'Synchronizing' }, event: { type: 'base_reset' }, expect: { baseCycle: 0, elementPairs: [{ localVolumeId: 'v1', remoteVolumeId: 'r1', localBaseSnapshotId: null }] }, effects: ['delete_snapshots'] },
  { name: 'cycle failed halts', from: { state: 'Synchronizing' }, event: { type: 'cycle_failed', code: 'PEER_UNREACHABLE', nowMs: 3 }, expect: { state: 'System_Paused', errorCode: 'PEER_UNREACHABLE', errorAtMs: 3 }, effects: [] },
  // The peer is not our destination any more and the link stayed up (simulation seed 185): its view is asked for.
  { name: 'cycle refused by the peer: halts and asks the peer', from: { state: 'Synchronizing' }, event: { type: 'cycle_failed', code: 'STATE_INVALID', nowMs: 3 }, expect: { state: 'System_Paused', errorCode: 'STATE_INVALID' }, effects: ['reconcile_peer'] },
  { name: 'the final cycle of a failover failed: the failover decides', from: { state: 'Failing_Over', hostWritable: false }, event: { type: 'cycle_failed', code: 'X', nowMs: 3 }, expect: { state: 'Failing_Over' }, effects: [] },
  { name: 'cycle failed after a stop request halts nothing', from: { state: 'Synchronizing', stopRequested: true }, event: { type: 'cycle_failed', code: 'X', nowMs: 3 }, expect: { state: 'Synchronizing' } },
  { name: 'mirroring entered', from: { state: 'Synchronizing', transferMode: 'Synchronous' }, event: { type: 'mirroring_entered' }, expect: { state: 'OK', mirroring: true } },
  { name: 'mirror failed, split Automatic: writes go on locally', from: { transferMode: 'Synchronous', splitMode: 'Automatic', mirroring: true }, event: { type: 'mirror_failed', code: 'X', nowMs: 1 }, expect: { state: 'System_Paused', mirroring: false, hostWritesRefused: false, lastSyncMs: 1 }, effects: ['notify_peer', 'arm'] },
  // The destination held every acknowledged write until mirroring stopped: its copy is as of then.
  { name: 'link lost while mirroring: the copy is as of the loss', from: { transferMode: 'Synchronous', mirroring: true, lastSyncMs: 5 }, event: { type: 'link_lost', nowMs: 900 }, expect: { state: 'System_Paused', mirroring: false, lastSyncMs: 900 } },
  { name: 'link lost while not mirroring: the copy is as of the last cycle', from: { state: 'Synchronizing', lastSyncMs: 5 }, event: { type: 'link_lost', nowMs: 900 }, expect: { state: 'System_Paused', lastSyncMs: 5 } },
  { name: 'cycle committed up to a user snapshot: the watermark goes with the commit', from: { state: 'Synchronizing', snapshotWatermark: 3 }, event: { type: 'cycle_committed', cycle: 4, elementPairs: [], startMs: 10, nowMs: 15, startState: 'OK', snapshotWatermark: 9 }, expect: { baseCycle: 4, snapshotWatermark: 9 } },
  { name: 'checkpoint cut: pending until recorded as the base', from: { transferMode: 'Synchronous', mirroring: true }, event: { type: 'checkpoint_cut', cycle: 4, snapshotIds: { v1: 'cp4' } }, expect: { state: 'OK', mirroring: true, pendingCycle: { cycle: 4, snapshotIds: { v1: 'cp4' } } }, effects: [] },
  { name: 'a failed cycle discarded its cut: nothing pending', from: { pendingCycle: { cycle: 4, snapshotIds: { v1: 'cut4' } } }, event: { type: 'cut_discarded', snapshotIds: ['cut4'] }, expect: { pendingCycle: null } },
  { name: 'a discarded cut that is not the pending one changes nothing', from: { pendingCycle: { cycle: 4, snapshotIds: { v1: 'cut4' } } }, event: { type: 'cut_discarded', snapshotIds: ['cut5'] }, expect: { pendingCycle: { cycle: 4, snapshotIds: { v1: 'cut4' } } } },
  // schedule and membership
  { name: 'rpo changed: the schedule follows', from: {}, event: { type: 'rpo_changed', rpoSeconds: 3600 }, expect: { rpoSeconds: 3600 }, effects: ['arm'] },
  { name: 'a member joined the group: shipped whole soon', from: { resourceType: 'volume_group' }, event: { type: 'members_changed', elementPairs: [{ localVolumeId: 'v1', remoteVolumeId: 'r1', localBaseSnapshotId: 'base1' }, { localVolumeId: 'v2', remoteVolumeId: 'r2', localBaseSnapshotId: null }], memberCopies: { v1: { number: 5, remoteNumber: 6, remoteVolume: null } } }, expect: { elementPairs: [{ localVolumeId: 'v1', remoteVolumeId: 'r1', localBaseSnapshotId: 'base1' }, { localVolumeId: 'v2', remoteVolumeId: 'r2', localBaseSnapshotId: null }], memberCopies: { v1: { number: 5, remoteNumber: 6, remoteVolume: null } } }, effects: ['cycle_soon'] },
  { name: 'a member left the group: its base goes', from: { resourceType: 'volume_group' }, event: { type: 'members_changed', elementPairs: [] }, expect: { elementPairs: [] }, effects: ['delete_snapshots'] },
  // destination cycles
  { name: 'destination: a cycle begins, recorded with its staging; one still open is dropped', from: { role: 'Destination', hostWritable: false, openCycle: { cycle: 4, stagingIds: { v1: 'old' } } }, event: { type: 'cycle_begun', cycle: 4, stagingIds: { v1: 'new' }, elementPairs: [{ localVolumeId: 'v1', remoteVolumeId: 'r1', localBaseSnapshotId: 'base1' }], remoteResourceId: 'rg' }, expect: { openCycle: { cycle: 4, stagingIds: { v1: 'new' } }, remoteResourceId: 'rg' }, effects: ['delete_snapshots'] },
  { name: 'destination: the commit takes the open cycle\'s staging as its redo record', from: { role: 'Destination', hostWritable: false, openCycle: { cycle: 4, stagingIds: { v1: 'st4' } } }, event: { type: 'commit_begins', cycle: 4 }, expect: { openCycle: null, pendingCommit: { cycle: 4, stagingIds: { v1: 'st4' } } } },
  { name: 'destination: a commit of another cycle changes nothing', from: { role: 'Destination', hostWritable: false, openCycle: { cycle: 4, stagingIds: { v1: 'st4' } } }, event: { type: 'commit_begins', cycle: 5 }, expect: { openCycle: { cycle: 4, stagingIds: { v1: 'st4' } }, pendingCommit: null } },
  { name: 'destination: an aborted cycle drops its staging', from: { role: 'Destination', hostWritable: false, openCycle: { cycle: 4, stagingIds: { v1: 'st4' } } }, event: { type: 'cycle_aborted' }, expect: { openCycle: null }, effects: ['delete_snapshots'] },
  { name: 'destination: a lost mirrored write is recorded at its base', from: { role: 'Destination', hostWritable: false, transferMode: 'Synchronous' }, event: { type: 'mirrored_write_lost', baseCycle: 3, reason: 'EIO' }, expect: { mirroredWriteLost: { baseCycle: 3, reason: 'EIO' } } },
  { name: 'destination: a write lost at an older base counts for nothing', from: { role: 'Destination', hostWritable: false, transferMode: 'Synchronous' }, event: { type: 'mirrored_write_lost', baseCycle: 2, reason: 'EIO' }, expect: { mirroredWriteLost: null } },
  { name: 'destination: the resync\'s new base ends a lost write', from: { role: 'Destination', hostWritable: false, transferMode: 'Synchronous', state: 'Synchronizing', mirroredWriteLost: { baseCycle: 3, reason: 'EIO' }, pendingCommit: { cycle: 4, stagingIds: {} } }, event: { type: 'destination_committed', cycle: 4, elementPairs: [], syncedAtMs: 1, durationMs: 1 }, expect: { baseCycle: 4, mirroredWriteLost: null } },
  // crash recovery, timers, buffer
  { name: 'restart: a mirroring source resyncs', from: { transferMode: 'Synchronous', mirroring: true }, event: { type: 'restarted' }, expect: { state: 'System_Paused', errorCode: 'PEER_UNREACHABLE', mirroring: false }, effects: ['arm'] },
  { name: 'restart: a cycle cut short', from: { state: 'Synchronizing' }, event: { type: 'restarted' }, expect: { state: 'System_Paused' } },
  { name: 'restart: no base yet', from: { state: 'Synchronizing', baseCycle: 0 }, event: { type: 'restarted' }, expect: { state: 'Initializing' } },
  { name: 'restart: a deletion stays stopped', from: { state: 'Deleting' }, event: { type: 'restarted' }, expect: { state: 'Deleting', stopRequested: true }, effects: [] },
  { name: 'restart: a reprotect cut short can be retried', from: { state: 'Reprotecting' }, event: { type: 'restarted' }, expect: { state: 'Failed_Over', errorCode: 'INTERNAL' }, effects: ['arm'] },
  { name: 'restart: a failback cut short before its hand-over is Failed_Over', from: { state: 'Failing_Over', hostWritable: true }, event: { type: 'restarted' }, expect: { state: 'Failed_Over', hostWritable: true }, effects: ['tell_peer_view'] },
  { name: 'restart: a planned failover cut short halts read-only', from: { state: 'Failing_Over', hostWritable: false }, event: { type: 'restarted' }, expect: { state: 'System_Paused', hostWritable: false, role: 'Source' } },
  { name: 'link return after it: the peer did not take over, writable again', from: { state: 'System_Paused', hostWritable: false }, event: { type: 'peer_summary', role: 'Destination', generation: 2, state: 'Failing_Over' }, expect: { hostWritable: true }, effects: ['cycle_soon'] },
  { name: 'link return after it: the peer took over, demoted', from: { state: 'System_Paused', hostWritable: false }, event: { type: 'peer_summary', role: 'Source', generation: 3, state: 'Failed_Over' }, expect: { role: 'Destination', generation: 3 } },
  { name: 'restart: an unplanned failover cut short halts', from: { role: 'Destination', hostWritable: false, state: 'Failing_Over_For_DR' }, event: { type: 'restarted' }, expect: { state: 'System_Paused', role: 'Destination' } },
  { name: 'timer on a runnable source cycles', from: {}, event: { type: 'timer_fired' }, expect: {}, effects: ['cycle_soon'] },
  { name: 'timer on a paused source does nothing', from: { state: 'Paused' }, event: { type: 'timer_fired' }, expect: {}, effects: [] },
  { name: 'buffer overload queues the halt', from: { transferMode: 'Consistency' }, event: { type: 'buffer_overload', atMs: 8 }, expect: { haltPending: { atMs: 8 }, stopRequested: true }, effects: ['cancel_timer'] },
  { name: 'buffer overload halt', from: { transferMode: 'Consistency', haltPending: { atMs: 8 }, stopRequested: true }, event: { type: 'overload_halt' }, expect: { state: 'System_Paused', errorCode: 'REC_BUFFER_OVERLOAD', errorAtMs: 8, haltPending: null }, effects: ['cancel_timer', 'notify_peer'] },
  { name: 'buffer overload halt after a suspend: the suspend stands', from: { state: 'Suspended', haltPending: { atMs: 8 } }, event: { type: 'overload_halt' }, expect: { state: 'Suspended', haltPending: null } },
];

describe('session machine: transitions', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const before = session(c.from);
      const { session: after, effects } = step(before, c.event);
      for (const [key, value] of Object.entries(c.expect)) assert.deepEqual(after[key as keyof ReplicationSession], value, key);
      if (c.effects) assert.deepEqual(kinds(effects), c.effects);
      assertSession(after);
    });
  }
  it('normal suspend cut: the peer is told until it hears (its answer may be what was lost, the peer Suspended)', () => {
    const { effects } = step(session({ suspendPending: true }), { type: 'suspend_cut' });
    assert.deepEqual(effects[0], { kind: 'tell_peer_suspended', retry: true });
  });
});

describe('session machine: refusals change nothing', () => {
  const refused: { name: string; from: Partial<ReplicationSession>; event: SessionEvent; code: string }[] = [
    { name: 'planned failover on the destination', from: { role: 'Destination', hostWritable: false }, event: { type: 'failover', ...FAILOVER }, code: 'VALIDATION_FAILED' },
    { name: 'a second operation while failing over', from: { state: 'Failing_Over' }, event: { type: 'pause', nowMs: 0 }, code: 'OPERATION_IN_PROGRESS' },
    { name: 'unplanned failover again without force', from: { role: 'Destination', hostWritable: false, state: 'Failed_Over' }, event: { type: 'failover', ...FAILOVER, planned: false }, code: 'STATE_INVALID' },
    { name: 'reprotect a healthy session', from: {}, event: { type: 'reprotect' }, code: 'STATE_INVALID' },
    { name: 'resume an active session', from: {}, event: { type: 'resume', nowMs: 0 }, code: 'STATE_INVALID' },
    { name: 'normal suspend of a halted REC', from: { transferMode: 'Stack', replicationRuleId: null, state: 'System_Paused' }, event: { type: 'rec_suspend', force: false, backlog: false }, code: 'STATE_INVALID' },
    { name: 'modify an active REC', from: { transferMode: 'Stack', replicationRuleId: null }, event: { type: 'rec_modify', modes: { transferMode: 'Through', splitMode: 'Manual', recoveryMode: 'Automatic' } }, code: 'STATE_INVALID' },
  ];
  for (const c of refused) {
    it(c.name, () => {
      const before = session(c.from);
      const copy = structuredClone(before);
      assert.throws(() => step(before, c.event), (e: unknown) => e instanceof DomainError && e.code === c.code);
      assert.deepEqual(before, copy);
    });
  }
});

describe('session machine: table', () => {
  it('every row names a when for its guard, so a reader can scan the table', () => {
    for (const r of TABLE) if (r.guard) assert.ok(r.when, `a guarded row of ${r.on} says when it applies`);
  });
  it('a destination prepared for a pending cut adopts it', () => {
    const s = session({ role: 'Destination', hostWritable: false, baseCycle: 3, pendingCycle: { cycle: 4, snapshotIds: { v1: 'cut4' } } });
    assert.deepEqual(rollbackPlan(s, 4), { restoreFrom: { v1: 'cut4' }, baseCycle: 4, elementPairs: [{ localVolumeId: 'v1', remoteVolumeId: 'r1', localBaseSnapshotId: 'cut4' }] });
    assert.deepEqual(rollbackPlan(s, -1).restoreFrom, { v1: null });
  });
  it('an event no row takes leaves the session as it is', () => {
    const s = session({ state: 'Paused' });
    assert.deepEqual(step(s, { type: 'mirroring_entered' }), { session: s, effects: [] });
  });
});
