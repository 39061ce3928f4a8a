// Log lines for people: pino writes JSON; on a terminal each line becomes
// `12:03:04.120 INFO  volume created  user=admin id=...`. The JSON file keeps everything (stack
// traces included); the terminal shows the message and the fields, and an error's message only.

const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '\x1b[90m' },
  20: { name: 'DEBUG', color: '\x1b[36m' },
  30: { name: 'INFO ', color: '\x1b[32m' },
  40: { name: 'WARN ', color: '\x1b[33m' },
  50: { name: 'ERROR', color: '\x1b[31m' },
  60: { name: 'FATAL', color: '\x1b[35m' },
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
/** Fields a person reading the terminal does not need (the JSON file keeps them). */
const HIDDEN = new Set(['level', 'time', 'msg', 'system', 'pid', 'hostname', 'stack', 'dialect', 'requestId', 'peerSystemId']);

export function formatPretty(jsonLine: string, color: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine.endsWith('\n') ? jsonLine : `${jsonLine}\n`;
  }
  const level = LEVELS[record.level as number] ?? { name: String(record.level), color: '' };
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 23) : '';
  const fields: string[] = [];
  const message = String(record.msg ?? '');
  for (const [key, value] of Object.entries(record)) {
    if (HIDDEN.has(key) || value === undefined || value === null) continue;
    if (saidIn(message, value)) continue; // the message already says it
    fields.push(`${key}=${fieldText(value)}`);
  }
  const levelText = color ? `${level.color}${level.name}${RESET}` : level.name;
  const timeText = color ? `${DIM}${time}${RESET}` : time;
  const fieldsText = fields.length === 0 ? '' : color ? `  ${DIM}${fields.join(' ')}${RESET}` : `  ${fields.join(' ')}`;
  return `${timeText} ${levelText} ${message}${fieldsText}\n`;
}

function saidIn(message: string, value: unknown): boolean {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return false;
  const text = String(value);
  const at = message.indexOf(text);
  if (text === '' || at < 0) return false;
  const before = message[at - 1];
  const after = message[at + text.length];
  const word = /[\w.-]/;
  return (before === undefined || !word.test(before)) && (after === undefined || !word.test(after));
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (typeof value === 'object' && value !== null && 'message' in value && 'type' in value) return JSON.stringify((value as { message: unknown }).message);
  return JSON.stringify(value);
}

/** A pino destination that formats each JSON line for a terminal and writes it synchronously. */
export function prettyStream(write: (text: string) => void, color: boolean): { write(line: string): boolean } {
  return {
    write(line: string) {
      write(formatPretty(line, color));
      return true;
    },
  };
}
