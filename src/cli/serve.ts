// `tandem serve`: runs one system in this process until SIGTERM or SIGINT, then shuts down
// cleanly (stops listeners, closes NBD clients, flushes and checkpoints the engine).
import { resolve } from 'node:path';
import { startSystem, type RunningSystem } from '../system.ts';

export interface ServeOptions {
  name: string;
  data: string;
  host: string;
  port: string;
  nbdPort: string;
  peerPort: string;
  json?: boolean;
}

export async function serve(options: ServeOptions): Promise<RunningSystem> {
  const system = await startSystem({
    name: options.name,
    dataDir: resolve(options.data),
    host: options.host,
    httpsPort: Number(options.port),
    nbdPort: Number(options.nbdPort),
    peerPort: Number(options.peerPort),
    adminPassword: process.env.TANDEM_ADMIN_PASSWORD,
    httpLogging: process.env.TANDEM_HTTP_LOG === '1',
    log: (message, fields) => process.stderr.write(`${JSON.stringify({ level: 'info', system: options.name, message, ...fields })}\n`),
    // A `stop` fault is a site failure: the process dies as if killed, leaving its data directory
    // as a crash would (what was flushed is there; the next start recovers from the log).
    stopAbruptly: () => {
      process.stderr.write(`stop fault: ${options.name} stops now, without shutting down\n`);
      process.kill(process.pid, 'SIGKILL');
    },
  });
  const ready = {
    event: 'ready',
    name: system.identity.name,
    https_port: system.ports.https,
    nbd_port: system.ports.nbd,
    peer_port: system.ports.peer,
    url: system.urls.https,
    nbd: system.urls.nbd,
    user: 'admin',
    ...(system.generatedAdminPassword ? { generated_admin_password: system.generatedAdminPassword } : {}),
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(ready)}\n`);
  } else {
    process.stdout.write(
      [
        `Tandem system ${ready.name} is ready`,
        `  management  ${ready.url}/api/rest  (PowerStore)   ${ready.url}/tandem/v1/health`,
        `  NBD         ${ready.nbd}/<volume name>`,
        `  user        admin${system.generatedAdminPassword ? `  password ${system.generatedAdminPassword}  (generated now, shown once)` : ''}`,
        `  ports       https=${ready.https_port} nbd=${ready.nbd_port} peer=${ready.peer_port}`,
        '',
      ].join('\n'),
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: shutting down ${ready.name}\n`);
    system.close().then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return system;
}
