// Formatting of benchmark results: the console table, the targets (from the issues) with met / not
// met, and the rewrite of the generated section of BENCHMARKS.md between
//   <!-- bench:begin -->  and  <!-- bench:end -->
// The section also carries the raw results as JSON in an HTML comment (<!-- bench:data ... -->), so
// that a run of some modules (`npm run bench -- api`) keeps the last figures of the others, shown
// with their own date.
//
// Figure names the targets read (a module returns them from its run*Bench function):
//   nbd     randwrite_4k_qd32_iops_{ours,qemu,ratio}, randread_4k_qd32_iops_{...},
//           nbdcopy_read_mibps_{...}                               (bench/nbd.ts)
//   aged    nbdcopy_read_mibps_{ours,qemu,ratio}, seqread_1m_qd8_mibps_{...} of an aged volume;
//           initial_copy_mibps vs anchor_nbdcopy_mibps (initial_copy_ratio)          (bench/aged.ts)
//   engine  snapshot_1gib_ms and snapshot_16gib_ms: durable snapshot of a full 1 GiB volume and
//           of a 16 GiB one                                         (bench/engine.ts, when it exports runEngineBench)
//   api     filter_*, page_*, health_* (p50_ms, p99_ms, rps) and *_vs_health_ratio  (bench/api.ts)
//   replication  initial_copy_mibps vs anchor_nbdcopy_mibps; incremental_sync_ms vs rsync_ms;
//           incremental_shipped_bytes vs changed_bytes (and incremental_wire_bytes)   (bench/replication.ts)
//   sync    sync_qd1_p50_us vs plain_qd1_p50_us (and the p99s); worst_round_ratio: sync / (plain + 1.2 round trips), every round  (bench/sync.ts)
//   eternus stack_resume_drain_mibps vs anchor_nbdcopy_mibps (and the concurrent stack_end_to_end_mibps);
//           consistency_lag_max_ms, consistency_lag_p95_ms vs 2000 ms, consistency_write_mibps  (bench/eternus.ts)
//   cbt     diff_4k_ms and diff_64k_ms (whole-volume compute_differences bitmap) vs read_both_ms
//           (nbdcopy of both snapshots)                                                (bench/cbt.ts)
//   scale   create_p{50,99}_ms_at_N (N = 250, 1000, 2500, scale_max) and their ratio to 250;
//           rpo_compliance_pct, rpo_max_lag_s; restart_{a,b}_{ready,healthy}_s vs empty_start_s;
//           restart_{a,b}_cycles_max_per_s vs steady_cycles_max_per_s (the RPO window's busiest second);
//           list_sessions_p99_ms vs health_p99_ms; memory_per_*_kib              (bench/scale.ts)

import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

export const BEGIN = '<!-- bench:begin -->';
export const END = '<!-- bench:end -->';
const DATA_PREFIX = '<!-- bench:data ';

export type Figures = Record<string, number>;

export interface ModuleResult {
  /** Module name: engine, nbd, api, replication. */
  name: string;
  status: 'ok' | 'missing' | 'no-export' | 'failed';
  figures?: Figures;
  error?: string;
  seconds?: number;
  /** ISO date-time of the run that produced the figures. */
  date: string;
  machine: string;
}

export function machineDescription(): string {
  let model = 'unknown CPU';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) model = line.slice(line.indexOf(':') + 1).trim();
  } catch {
    /* not Linux */
  }
  const memGiB = Math.round(totalmem() / 1024 ** 3);
  return `${availableParallelism()} cores (nproc), ${model}, ${memGiB} GiB RAM, Node ${process.version}, ${process.platform} ${process.arch}`;
}

type Status = 'met' | 'not met' | 'reported' | 'not yet measured';

interface TargetRow {
  target: string;
  figure: string;
  status: Status;
  date?: string;
}

interface Target {
  module: string;
  target: string;
  evaluate(figures: Figures): Omit<TargetRow, 'target' | 'date'> | null;
}

const fmt = (value: number | undefined, digits = 1) =>
  value === undefined || !Number.isFinite(value) ? '?' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

