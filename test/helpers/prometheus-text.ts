// A strict reader of the Prometheus text exposition format (version 0.0.4), written from the
// format's description, for tests: every line must be a comment (# HELP / # TYPE), blank, or a
// sample `name{label="value",...} value`; every sample's family must have been typed before it;
// histogram buckets must be cumulative and end at +Inf equal to _count. Throws on anything else.

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: string;
  help: string;
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', ''];

export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${line}`;
    if (line.trim() === '') return;
    if (line.startsWith('# HELP ')) {
      const [name, ...help] = line.slice(7).split(' ');
      if (!NAME.test(name!)) throw new Error(`bad metric name, ${where}`);
      family(families, name!).help = help.join(' ');
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type!)) throw new Error(`bad type, ${where}`);
      const f = family(families, name!);
      if (f.type !== '') throw new Error(`family typed twice, ${where}`);
      f.type = type!;
      return;
    }
    if (line.startsWith('#')) return;
    const sample = parseSample(line, where);
    const owner = SUFFIXES.map((suffix) => (sample.name.endsWith(suffix) ? families.get(sample.name.slice(0, sample.name.length - suffix.length)) : undefined)).find((f) => f && f.type !== '');
    if (!owner) throw new Error(`sample before its # TYPE, ${where}`);
    owner.samples.push(sample);
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function family(families: Map<string, PromFamily>, name: string): PromFamily {
  let f = families.get(name);
  if (!f) families.set(name, (f = { name, type: '', help: '', samples: [] }));
  return f;
}

function parseSample(line: string, where: string): PromSample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$/.exec(line);
  if (!match) throw new Error(`not a sample, ${where}`);
  const labels: Record<string, string> = {};
  let rest = match[3] ?? '';
  while (rest.length > 0) {
    const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/.exec(rest);
    if (!label) throw new Error(`bad labels, ${where}`);
    if (label[1]! in labels) throw new Error(`label repeated, ${where}`);
    labels[label[1]!] = label[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    rest = rest.slice(label[0].length);
  }
  const raw = match[4]!;
  const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw);
  if (raw !== 'NaN' && Number.isNaN(value)) throw new Error(`bad value, ${where}`);
  return { name: match[1]!, labels, value };
}

function checkHistogram(f: PromFamily): void {
  const series = new Map<string, { buckets: Array<{ le: number; value: number }>; count: number | null }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(rest);
    const entry = series.get(key) ?? { buckets: [], count: null };
    series.set(key, entry);
    if (s.name === `${f.name}_bucket`) entry.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), value: s.value });
    if (s.name === `${f.name}_count`) entry.count = s.value;
  }
  for (const [key, entry] of series) {
    for (let i = 1; i < entry.buckets.length; i++) {
      if (entry.buckets[i]!.le <= entry.buckets[i - 1]!.le || entry.buckets[i]!.value < entry.buckets[i - 1]!.value) throw new Error(`${f.name}${key}: buckets not cumulative`);
    }
    const last = entry.buckets.at(-1);
    if (!last || last.le !== Infinity || last.value !== entry.count) throw new Error(`${f.name}${key}: +Inf bucket missing or not equal to _count`);
  }
}

/** The value of the one sample of `name` whose labels include `labels`; throws if not exactly one. */
export function sampleValue(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number {
  const base = [...families.values()].find((f) => f.samples.some((s) => s.name === name));
  const matches = (base?.samples ?? []).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matches.length !== 1) throw new Error(`${name}${JSON.stringify(labels)}: ${matches.length} samples`);
  return matches[0]!.value;
}
