// Goal: what Dell's Ansible collection dellemc.powerstore 3.8.1 (PyPowerStore 3.4.2) sends keeps
// getting the answers its modules depend on, without the collection in CI. Method: the recorded
// exchanges of ansible-facts.ts replayed against an in-process pair: connection, remote system
// re-pairing (create without `type`, nulls for options not given), the replication runbook through
// failback and cleanup on both systems, group replication with an unplanned failover, the
// block/host/protection runbook (CHAP initiators, an asynchronous job included), and every info subset.
import { after, before, test } from 'node:test';
import { startPair, type Pair } from '../helpers/pair.ts';
import { ansibleBlocks, ansibleConnect, ansibleGroupReplication, ansibleInfo, ansibleRemoteSystem, ansibleReplication } from './ansible-facts.ts';
import { replay } from './replay.ts';

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

test('every module connects: login session, software version, cluster', async () => {
  await replay(p, ansibleConnect);
});

test('remotesystem: remove, add back without type, modify with nulls; then the replication runbook through failback, cleaned up on both systems', async () => {
  const vars = await replay(p, ansibleRemoteSystem(p.b.system.ports.https));
  await replay(p, ansibleReplication, vars);
});

test('a replicated volume group: members joining and leaving, unplanned failover at the destination, reprotect, failback, cleanup on both', async () => {
  await replay(p, ansibleGroupReplication);
});

test('volumes, snapshots, clone, restore, refresh, a volume group, a host and its mappings, host groups absent', async () => {
  await replay(p, ansibleBlocks);
});

test('info: every subset lists; out-of-scope resources as empty lists', async () => {
  await replay(p, ansibleInfo);
});