/** ours ≥ 0.9 × qemu-nbd for one of bench/nbd.ts's figures. */
function vsQemu(name: string, unit: string, label: string): Target {
  return {
    module: 'nbd',
    target: `${label} ≥ 0.9× qemu-nbd`,
    evaluate: (f) => {
      const ours = f[`${name}_ours`];
      const qemu = f[`${name}_qemu`];
      if (ours === undefined || qemu === undefined) return null;
      const ratio = ours / qemu;
      return {
        figure: `ours ${fmt(ours, 0)} ${unit}, qemu-nbd ${fmt(qemu, 0)} ${unit}: **${fmt(ratio, 2)}×**`,
        status: ratio >= 0.9 ? 'met' : 'not met',
      };
    },
  };
}

/** ours ≥ 1.0 × qemu-nbd for one of bench/aged.ts's read figures (both volumes aged alike). */
function agedVsQemu(name: string, label: string): Target {
  return {
    module: 'aged',
    target: `aged volume (1 GiB filled, then 16 s of 4 KiB randwrite QD32): ${label} ≥ 1.0× qemu-nbd`,
    evaluate: (f) => {
      const ours = f[`${name}_ours`];
      const qemu = f[`${name}_qemu`];
      if (ours === undefined || qemu === undefined) return null;
      const ratio = ours / qemu;
      const justAged = name === 'nbdcopy_read_mibps' && f.just_aged_nbdcopy_read_mibps_ratio !== undefined
        ? `; right after the ageing, before any idle time: ${fmt(f.just_aged_nbdcopy_read_mibps_ratio, 2)}×`
        : '';
      return {
        figure: `ours ${fmt(ours, 0)} MiB/s, qemu-nbd ${fmt(qemu, 0)} MiB/s: **${fmt(ratio, 2)}×**${justAged}`,
        status: ratio >= 1.0 ? 'met' : 'not met',
      };
    },
  };
}

const MiB_ = 1024 * 1024;
/**
 * "Resumes the schedule without a burst" (issue 14): no second after a restart is busier than
 * this many times the busiest second of the same schedule undisturbed (the RPO window); above 1
 * for the second-to-second noise of cycles that fall due at their own times.
 */
const RESTART_BURST_MAX = 1.5;
const firstOf = (f: Figures, keys: string[]) => keys.map((k) => f[k]).find((v) => v !== undefined);

