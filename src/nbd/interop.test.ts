// Goal: real NBD clients (libnbd's nbdinfo and nbdcopy, QEMU's qemu-img, fio's nbd engine) work
// against our server, including multi-connection copies and sparse maps. Method: an NbdServer on
// 127.0.0.1 port 0 over the in-memory VolumeIo, each tool run as a child process with a bounded
// data size; results compared byte for byte. A missing tool skips its test, naming the package.

import { strict as assert } from 'node:assert';
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { NbdServer } from './server.ts';
import { MemoryVolumeIo, staticExports } from './testing/memory-volume-io.ts';

const run = promisify(execFile);
const MIB = 1024 * 1024;
const SIZE = 64 * MIB;
const TOOL_TIMEOUT_MS = 60_000;

const PACKAGE_OF: Record<string, string> = {
  nbdinfo: 'libnbd-bin',
  nbdcopy: 'libnbd-bin',
  'qemu-img': 'qemu-utils',
  fio: 'fio',
};

function installed(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** Skips the test unless every tool is on PATH; returns whether it may go on. */
function need(t: TestContext, ...tools: string[]): boolean {
  const missing = tools.find((tool) => !installed(tool));
  if (missing === undefined) return true;
  t.skip(`${missing} not installed (Debian package ${PACKAGE_OF[missing]})`);
  return false;
}

async function tool(command: string, args: string[]): Promise<string> {
  const { stdout } = await run(command, args, { timeout: TOOL_TIMEOUT_MS, maxBuffer: 64 * MIB });
  return stdout;
}

describe('NBD interoperability with real clients', () => {
  let io: MemoryVolumeIo;
  let server: NbdServer;
  let base: string;
  let dir: string;
  let sessions: number;

  beforeEach(async () => {
    io = new MemoryVolumeIo();
    io.createVolume('vol-a', SIZE);
    io.createVolume('vol-b', 4 * MIB);
    sessions = 0;
    server = new NbdServer({
      io,
      exports: staticExports([
        { name: 'alpha', volumeId: 'vol-a', description: 'test volume' },
        { name: 'beta', volumeId: 'vol-b', readOnly: true },
      ]),
      port: 0,
      logger: {
        info: (...args: unknown[]) => {
          if (args[0] === 'nbd: serving export') sessions += 1;
        },
        warn: () => {},
      },
    });
    const { port } = await server.listen();
    base = `nbd://127.0.0.1:${port}`;
    dir = mkdtempSync(join(tmpdir(), 'tandem-nbd-interop-'));
  });

  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A file with random data in [1 MiB, 9 MiB) and [32 MiB, 33 MiB), zeros elsewhere. */
  function sparseSource(): string {
    const path = join(dir, 'source.img');
    const image = Buffer.alloc(SIZE);
    randomBytes(8 * MIB).copy(image, MIB);
    randomBytes(MIB).copy(image, 32 * MIB);
    writeFileSync(path, image);
    return path;
  }

  it('nbdinfo --list and nbdinfo report exports, sizes and flags', async (t) => {
    if (!need(t, 'nbdinfo')) return;
    const list = JSON.parse(await tool('nbdinfo', ['--json', '--list', base]));
    assert.deepEqual(list.exports.map((e: { 'export-name': string }) => e['export-name']).sort(), ['alpha', 'beta']);
    const alpha = JSON.parse(await tool('nbdinfo', ['--json', `${base}/alpha`])).exports[0];
    assert.equal(alpha['export-size'], SIZE);
    assert.equal(alpha.description, 'test volume');
    assert.equal(alpha.is_read_only, false);
    assert.equal(alpha.can_multi_conn, true);
    assert.equal(alpha.can_flush && alpha.can_fua && alpha.can_trim && alpha.can_zero && alpha.can_df, true);
    assert.deepEqual(alpha.contexts, ['base:allocation']);
    assert.equal(alpha.block_size_maximum, 32 * MIB);
    const beta = JSON.parse(await tool('nbdinfo', ['--json', `${base}/beta`])).exports[0];
    assert.equal(beta.is_read_only, true);
    assert.equal(beta['export-size'], 4 * MIB);
  });

  it('nbdinfo --list lists a server of many exports (it asks about each on one connection)', async (t) => {
    if (!need(t, 'nbdinfo')) return;
    const many = new MemoryVolumeIo();
    const names = Array.from({ length: 200 }, (_, i) => `v${i}`);
    for (const name of names) many.createVolume(name, MIB);
    const wide = new NbdServer({ io: many, exports: staticExports(names.map((name) => ({ name, volumeId: name }))), port: 0 });
    try {
      const { port } = await wide.listen();
      const list = JSON.parse(await tool('nbdinfo', ['--json', '--list', `nbd://127.0.0.1:${port}`]));
      assert.equal(list.exports.length, names.length);
    } finally {
      await wide.close();
    }
  });

  it('nbdinfo --map shows data and holes', async (t) => {
    if (!need(t, 'nbdinfo')) return;
    await io.write('vol-a', 4 * MIB, Buffer.alloc(MIB, 1));
    const map = JSON.parse(await tool('nbdinfo', ['--map', '--json', `${base}/alpha`]));
    assert.deepEqual(
      map.map((e: { offset: number; length: number; type: number }) => [e.offset, e.length, e.type]),
      [
        [0, 4 * MIB, 3],
        [4 * MIB, MIB, 0],
        [5 * MIB, SIZE - 5 * MIB, 3],
      ],
    );
  });

  it('nbdcopy copies a file in and back out over several connections, skipping holes', async (t) => {
    if (!need(t, 'nbdcopy')) return;
    const source = sparseSource();
    const back = join(dir, 'back.img');
    await tool('nbdcopy', ['--connections=4', '--flush', source, `${base}/alpha`]);
    assert.ok(sessions >= 2, `expected several connections, saw ${sessions}`);
    assert.ok(io.flushCount >= 1);
    // nbdcopy wrote zero areas as WRITE_ZEROES: they stay holes.
    assert.ok(io.allocatedBlocks('vol-a') <= (9 * MIB) / 4096 + 1);
    const readsBefore = io.readCount;
    await tool('nbdcopy', ['--connections=2', `${base}/alpha`, back]);
    assert.ok(readFileSync(back).equals(readFileSync(source)));
    // Holes were skipped via BLOCK_STATUS: far fewer read calls than 64 MiB / 256 KiB = 256.
    assert.ok(io.readCount - readsBefore < 100, `read calls: ${io.readCount - readsBefore}`);
  });

  it('qemu-img convert -n writes the volume, compare and map agree', async (t) => {
    if (!need(t, 'qemu-img')) return;
    const source = sparseSource();
    await tool('qemu-img', ['convert', '-n', '-f', 'raw', '-O', 'raw', source, `${base}/alpha`]);
    assert.ok(io.contents('vol-a').equals(readFileSync(source)));
    const compare = await tool('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', source, `${base}/alpha`]);
    assert.match(compare, /Images are identical/);
    const map = JSON.parse(await tool('qemu-img', ['map', '--output=json', '-f', 'raw', `${base}/alpha`]));
    const dataExtents = map.filter((e: { data: boolean }) => e.data).map((e: { start: number; length: number }) => [e.start, e.length]);
    assert.deepEqual(dataExtents, [
      [MIB, 8 * MIB],
      [32 * MIB, MIB],
    ]);
  });

  it('qemu-img compare notices a difference', async (t) => {
    if (!need(t, 'qemu-img')) return;
    const source = sparseSource();
    await tool('qemu-img', ['convert', '-n', '-f', 'raw', '-O', 'raw', source, `${base}/alpha`]);
    await io.write('vol-a', 40 * MIB, Buffer.from([1]));
    // Exit status 1 means "images differ" (2 would be an error).
    await assert.rejects(tool('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', source, `${base}/alpha`]), (error: { code?: number; stdout?: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stdout ?? '', new RegExp(`mismatch at offset ${40 * MIB}`));
      return true;
    });
  });

  it('fio --ioengine=nbd random writes verify with crc32c', async (t) => {
    if (!need(t, 'fio')) return;
    const output = await tool('fio', [
      '--name=verify',
      '--ioengine=nbd',
      `--uri=${base}/alpha`,
      '--rw=randwrite',
      '--bs=4k',
      '--iodepth=16',
      '--size=16M',
      '--verify=crc32c',
      '--do_verify=1',
      '--verify_fatal=1',
      '--output-format=json',
    ]);
    const job = JSON.parse(output.slice(output.indexOf('{'))).jobs[0];
    assert.equal(job.error, 0);
    assert.equal(job.write.io_bytes, 16 * MIB);
    assert.equal(job.read.io_bytes, 16 * MIB); // the verify pass read everything back
  });
});
