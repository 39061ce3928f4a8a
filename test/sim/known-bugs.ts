// What the simulation found. Each bug keeps its seed as a regression case (sim.test.ts): a fixed
// bug's seed must no longer show its failure; an open bug's seed runs as a `todo` test until it is
// fixed, and the seed budget tolerates its failure signature (and nothing else). Seeds replay the
// same run only on the code they were found with: a change in replication changes the trace, so
// each case also says what happened, for a reader to rebuild it if its seed drifts.

import type { Workload } from './simulation.ts';

export interface SimBug {
  id: string;
  seed: number;
  steps: number;
  /** Matches the failure lines the bug causes. */
  signature: RegExp;
  /** The workload it was found with (simulation.ts SimOptions.workload). */
  workload: Workload;
  /** Its seed no longer shows it on this code and no other seed found so far does: kept for its description. */
  drifted?: boolean;
  description: string;
}

/** Fixed in this branch (the fix's comment names the seed). */
export const FIXED_BUGS: SimBug[] = [
  {
    id: 'reprotect-cut-by-crash-stays-reprotecting',
    seed: 5,
    steps: 60,
    workload: 'v1',
    signature: /not steady after healing: source \S+ Reprotecting/,
    description:
      'A crash of the source during reprotect (cycle.after-ship) left its record Reprotecting; start() re-armed it, no timer cycles a Reprotecting session and every operator action was refused OPERATION_IN_PROGRESS, forever. Fix: start() puts such a session back to Failed_Over (what reprotect\'s own failure does), service.ts.',
  },
  {
    id: 'failed-planned-failover-reopens-demoted-source',
    seed: 158,
    steps: 100,
    workload: 'v1',
    signature: /is host-writable/,
    description:
      'Planned failover with reverse: the peer became Source and, reprotecting at once, demoted this side, but its answer to becomeSource was lost; the catch of plannedFailover then made this side\'s volumes host-writable again although its role was Destination. Fix: the catch restores host access only while the role is still Source, failover.ts. Found as seed 111; 158 shows it with the fix reverted on the code after main\'s cycle slots.',
  },
  {
    id: 'crash-between-host-access-and-role',
    seed: 126,
    steps: 100,
    workload: 'v1',
    signature: /is host-writable/,
    description:
      'becomeSource makes the volumes host-writable, then records the role; a crash between them (crash point failover.after-host-access) left a Destination whose volume hosts could write, after the restart too. Fix: start() makes the volumes of a Destination (no failover test, not Suspended) read-only again, service.ts.',
  },
  {
    id: 'idle-poll-drops-the-retry',
    seed: 4029,
    steps: 120,
    workload: 'v3',
    drifted: true,
    signature: /not steady after healing: source \S+ System_Paused \(PEER_UNREACHABLE\), destination \S+ System_Paused \[Consistency\]/,
    description:
      'An idle Consistency source polls for writes every 100 ms; the link was lost (onLinkLost halts it System_Paused) and the reconcile call at its return was dropped. The next poll saw a halted session and armed nothing, so the source never retried, although recovery mode is Automatic. Fix: a poll that finds the session halted arms the retry schedule, service.ts armIdlePoll. After main\'s cycle slots no seed of 4000-4149 (120 steps) shows it with the fix reverted.',
  },
];