export const TARGETS: Target[] = [
  vsQemu('randwrite_4k_qd32_iops', 'IOPS', 'fio 4 KiB randwrite QD32'),
  vsQemu('randread_4k_qd32_iops', 'IOPS', 'fio 4 KiB randread QD32'),
  vsQemu('nbdcopy_read_mibps', 'MiB/s', 'nbdcopy sequential read'),
  agedVsQemu('nbdcopy_read_mibps', 'nbdcopy sequential read'),
  agedVsQemu('seqread_1m_qd8_mibps', 'fio 1 MiB QD8 sequential read'),
  {
    module: 'aged',
    target: 'aged volume: initial copy to another system ≥ 0.9× nbdcopy between the two NBD exports',
    evaluate: (f) => {
      const ours = f.initial_copy_mibps;
      const anchor = f.anchor_nbdcopy_mibps;
      if (ours === undefined || anchor === undefined) return null;
      const ratio = ours / anchor;
      return { figure: `ours ${fmt(ours, 0)} MiB/s, nbdcopy ${fmt(anchor, 0)} MiB/s: **${fmt(ratio, 2)}×**`, status: ratio >= 0.9 ? 'met' : 'not met' };
    },
  },
  {
    module: 'engine',
    target: 'snapshot of a 16 GiB volume ≤ 2× that of a 1 GiB one',
    evaluate: (f) => {
      const small = firstOf(f, ['snapshot_1gib_ms', 'snapshot_full_1gib_ms', 'snapshot_1g_ms']);
      const large = firstOf(f, ['snapshot_16gib_ms', 'snapshot_sparse_16gib_ms', 'snapshot_16g_ms']);
      if (small === undefined || large === undefined) return null;
      const ratio = large / small;
      return { figure: `1 GiB ${fmt(small, 2)} ms, 16 GiB ${fmt(large, 2)} ms: **${fmt(ratio, 2)}×**`, status: ratio <= 2 ? 'met' : 'not met' };
    },
  },
  {
    module: 'replication',
    target: 'initial full copy ≥ 0.7× nbdcopy between the two NBD exports',
    evaluate: (f) => {
      const ours = f.initial_copy_mibps;
      const anchor = f.anchor_nbdcopy_mibps;
      if (ours === undefined || anchor === undefined) return null;
      const ratio = ours / anchor;
      return {
        figure: `${fmt(f.size_gib, 0)} GiB: ours ${fmt(ours, 0)} MiB/s, nbdcopy ${fmt(anchor, 0)} MiB/s: **${fmt(ratio, 2)}×**`,
        status: ratio >= 0.7 ? 'met' : 'not met',
      };
    },
  },
  {
    module: 'replication',
    target: 'cycle after a 1% random 4 KiB change ≥ 5× faster than rsync --inplace --no-whole-file',
    evaluate: (f) => {
      const ours = f.incremental_sync_ms;
      const rsync = f.rsync_ms;
      if (ours === undefined || rsync === undefined) return null;
      const speedup = rsync / ours;
      return {
        figure: `ours ${fmt(ours, 0)} ms, rsync ${fmt(rsync, 0)} ms: **${fmt(speedup, 1)}× faster**`,
        status: speedup >= 5 ? 'met' : 'not met',
      };
    },
  },
  {
    module: 'replication',
    target: 'bytes shipped by that cycle within 10% of bytes changed',
    evaluate: (f) => {
      const shipped = f.incremental_shipped_bytes;
      const changed = f.changed_bytes;
      if (shipped === undefined || changed === undefined) return null;
      const ratio = shipped / changed;
      const wire = f.incremental_wire_bytes === undefined ? '' : `; ${fmt(f.incremental_wire_bytes / MiB_, 2)} MiB on the peer connection (${fmt(f.incremental_wire_bytes / changed, 3)}×)`;
      return {
        figure: `shipped ${fmt(shipped / MiB_, 2)} MiB for ${fmt(changed / MiB_, 2)} MiB changed: **${fmt(ratio, 3)}×**${wire}`,
        status: Math.abs(ratio - 1) <= 0.1 ? 'met' : 'not met',
      };
    },
  },
  {
    module: 'sync',
    target: 'synchronous session: fio 4 KiB randwrite QD1 latency ≤ 2.5× the same volume unprotected',
    evaluate: (f) => {
      if (f.sync_qd1_p50_us === undefined || f.plain_qd1_p50_us === undefined) return null;
      const ratio = f.sync_qd1_p50_us / f.plain_qd1_p50_us;
      return {
        figure:
          `p50 ${fmt(f.sync_qd1_p50_us, 0)} µs vs ${fmt(f.plain_qd1_p50_us, 0)} µs (**${fmt(ratio, 2)}×**), p99 ${fmt(f.sync_qd1_p99_us, 0)} µs vs ${fmt(f.plain_qd1_p99_us, 0)} µs` +
          (f.loopback_rtt_p50_us === undefined ? '' : `; loopback round trip between two Node processes ${fmt(f.loopback_rtt_p50_us, 0)} µs, so synchronous = ${fmt(f.sync_vs_plain_plus_rtt_ratio, 2)}× (plain + one round trip)`),
        status: ratio <= 2.5 ? 'met' : 'not met',
      };
    },
  },
  {
    module: 'sync',
    target: 'synchronous session, in every round: fio 4 KiB randwrite QD1 p50 ≤ unprotected p50 + 1.2 × the loopback round trip of that round',
    evaluate: (f) => {
      if (f.worst_round_ratio === undefined) return null;
      return {
        figure:
          `worst round: sync ${fmt(f.worst_round_sync_p50_us, 0)} µs vs plain ${fmt(f.worst_round_plain_p50_us, 0)} µs + 1.2 × ${fmt(f.worst_round_rtt_p50_us, 0)} µs: **${fmt(f.worst_round_ratio, 2)}×**; ` +
          `${fmt(f.rounds_within_limit, 0)} of ${fmt(f.rounds, 0)} rounds within` +
          (f.worst_round_ratio_vs_tls_rtt === undefined ? '' : `; with the TLS round trip instead (the lane is TLS; median ${fmt(f.loopback_tls_rtt_p50_us, 0)} µs): ${fmt(f.worst_round_ratio_vs_tls_rtt, 2)}×`),
        status: f.worst_round_ratio <= 1 ? 'met' : 'not met',
      };
    },
  },
  {
    module: 'eternus',
    target: 'REC Stack: draining a 1 GiB change (accumulated while suspended; resume → Equivalent) at ≥ 0.7× nbdcopy between the two NBD exports',
    evaluate: (f) => {
      const ours = f.stack_resume_drain_mibps;
      const anchor = f.anchor_nbdcopy_mibps;
      if (ours === undefined || anchor === undefined) return null;
      const ratio = ours / anchor;
      return {
        figure:
          `${fmt(f.stack_size_gib, 0)} GiB: ours ${fmt(ours, 0)} MiB/s, nbdcopy ${fmt(anchor, 0)} MiB/s: **${fmt(ratio, 2)}×**; ` +
          `written while Active instead: write start → Equivalent ${fmt(f.stack_end_to_end_mibps, 0)} MiB/s (${fmt(f.stack_end_to_end_mibps / anchor, 2)}×), ` +
          `${fmt(f.stack_backlog_at_write_end_mb, 0)} MB left at the end of the write, drained in ${fmt(f.stack_drain_ms, 0)} ms`,
        status: ratio >= 0.7 ? 'met' : 'not met',
      };
    },
  },
  {
    module: 'eternus',
    target: 'REC Consistency: destination lag under 50 MiB/s of host writes stays < 2 s (max and p95)',
    evaluate: (f) => {
      const max = f.consistency_lag_max_ms;
      const p95 = f.consistency_lag_p95_ms;
      if (max === undefined || p95 === undefined) return null;
      return {
        figure:
          `max ${fmt(max, 0)} ms (**${fmt(max / 2000, 2)}×** 2 s), p95 ${fmt(p95, 0)} ms (${fmt(p95 / 2000, 2)}×), ` +
          `${fmt(f.consistency_samples, 0)} samples; writes achieved ${fmt(f.consistency_write_mibps, 1)} MiB/s`,
        status: max < 2000 && p95 < 2000 ? 'met' : 'not met',
      };
    },
  },
  {
    module: 'cbt',
    target: 'compute_differences on a 16 GiB volume after a 1% change, against reading both snapshots whole',
    evaluate: (f) => {
      if (f.diff_4k_ms === undefined || f.read_both_ms === undefined) return null;
      return {
        figure:
          `${fmt(f.size_gib, 0)} GiB, ${fmt(f.changed_blocks, 0)} blocks changed: whole-volume bitmap in 4 KiB chunks ${fmt(f.diff_4k_ms, 1)} ms ` +
          `(${fmt(f.diff_4k_calls, 0)} calls), 64 KiB chunks ${fmt(f.diff_64k_ms, 1)} ms; nbdcopy of both snapshots ${fmt(f.read_both_ms, 0)} ms: ` +
          `**${fmt(f.read_both_vs_diff_4k_ratio, 0)}× faster** (${fmt(f.read_both_vs_diff_64k_ratio, 0)}× with 64 KiB chunks)`,
        status: 'reported',
      };
    },
  },
  {
    module: 'api',
    target: 'GET /volume, select + filter over 10,000 volumes: report p50/p99 and requests/s',
    evaluate: (f) => {
      if (f.filter_rps === undefined) return null;
      return {
        figure:
          `p50 ${fmt(f.filter_p50_ms, 2)} ms, p99 ${fmt(f.filter_p99_ms, 2)} ms, ${fmt(f.filter_rps, 0)} req/s ` +
          `(**${fmt(f.filter_vs_health_ratio, 3)}×** health on the same server, over ${fmt(f.volumes, 0)} volumes)`,
        status: 'reported',
      };
    },
  },
  {
    module: 'scale',
    target: 'create a protected volume (16 MiB, Five_Minutes, 4 in flight) < 50 ms p99 at 5,000, no slower than at 250',
    evaluate: (f) => {
      const n = f.scale_max;
      const p99 = n === undefined ? undefined : f[`create_p99_ms_at_${n}`];
      if (n === undefined || p99 === undefined) return null;
      return {
        figure: `at ${fmt(n, 0)}: p50 ${fmt(f[`create_p50_ms_at_${n}`], 1)} ms, p99 ${fmt(p99, 1)} ms (**${fmt(p99 / 50, 2)}×** 50 ms); at 250: p50 ${fmt(f.create_p50_ms_at_250, 1)} ms, p99 ${fmt(f.create_p99_ms_at_250, 1)} ms; ${fmt(n, 0)} vs 250: p50 **${fmt(f.create_p50_ratio, 2)}×**, p99 ${fmt(f.create_p99_ratio, 2)}×`,
        status: n >= 5000 && p99 < 50 ? 'met' : 'not met',
      };
    },
  },
  {
    module: 'scale',
    target: 'every session meets a Five_Minutes RPO while 2% of the volumes take writes',
    evaluate: (f) => {
      if (f.rpo_compliance_pct === undefined) return null;
      return {
        figure: `${fmt(f.rpo_compliance_pct, 2)}% of ${fmt(f.rpo_sessions, 0)} sessions, max lag ${fmt(f.rpo_max_lag_s, 0)} s (**${fmt(f.rpo_max_lag_ratio, 2)}×** 300 s); ${fmt(f.cycles_in_window, 0)} cycles in the window (${fmt(f.cycles_with_data_in_window, 0)} with data); API probe meanwhile p99 ${fmt(f.api_probe_p99_ms, 1)} ms`,
        status: f.scale_max! >= 5000 && f.rpo_compliance_pct === 100 ? 'met' : 'not met',
      };
    },
  },
  {
    module: 'scale',
    target: `restart of either system with 5,000 sessions healthy < 10 s, schedule resumed without a burst (no second after it busier than ${RESTART_BURST_MAX}× the busiest second of the undisturbed schedule)`,
    evaluate: (f) => {
      if (f.restart_a_healthy_s === undefined) return null;
      const worst = Math.max(f.restart_a_healthy_s, f.restart_b_healthy_s ?? 0);
      // Without cycles in the RPO window there is no anchor, and the restarts' counts say nothing.
      const burst = f.restart_a_vs_steady_max_ratio === undefined ? undefined : Math.max(f.restart_a_vs_steady_max_ratio, f.restart_b_vs_steady_max_ratio ?? 0);
      return {
        figure: `site-a ready ${fmt(f.restart_a_ready_s, 1)} s, link OK ${fmt(f.restart_a_healthy_s, 1)} s; site-b ready ${fmt(f.restart_b_ready_s, 1)} s, link OK ${fmt(f.restart_b_healthy_s, 1)} s (**${fmt(f.restart_healthy_vs_empty_start_ratio, 1)}×** an empty system's start, ${fmt(f.empty_start_s, 1)} s); most cycles in one second after: ${fmt(f.restart_a_cycles_max_per_s, 0)} and ${fmt(f.restart_b_cycles_max_per_s, 0)} (${fmt(f.restart_a_burst_ratio, 1)}× and ${fmt(f.restart_b_burst_ratio, 1)}× the mean rate; ${burst === undefined ? 'the busiest second of the undisturbed schedule, the anchor, was not measured in this run' : `**${fmt(burst, 2)}×** the busiest second of the undisturbed schedule, ${fmt(f.steady_cycles_max_per_s, 0)}`})`,
        status: f.scale_max! >= 5000 && worst < 10 && burst !== undefined && burst <= RESTART_BURST_MAX ? 'met' : 'not met',
      };
    },
  },
  {
    module: 'scale',
    target: 'list 5,000 sessions with select: p99 < 100 ms per request (pages of 2,000)',
    evaluate: (f) => {
      if (f.list_sessions_p99_ms === undefined) return null;
      return {
        figure: `p50 ${fmt(f.list_sessions_p50_ms, 1)} ms, p99 ${fmt(f.list_sessions_p99_ms, 1)} ms (**${fmt(f.list_sessions_p99_ms / 100, 2)}×** 100 ms; ${fmt(f.list_vs_health_p99_ratio, 1)}× health's p99 ${fmt(f.health_p99_ms, 1)} ms)`,
        status: f.scale_max! >= 5000 && f.list_sessions_p99_ms < 100 ? 'met' : 'not met',
      };
    },
  },
  {
    module: 'scale',
    target: 'memory per idle protected volume and per session',
    evaluate: (f) => {
      if (f.memory_per_protected_volume_kib === undefined) return null;
      return {
        figure: `V8 heap: ${fmt(f.memory_per_volume_kib, 1)} KiB per plain volume, ${fmt(f.memory_per_protected_volume_kib, 1)} KiB per protected volume (source session ${fmt(f.memory_per_source_session_kib, 1)} KiB), ${fmt(f.memory_per_destination_kib, 1)} KiB per destination volume + session; RSS at ${fmt(f.scale_max, 0)}: ${fmt(f.rss_a_mib, 0)} / ${fmt(f.rss_b_mib, 0)} MiB`,
        status: 'reported',
      };
    },
  },
];

