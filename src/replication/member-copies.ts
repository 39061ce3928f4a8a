// The member copy sessions of a volume group session (MemberCopy in core/replication/model.ts):
// REC pairs volumes, so the ETERNUS dialect shows a group session as one copy session per member.
// Each system numbers its own members; the two sides tell each other their numbers and volumes in
// the messages they already exchange (createDestination, cycle begin), so nothing extra crosses
// the link and a member that joins the group is numbered by its first cycle.
import type { Volume } from '../core/model.ts';
import type { MemberCopy, ReplicationSession } from '../core/replication/model.ts';
import type { MemberResult, MemberSpec } from './wire.ts';

type Copies = Record<string, MemberCopy>;

/**
 * The copies of `localVolumeIds` (the members now, in order): existing entries kept, new members
 * numbered with `allocate`, members gone dropped.
 */
/** What the source tells the destination of each member (cycle begin, membership changes). */
export function memberSpecs(s: ReplicationSession, members: readonly Volume[], copies: Copies | undefined): MemberSpec[] {
  return members.map((m) => ({
    sourceVolumeId: m.id,
    remoteVolumeId: s.elementPairs.find((p) => p.localVolumeId === m.id)?.remoteVolumeId ?? null,
    name: m.name,
    sizeBytes: m.sizeBytes,
    number: m.number,
    ...(copies ? { copyNumber: copies[m.id]!.number } : {}),
  }));
}

export function numberedMembers(existing: Copies | undefined, localVolumeIds: readonly string[], allocate: () => number): Copies {
  const copies: Copies = {};
  for (const id of localVolumeIds) copies[id] = existing?.[id] ?? { number: allocate(), remoteNumber: null, remoteVolume: null };
  return copies;
}

/** Destination: what the source's member spec says about its side of the member. */
export function learnFromSource(copy: MemberCopy, spec: MemberSpec): MemberCopy {
  return {
    number: copy.number,
    remoteNumber: spec.copyNumber ?? copy.remoteNumber,
    remoteVolume: spec.number !== undefined ? { number: spec.number, name: spec.name } : copy.remoteVolume,
  };
}

/** Source: what the destination's answer says about its side of each member. */
export function learnFromDestination(copies: Copies, results: readonly MemberResult[]): Copies {
  const learnt: Copies = { ...copies };
  for (const r of results) {
    const copy = learnt[r.sourceVolumeId];
    if (!copy) continue;
    learnt[r.sourceVolumeId] = {
      number: copy.number,
      remoteNumber: r.copyNumber ?? copy.remoteNumber,
      remoteVolume: r.remoteVolumeNumber !== undefined ? { number: r.remoteVolumeNumber, name: r.remoteVolumeName ?? copy.remoteVolume?.name ?? '' } : copy.remoteVolume,
    };
  }
  return learnt;
}

export function sameCopies(a: Copies | undefined, b: Copies | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The highest copy session number a session holds, its own or a member's (-1 when none). */
export function highestNumber(s: ReplicationSession): number {
  let max = typeof s.number === 'number' ? s.number : -1;
  for (const c of Object.values(s.memberCopies ?? {})) max = Math.max(max, c.number);
  return max;
}