/** Found and not fixed here: the fixes belong to the session state machine (issue 13, item 1). */
export const OPEN_BUGS: SimBug[] = [
  {
    id: 'sync-after-unplanned-failover-keeps-old-source-writes',
    seed: 1003,
    steps: 100,
    workload: 'v1',
    signature: /differs from the source's last committed cut .*source step 0 fill 0, destination step [1-9]\d* .*destination base equals its volume/,
    description:
      'After an unplanned failover the old source, demoted when the link returned (link-state.ts), keeps the writes it took after the common base. A sync of the new source (allowed in Failed_Over) cycles to it without the reprotect rollback (becomeDestination with prepareForBaseCycle): diff(base, cut) never covers those blocks, so the destination keeps them while both sides report the same base cycle. Silent divergence; also seed 1064.',
  },
  {
    id: 'failed-reprotect-leaves-destination-reprotecting',
    seed: 1006,
    steps: 100,
    workload: 'v1',
    signature: /not steady after healing: source \S+ \w+ \(\w+\), destination \S+ Reprotecting/,
    description:
      'A reprotect that fails after the peer was prepared (link cut, dropped answer, crash) puts the source back to Failed_Over but never tells the peer, which shows Reprotecting until the next reprotect succeeds; a reprotect whose final OK notice is lost (notifyPeer swallows the failure) leaves it Reprotecting under an OK (or later Paused) source. sessionStates on link return does not correct either. Also seeds 1007, 1009, 1010 (first seen as 1001 and 1011 before main\'s cycle slots changed the traces).',
  },
  {
    id: 'failed-planned-failover-leaves-peer-failing-over',
    seed: 1005,
    steps: 100,
    workload: 'v1',
    signature: /not steady after healing: source \S+ \w+ \(\w+\), destination \S+ Failing_Over|not steady after healing: source \S+ Failing_Over/,
    description:
      'Planned failover tells the peer Failing_Over before its last cycle; when the failover fails (link, crash) the source goes System_Paused/OK but the peer stays Failing_Over; a crash of the source mid-failover leaves it Failing_Over itself, and start() does not resolve it. Also seeds 1008, 1017, 1077.',
  },
  {
    id: 'lower-generation-source-not-demoted',
    seed: 3042,
    steps: 120,
    workload: 'v2',
    signature: /both sides are Source after healing/,
    description:
      'After a quiet point both sides are Source (generations 6 and 5, both System_Paused) once the link is back: the lower generation is not demoted (link-state.ts reconcile), so two systems take host writes for one session. Seen once in 120 seeds x 120 steps of workload v2 (first as seed 3089).',
  },
  {
    id: 'paused-destination-takes-ok-notice-as-resume',
    seed: 4003,
    steps: 120,
    workload: 'v3',
    signature: /not steady after healing: .*destination \S+ Synchronizing \[Synchronous\]/,
    description:
      'A synchronous destination paused on its own side (its notice to the source lost) hears the source\'s state notice OK once the source mirrors again; the setState handler (link-state.ts) treats any notice to a Paused session as a resume and sets resumedState (Synchronizing), not the OK it was told, and nothing corrects it while the source mirrors. Also seeds 4009, 4012 at 120 steps (first seen as 4049, then 4014, before later changes moved the traces).',
  },
  {
    id: 'failover-test-on-synchronous-halts-mirroring',
    seed: 4012,
    steps: 120,
    workload: 'v3',
    signature: /not steady after healing: source \S+ OK \(null\), destination \S+ (Synchronizing|System_Paused) \[Synchronous\]/,
    description:
      'A failover test started on the destination of a synchronous session that mirrors: the destination refuses every mirrored write (sync-receiver.ts target(): failoverTest), so the first host write halts the source, and afterwards the destination is left Synchronizing or System_Paused under an OK source. Seed 4012 shows the refusal (its destination also met the paused-destination bug); first seen as 4034. Cycles go to the test\'s shadow volume; mirrored writes could too.',
  },
  {
    id: 'stale-notice-halts-new-source',
    seed: 4022,
    steps: 120,
    workload: 'v3',
    drifted: true,
    signature: /not steady after healing: source \S+ System_Paused \(null\), destination \S+ Failed_Over/,
    description:
      'Unplanned failover of a synchronous session: the old source, its mirrored write refused by the new source, halts and tells the peer System_Paused; the new source (generation 2) applies that notice from the generation-1 side (the setState handler in link-state.ts checks neither role nor generation) and stays System_Paused with no retry armed until a later reconcile. Seen with seed 4022 before main\'s cycle slots were merged; not seen since in 180 seeds x 120 steps.',
  },
  {
    id: 'destination-pause-notice-lost',
    seed: 1024,
    steps: 100,
    workload: 'v1',
    signature: /not steady after healing: source \S+ (OK|Synchronizing) \(\w+\), destination \S+ Paused/,
    description:
      'A pause issued on the destination while the link is down: its notice to the source fails (notifyPeer swallows it, nothing retries) and the link\'s return does not reconcile pausedByUser, so the source keeps cycling into a destination that shows Paused, for good.',
  },
  {
    id: 'failed-over-source-peer-system-paused',
    seed: 1031,
    steps: 100,
    workload: 'v1',
    signature: /not steady after healing: source \S+ Failed_Over \(\w+\), destination \S+ System_Paused/,
    description: 'After an unplanned failover the demoted peer stays System_Paused (a destination halt) instead of Failed_Over once the link is back. Also seeds 1071, 1076.',
  },
];

/** Whether a failure line is explained by an open bug. */
export function openBugOf(failure: string): SimBug | undefined {
  return OPEN_BUGS.find((b) => b.signature.test(failure));
}