export function evaluateTargets(results: Map<string, ModuleResult>): TargetRow[] {
  return TARGETS.map((t) => {
    const result = results.get(t.module);
    const row = result?.figures ? t.evaluate(result.figures) : null;
    if (!row) return { target: t.target, figure: '—', status: 'not yet measured' as const };
    return { target: t.target, ...row, date: result!.date };
  });
}

function markdownTable(header: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(escape).join(' | ')} |`),
  ].join('\n');
}

/** Console table: every figure of every module, then the targets. */
export function consoleReport(thisRun: ModuleResult[], results: Map<string, ModuleResult>): string {
  const rows: string[][] = [];
  for (const r of thisRun) {
    if (r.status !== 'ok') {
      rows.push([r.name, `(${r.status}${r.error ? `: ${r.error}` : ''})`, '']);
      continue;
    }
    for (const [key, value] of Object.entries(r.figures ?? {})) rows.push([r.name, key, fmt(value, 3)]);
  }
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), 6));
  const lines = rows.map((r) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padStart(widths[2]!)}`);
  lines.push('');
  for (const t of evaluateTargets(results)) lines.push(`[${t.status}] ${t.target}: ${t.figure.replace(/\*\*/g, '')}`);
  return lines.join('\n');
}

/** Describes the anchor of each module, as printed above its figures. */
const MODULE_NOTES: Record<string, string> = {
  engine: 'Storage engine alone (bench/engine.ts), no network.',
  nbd:
    'Our NBD server (real engine, child process) against qemu-nbd on a raw file of the same size in the same run (bench/nbd.ts); ' +
    '`_ratio` is ours / qemu-nbd (for latencies, above 1 means ours is slower).',
  aged:
    'An aged volume (bench/aged.ts): `tandem serve` in a child process (site-a) against qemu-nbd on a sparse raw file, 1 GiB each, both filled by ' +
    'fio (sequential 1 MiB, QD8) then aged by fio 4 KiB randwrite QD32 for `age_seconds` (no random map). `just_aged_*`: one nbdcopy read right ' +
    'after each one\'s ageing. Then, ours having been idle while qemu-nbd was filled and aged, 2 interleaved rounds of `nbdcopy <export> null:` ' +
    'and fio 1 MiB QD8 sequential read, best of the rounds; `_ratio` is ours / qemu-nbd. `ours_defragmented_pages_before_reads`: map pages ' +
    '(4 MiB each) the engine had rewritten in logical order by then. **Initial copy**: site-b paired, rule rpo One_Hour, the aged volume ' +
    'assigned a policy and synced (PATCH → 204 of POST /replication_session/{id}/sync); anchor `nbdcopy --flush` from site-a\'s export to a ' +
    'plain volume on site-b\'s, before and after (mean); the replica is checked against the source (SHA-1). `initial_copy_cpu_s_per_gib_a`/`_b` ' +
    'and `anchor_cpu_s_per_gib_a`/`_b`: CPU seconds (user + system, all threads, /proc) site-a and site-b spent per GiB copied during ours and ' +
    'during the anchor (mean of its two runs; nbdcopy\'s own CPU is not counted).',
  api:
    '`tandem serve` in a child process, 10,000 volumes of 1 MiB created through POST /api/rest/volume, then GETs with 8 in flight ' +
    'over keep-alive HTTPS with Basic auth (bench/api.ts). `filter` = `?select=id,name,size,type,protection_data,volume_groups(id,name)&name=eq.vol-07777`, ' +
    '`page` = `?select=id,name,size&order=name&limit=100&offset=5000`, anchor `health` = `GET /tandem/v1/health` on the same server.',
  replication:
    'Two `tandem serve` processes (site-a, site-b) paired over the PowerStore API, replication rule rpo One_Hour (bench/replication.ts). ' +
    '**Initial copy**: a volume of `size_gib` GiB filled with /dev/urandom data over NBD, then timed from the PATCH that assigns the policy ' +
    'to the 204 of POST /replication_session/{id}/sync (`initial_cycle_logged_ms`: the product\'s own duration of that cycle); anchor ' +
    '`nbdcopy --flush` of the same volume from site-a\'s NBD export to a plain volume on site-b\'s, once before and once after (mean). ' +
    '**Incremental**: fio writes 1% of the volume as unique random 4 KiB blocks, then one sync is timed (POST → 204); anchor ' +
    '`rsync --inplace --no-whole-file A B` between two plain files of the same size after the same fio job (same offsets, checked) on A. ' +
    '`changed_bytes` = unique blocks in fio\'s I/O log × 4096; `incremental_shipped_bytes` = the `bytes` of site-a\'s `cycle committed` log line ' +
    '(no API field reports it); `incremental_wire_bytes` = bytes site-a sent on its TCP connection to site-b\'s peer port over the sync (`ss -ti`), ' +
    'framing and control calls included. The replica is checked against the source (SHA-1 over NBD) after the run.',
  sync:
    'Two `tandem serve` processes paired over the PowerStore API, replication rule rpo Zero (bench/sync.ts). On site-a, `sync-src` (in a ' +
    'Synchronous session, checked in step before and after the run) and `plain` (unprotected), same size; fio 4 KiB randwrite QD1 over NBD, ' +
    'total latency percentiles; after a 1 s warm-up of each, 8 interleaved rounds of `plain` then `sync-src`, medians over the rounds. ' +
    'Each round also times the loopback round trip between two Node processes (4 KiB out, 64 bytes back, QD1; bench/loopback-rtt.ts); ' +
    '`sync_vs_plain_plus_rtt_ratio` = synchronous p50 / (plain p50 + round trip p50), the issue\'s model of a synchronous write. ' +
    '`round_N_ratio` = that round\'s synchronous p50 / (its plain p50 + 1.2 × its round trip); `worst_round_ratio` is the largest (the target: ≤ 1 in every round). The same round trip over TLS with site-a\'s certificate ' +
    '(`loopback_tls_rtt_p50_us`; the lane is TLS) gives `worst_round_ratio_vs_tls_rtt`. CPU per write from /proc: `plain_cpu_us_per_write` (site-a), ' +
    '`sync_cpu_us_per_write_source` and `_destination`.',
  eternus:
    'Two `tandem serve` processes paired over the PowerStore API; REC sessions created and polled through the ETERNUS dialect ' +
    '(Bearer token from POST /api/v1/session, POST /api/v1/copysession/rec, GET /api/v1/copysession/{id}) (bench/eternus.ts). ' +
    '**Stack**: 1 GiB source and destination, session Equivalent, then 1 GiB of /dev/urandom data written with `nbdcopy --flush` over NBD; ' +
    '`stack_drain_ms` = end of the write → phase Equivalent (polled every 50 ms); `stack_backlog_at_write_end_mb` = `uncopied_data_size` read right ' +
    'after the write; `stack_end_to_end_mibps` = 1 GiB / (start of the write → Equivalent). Then the target\'s measurement: the session ' +
    'suspended, 1 GiB of fresh random data written, the session resumed; `stack_resume_drain_mibps` = 1 GiB / (resume → Equivalent). ' +
    'Anchor `nbdcopy --flush` of the same volume from ' +
    'site-a\'s export to a plain volume on site-b\'s. **Consistency**: 2 GiB, fio nbd sequential 1 MiB writes `--rate=50m` for 20 s; every 250 ms ' +
    'site-b\'s PowerStore `replication_session/{id}?select=last_sync_timestamp` (cut time of the last cycle committed on the destination, ms) is read; ' +
    'lag = sample time − max(cut, fio start); `backup_time_*` is the same from the ETERNUS `backup_time` (whole seconds).',
  cbt:
    '`tandem serve` in a child process (bench/cbt.ts). A volume of `size_gib` GiB filled over NBD by fio (sequential 1 MiB, every block ' +
    'allocated), snapshot `full`, fio changes 1% as unique random 4 KiB blocks (`changed_blocks`, from its I/O log), snapshot `incr`. ' +
    '`diff_4k_ms`: the whole volume\'s bitmap of `incr` against `full` through POST /api/rest/volume/{id}/compute_differences in 4 KiB chunks, ' +
    '32,768 chunks a call paged by `next_offset` (`diff_4k_calls` calls), one keep-alive HTTPS connection, Basic auth; checked bit for bit ' +
    'against fio\'s blocks. `diff_64k_ms`: the same in 64 KiB chunks. `allocated_ms`: the allocated bitmap of `full` (no base) in one call. ' +
    'Medians of 5 rounds. Anchor `read_both_ms`: `nbdcopy <snapshot> null:` of `full` then of `incr` from the same server\'s NBD export, ' +
    'what a backup without the changed-block API reads to find the same differences.',
};

