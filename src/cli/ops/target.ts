// Which systems an operator command talks to, and as whom: the sites of the lab in this directory
// (or one above it; lab.json holds the password and the ports), or the systems given by --url /
// TANDEM_URL (comma-separated) with TANDEM_USER and TANDEM_PASSWORD.
import { findLabDir, LAB_BASE_PORT_DEFAULT, labSites, readLabFile } from '../lab-layout.ts';
import { UsageError } from '../start-errors.ts';

export interface Target {
  /** The lab's site name, or the URL's host:port until the system tells its name. */
  name: string;
  /** https://host:port */
  url: string;
  user: string;
  password: string;
}

export interface TargetOptions {
  url?: string;
  lab?: string;
  site?: string;
}

export function resolveTargets(options: TargetOptions, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Target[] {
  const urls = options.url ?? env.TANDEM_URL;
  let targets: Target[];
  if (urls) {
    const password = env.TANDEM_PASSWORD;
    if (!password) throw new UsageError('with --url (or TANDEM_URL), set TANDEM_PASSWORD (and TANDEM_USER unless it is admin)');
    targets = urls.split(',').map((raw) => {
      const url = normalizeUrl(raw.trim());
      return { name: new URL(url).host, url, user: env.TANDEM_USER || 'admin', password };
    });
  } else {
    const labDir = options.lab ?? findLabDir(cwd);
    const lab = labDir ? readLabFile(labDir) : null;
    if (!lab) throw new UsageError('no lab found here (.tandem/lab/lab.json in this directory or above): start one with `npx tandem lab`, or give --url https://HOST:PORT (or TANDEM_URL) with TANDEM_PASSWORD');
    const host = lab.host ?? '127.0.0.1';
    const sites = lab.sites ?? labSites(lab.base_port ?? LAB_BASE_PORT_DEFAULT);
    targets = sites.map((s) => ({ name: s.name, url: `https://${host.includes(':') ? `[${host}]` : host}:${s.https_port}`, user: env.TANDEM_USER || 'admin', password: env.TANDEM_PASSWORD || lab.password }));
  }
  if (options.site) {
    const chosen = targets.filter((t) => t.name === options.site);
    if (chosen.length === 0) throw new UsageError(`no system named ${JSON.stringify(options.site)} here: the systems are ${targets.map((t) => t.name).join(', ')}`);
    return chosen;
  }
  return targets;
}

function normalizeUrl(raw: string): string {
  const withScheme = /^https?:\/\//.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`${JSON.stringify(raw)} is not a URL: give https://HOST:PORT`);
  }
  return `${url.protocol}//${url.host}`;
}
