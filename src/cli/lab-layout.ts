// Where the lab's systems listen, from its base port: what `tandem lab` opens and what the
// operator commands read back from lab.json to find the systems without being told.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Offsets from --base-port: HTTPS on base and base+1, peer links 100 above, NBD 2366 above (10809 for base 8443). */
export const LAB_PORT_OFFSETS = { https: [0, 1], peer: [100, 101], nbd: [2366, 2367] } as const;
export const LAB_SITE_NAMES = ['site-a', 'site-b'] as const;
export const LAB_DIR_DEFAULT = '.tandem/lab';
export const LAB_BASE_PORT_DEFAULT = 8443;

export interface LabSite {
  name: string;
  https_port: number;
  nbd_port: number;
  peer_port: number;
}

export interface LabFile {
  password: string;
  host?: string;
  base_port?: number;
  sites?: LabSite[];
}

export function labSites(basePort: number): LabSite[] {
  return LAB_SITE_NAMES.map((name, i) => ({
    name,
    https_port: basePort + LAB_PORT_OFFSETS.https[i]!,
    nbd_port: basePort + LAB_PORT_OFFSETS.nbd[i]!,
    peer_port: basePort + LAB_PORT_OFFSETS.peer[i]!,
  }));
}

export function readLabFile(labDir: string): LabFile | null {
  const file = join(labDir, 'lab.json');
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as LabFile;
}

/** The lab directory of `cwd` or of a directory above it (like git finds its repository). */
export function findLabDir(cwd: string): string | null {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, LAB_DIR_DEFAULT);
    if (existsSync(join(candidate, 'lab.json'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}