export function generatedSection(results: Map<string, ModuleResult>, thisRun: ModuleResult[]): string {
  const out: string[] = [BEGIN, '<!-- Generated by `npm run bench` (bench/run.ts); edits here are overwritten. -->', ''];
  const ranNow = new Map(thisRun.map((r) => [r.name, r]));
  const known = ['engine', 'nbd', 'aged', 'api', 'replication', 'sync', 'eternus', 'cbt'];
  const order = [...known, ...[...results.keys()].filter((k) => !known.includes(k))];
  out.push('### Targets', '');
  out.push(
    markdownTable(
      ['target', 'measured', 'status', 'run'],
      evaluateTargets(results).map((t) => [t.target, t.figure, t.status, t.date ? t.date.slice(0, 10) : '—']),
    ),
  );
  out.push('');
  for (const name of order) {
    const stored = results.get(name);
    const now = ranNow.get(name);
    if (!stored && !now) continue;
    out.push(`### ${name}`, '');
    if (MODULE_NOTES[name]) out.push(MODULE_NOTES[name]!, '');
    if (now && now.status !== 'ok') out.push(`Last attempt (${now.date.slice(0, 16).replace('T', ' ')} UTC): ${now.status}${now.error ? ` — ${now.error}` : ''}.`, '');
    if (!stored?.figures) {
      out.push('Not yet measured.', '');
      continue;
    }
    out.push(`Measured ${stored.date.slice(0, 16).replace('T', ' ')} UTC${stored.seconds ? ` (took ${Math.round(stored.seconds)} s)` : ''} on ${stored.machine}.`, '');
    out.push(markdownTable(['figure', 'value'], Object.entries(stored.figures).map(([k, v]) => [`\`${k}\``, fmt(v, 3)])), '');
  }
  const data: Record<string, ModuleResult> = {};
  for (const [name, r] of results) if (r.figures) data[name] = r;
  out.push(`${DATA_PREFIX}${JSON.stringify(data).replace(/--/g, '\\u002d\\u002d')} -->`, END);
  return out.join('\n');
}

/** Results stored in an existing BENCHMARKS.md, by module. */
export function storedResults(markdown: string): Map<string, ModuleResult> {
  const start = markdown.indexOf(DATA_PREFIX);
  if (start < 0) return new Map();
  const end = markdown.indexOf(' -->', start);
  try {
    const data = JSON.parse(markdown.slice(start + DATA_PREFIX.length, end)) as Record<string, ModuleResult>;
    return new Map(Object.entries(data));
  } catch {
    return new Map();
  }
}

/** Replaces the text between the markers (inclusive), or appends the section when they are absent. */
export function rewriteSection(markdown: string, section: string): string {
  const begin = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  if (begin < 0 || end < begin) return `${markdown.trimEnd()}\n\n${section}\n`;
  return markdown.slice(0, begin) + section + markdown.slice(end + END.length);
}
