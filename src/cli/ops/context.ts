// What every operator command shares: its options, the systems it talks to, how it prints, and
// how it ends (exit 0; 1 when a system refused, with the dialect's message; 2 on a usage error).
import type { Command } from 'commander';
import { UsageError } from '../start-errors.ts';
import { Refusal, TandemClient } from './client.ts';
import { resolveTargets } from './target.ts';

export interface CommonOptions {
  json?: boolean;
  url?: string;
  lab?: string;
  site?: string;
  wait?: boolean;
}

export interface OpsContext {
  options: CommonOptions;
  /** Every system of the lab or --url, or the one --site names. */
  clients: TandemClient[];
  json: boolean;
}

/** Adds the options every operator command takes. */
export function common(command: Command): Command {
  return command
    .option('--json', 'print JSON instead of tables')
    .option('--url <urls>', 'system URL(s), comma-separated, e.g. https://127.0.0.1:8443 (or TANDEM_URL; then TANDEM_USER and TANDEM_PASSWORD)')
    .option('--lab <dir>', 'lab directory (default: .tandem/lab here or in a directory above)')
    .option('--site <name>', 'only this system (site-a, site-b, ...)');
}

export function context(options: CommonOptions): OpsContext {
  const clients = resolveTargets(options).map((t) => new TandemClient(t));
  return { options, clients, json: options.json === true };
}

/** Runs a command body; refusals and usage errors end the process with one line and a status. */
export async function run(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof Refusal) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}

/** The one system a command that changes something acts on: --site, or the first one. */
export function oneClient(ctx: OpsContext): TandemClient {
  return ctx.clients[0]!;
}
