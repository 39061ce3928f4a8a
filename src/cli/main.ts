// The `tandem` command.
import { Command } from 'commander';
import { lab } from './lab.ts';
import { serve } from './serve.ts';

const program = new Command();
program.name('tandem').description('Tandem: block storage with remote replication, managed in the PowerStore and ETERNUS dialects');

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
  .action(async (options) => {
    await serve(options);
  });

program
  .command('lab')
  .description('run the two-site lab: site-a and site-b, paired, each in its own process')
  .option('--data <dir>', 'data directory of the lab', '.tandem/lab')
  .option('--host <addr>', 'address to listen on', '127.0.0.1')
  .option('--base-port <port>', 'site-a HTTPS port; site-b uses the next one', '8443')
  .action(async (options) => {
    await lab(options);
  });

await program.parseAsync(process.argv);
