// The `tandem` command: `serve` and `lab` run systems; the operator commands (`status`, `volume`,
// `session`, `fault`) talk to running systems over their PowerStore and control APIs. A refusal
// or a usage error ends in one line on stderr and a non-zero status, never a stack trace.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { lab } from './lab.ts';
import { LAB_BASE_PORT_DEFAULT, LAB_DIR_DEFAULT } from './lab-layout.ts';
import { common, context, run, type CommonOptions } from './ops/context.ts';
import { registerEventCommands } from './ops/event-commands.ts';
import { registerFaultCommands } from './ops/fault-commands.ts';
import { registerSessionCommands } from './ops/session-commands.ts';
import { status } from './ops/status.ts';
import { registerVolumeCommands } from './ops/volume-commands.ts';
import { serve } from './serve.ts';
import { UsageError } from './start-errors.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const program = new Command();
program
  .name('tandem')
  .description('Tandem: block storage with remote replication, managed in the PowerStore and ETERNUS dialects')
  .version(VERSION, '-V, --version', 'print the version')
  .showHelpAfterError('(add --help for usage)')
  .addHelpText(
    'after',
    `
In a lab directory (where \`npm start\` / \`tandem lab\` keeps ${LAB_DIR_DEFAULT}) the operator commands
find the systems and the password themselves; elsewhere give --url (or TANDEM_URL) with
TANDEM_USER and TANDEM_PASSWORD. Exit status: 0 done, 1 refused by a system (its message is
printed), 2 usage error. \`tandem events\` shows what happened (--follow, --alerts); the log
files (<data>/logs/tandem.log) hold every line.`,
  );

program
  .command('serve')
  .description('run one system')
  .option('--name <name>', 'system name', 'tandem')
  .option('--data <dir>', 'data directory', '.tandem/system')
  .option('--host <addr>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'HTTPS management port (0 = any free port)', '8443')
  .option('--nbd-port <port>', 'NBD port (0 = any free port)', '10809')
  .option('--peer-port <port>', 'replication peer port (0 = any free port)', '0')
  .option('--json', 'print the ready line as JSON')
  .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (or TANDEM_LOG_LEVEL; default info)')
  .option('--log-format <format>', 'stderr log lines: pretty, json or off (or TANDEM_LOG_FORMAT; default pretty on a terminal, json otherwise)')
  .option('--metrics-token <token>', 'bearer token Prometheus may read /metrics with (or TANDEM_METRICS_TOKEN); admin Basic auth always may')
  .action(async (options) => {
    await serve(options);
  });

program
  .command('lab')
  .description('run the two-site lab: site-a and site-b, paired, each in its own process')
  .option('--data <dir>', 'data directory of the lab', LAB_DIR_DEFAULT)
  .option('--host <addr>', 'address to listen on', '127.0.0.1')
  .option('--base-port <port>', 'site-a HTTPS port; site-b uses the next one, peers +100/+101, NBD +2366/+2367', String(LAB_BASE_PORT_DEFAULT))
  .option('--log-level <level>', "the sites' log level (or TANDEM_LOG_LEVEL; default info)")
  .action(async (options) => {
    await lab(options);
  });

common(program.command('status').description('systems, peer links and sessions with state, lag and RPO compliance')).action((o: CommonOptions) => run(() => status(context(o))));
registerVolumeCommands(program);
registerSessionCommands(program);
registerFaultCommands(program);
registerEventCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(2);
}
