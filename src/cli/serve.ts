// `tandem serve`: runs one system in this process until SIGTERM or SIGINT, then shuts down
// cleanly (stops listeners, closes NBD clients, flushes and checkpoints the engine). Logs go to
// <data>/logs/tandem.log (JSON lines, rotated) and to stderr (readable on a terminal, JSON lines
// when stderr is a pipe, unless --log-format says otherwise).
import { resolve } from 'node:path';
import { createLogger, isLogLevel, LOG_LEVELS, logDirectory, type Logger } from '../observe/logger.ts';
import { startSystem, type RunningSystem } from '../system.ts';
import { portOption, serveStartFailure, UsageError } from './start-errors.ts';

export interface ServeOptions {
  name: string;
  data: string;
  host: string;
  port: string;
  nbdPort: string;
  peerPort: string;
  json?: boolean;
  logLevel?: string;
  logFormat?: string;
  metricsToken?: string;
}

const LOG_FORMATS = ['pretty', 'json', 'off'] as const;
type LogFormat = (typeof LOG_FORMATS)[number];

export async function serve(options: ServeOptions): Promise<RunningSystem> {
  const ports = { https: portOption('--port', options.port), nbd: portOption('--nbd-port', options.nbdPort), peer: portOption('--peer-port', options.peerPort) };
  const level = options.logLevel ?? process.env.TANDEM_LOG_LEVEL ?? 'info';
  if (!isLogLevel(level)) throw new UsageError(`log level ${JSON.stringify(level)} is not one of ${LOG_LEVELS.join(', ')} (--log-level or TANDEM_LOG_LEVEL)`);
  const format = options.logFormat ?? process.env.TANDEM_LOG_FORMAT ?? (process.stderr.isTTY ? 'pretty' : 'json');
  if (!(LOG_FORMATS as readonly string[]).includes(format)) throw new UsageError(`log format ${JSON.stringify(format)} is not one of ${LOG_FORMATS.join(', ')} (--log-format or TANDEM_LOG_FORMAT)`);
  const dataDir = resolve(options.data);
  const color = process.env.TANDEM_LOG_COLOR === '1' || (process.env.TANDEM_LOG_COLOR !== '0' && process.stderr.isTTY === true && !process.env.NO_COLOR);
  const { logger, fileLogger } = createLogger({ level, system: options.name, terminal: format as LogFormat, color, fileDir: logDirectory(dataDir) });
  watchProcess(logger);

  let system: RunningSystem;
  try {
    system = await startSystem({
      name: options.name,
      dataDir,
      host: options.host,
      httpsPort: ports.https,
      nbdPort: ports.nbd,
      peerPort: ports.peer,
      adminPassword: process.env.TANDEM_ADMIN_PASSWORD,
      httpLogging: process.env.TANDEM_HTTP_LOG === '1',
      logger,
      processMetrics: true,
      metricsToken: options.metricsToken ?? process.env.TANDEM_METRICS_TOKEN ?? null,
      // A `stop` fault is a site failure: the process dies as if killed, leaving its data directory
      // as a crash would (what was flushed is there; the next start recovers from the log).
      stopAbruptly: () => {
        logger.warn(`stop fault: ${options.name} stops now, without shutting down`);
        process.kill(process.pid, 'SIGKILL');
      },
    });
  } catch (error) {
    fileLogger.error({ err: error }, 'start failed');
    throw new UsageError(serveStartFailure(error, options.data, ports));
  }
  printReady(system, options, logDirectory(dataDir));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: shutting down ${system.identity.name}`);
    system.close().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return system;
}

function printReady(system: RunningSystem, options: ServeOptions, logDir: string): void {
  const ready = {
    event: 'ready',
    name: system.identity.name,
    https_port: system.ports.https,
    nbd_port: system.ports.nbd,
    peer_port: system.ports.peer,
    url: system.urls.https,
    nbd: system.urls.nbd,
    user: 'admin',
    log_dir: logDir,
    ...(system.generatedAdminPassword ? { generated_admin_password: system.generatedAdminPassword } : {}),
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(ready)}\n`);
    return;
  }
  process.stdout.write(
    [
      `Tandem system ${ready.name} is ready`,
      `  console     ${ready.url}/`,
      `  management  ${ready.url}/api/rest  (PowerStore)   ${ready.url}/api/v1  (ETERNUS)`,
      `  control     ${ready.url}/tandem/v1/health   metrics ${ready.url}/metrics   API docs ${ready.url}/swaggerui`,
      `  NBD         ${ready.nbd}/<volume name>`,
      `  user        admin${system.generatedAdminPassword ? `  password ${system.generatedAdminPassword}  (generated now, shown once)` : ''}`,
      `  ports       https=${ready.https_port} nbd=${ready.nbd_port} peer=${ready.peer_port}`,
      `  logs        ${logDir}/tandem.log`,
      '',
    ].join('\n'),
  );
}

/** Warnings and uncaught errors of the process go to the log (the stack to the file only). */
function watchProcess(logger: Logger): void {
  process.on('warning', (warning) => logger.warn({ warning: warning.name }, warning.message));
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason instanceof Error ? reason : new Error(String(reason)) }, 'unhandled rejection');
    process.exit(1);
  });
}
