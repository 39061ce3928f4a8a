// The `tandem` command.
import { Command } from 'commander';
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

await program.parseAsync(process.argv);
