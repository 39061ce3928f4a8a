// Hosts (initiators) and their volume mappings.
import type { CoreContext } from './context.ts';
import { InUseError, NameInUseError, NotFoundError, ValidationError } from './errors.ts';
import type { Host, HostInitiator } from './model.ts';
import { checkEnum, checkMetadata, checkName } from './validate.ts';

export const OS_TYPES = ['Windows', 'Linux', 'ESXi', 'AIX', 'HP-UX', 'Solaris', 'AHV'] as const;
export const PORT_TYPES = ['iSCSI', 'FC', 'NVMe', 'NVMe_vVol'] as const;
export const HOST_CONNECTIVITY = ['Local_Only', 'Metro_Optimize_Both', 'Metro_Optimize_Local', 'Metro_Optimize_Remote'] as const;

/** One entry of host_modify.modify_initiators: new CHAP usernames for an existing initiator. */
export interface ChapUpdate {
  portName: string;
  chapSingleUsername?: string;
  chapMutualUsername?: string;
}

/** CHAP usernames are 1 to 64 characters (initiator_create_modify in the 4.1 schema). */
const CHAP_USERNAME_CHARS_MAX = 64;

function checkChap(i: { chapSingleUsername?: string | null; chapMutualUsername?: string | null }): void {
  if (i.chapSingleUsername != null) checkName('chap_single_username', i.chapSingleUsername, CHAP_USERNAME_CHARS_MAX);
  if (i.chapMutualUsername != null) checkName('chap_mutual_username', i.chapMutualUsername, CHAP_USERNAME_CHARS_MAX);
}

function applyChapUpdates(initiators: HostInitiator[], updates: ChapUpdate[]): HostInitiator[] {
  const next = initiators.map((i) => ({ ...i }));
  for (const u of updates) {
    const target = next.find((i) => i.portName === u.portName);
    if (!target) throw new ValidationError(`Host initiator ${u.portName} does not exist.`, 'modify_initiators');
    checkChap(u);
    if (u.chapSingleUsername !== undefined) target.chapSingleUsername = u.chapSingleUsername;
    if (u.chapMutualUsername !== undefined) target.chapMutualUsername = u.chapMutualUsername;
  }
  return next;
}

export interface HostInput {
  name: string;
  osType: string;
  initiators: HostInitiator[];
  description?: string | null;
  hostConnectivity?: string;
  metadata?: Record<string, string> | null;
}

export class HostService {
  constructor(private readonly ctx: CoreContext) {}

  get(id: string): Host {
    const host = this.ctx.meta.get('host', id);
    if (!host) throw new NotFoundError('host', id);
    return host;
  }

  create(input: HostInput): Promise<Host> {
    return this.ctx.lock.run(async () => {
      const name = this.checkNewName(input.name);
      const host: Host = {
        id: this.ctx.ids.uuid(),
        name,
        description: input.description ?? null,
        osType: checkEnum('os_type', input.osType, OS_TYPES),
        initiators: this.checkInitiators(input.initiators, null),
        hostConnectivity: checkEnum('host_connectivity', input.hostConnectivity ?? 'Local_Only', HOST_CONNECTIVITY),
        metadata: input.metadata == null ? null : checkMetadata('metadata', input.metadata),
      };
      this.ctx.meta.put('host', host);
      return host;
    });
  }

  modify(id: string, input: Partial<HostInput> & { addInitiators?: HostInitiator[]; removeInitiators?: string[]; modifyInitiators?: ChapUpdate[] }): Promise<Host> {
    return this.ctx.lock.run(async () => {
      const host = this.get(id);
      const next = { ...host };
      if (input.name !== undefined && input.name !== host.name) next.name = this.checkNewName(input.name);
      if (input.description !== undefined) next.description = input.description;
      if (input.hostConnectivity !== undefined) next.hostConnectivity = checkEnum('host_connectivity', input.hostConnectivity, HOST_CONNECTIVITY);
      if (input.removeInitiators) {
        for (const port of input.removeInitiators) {
          if (!next.initiators.some((i) => i.portName === port)) throw new ValidationError(`Host initiator ${port} does not exist.`, 'remove_initiators');
        }
        next.initiators = next.initiators.filter((i) => !input.removeInitiators!.includes(i.portName));
      }
      if (input.addInitiators) next.initiators = [...next.initiators, ...this.checkInitiators(input.addInitiators, id)];
      if (input.modifyInitiators) next.initiators = applyChapUpdates(next.initiators, input.modifyInitiators);
      this.ctx.meta.put('host', next);
      return next;
    });
  }

  delete(id: string): Promise<void> {
    return this.ctx.lock.run(async () => {
      const host = this.get(id);
      if (this.ctx.meta.list('host_volume_mapping').some((m) => m.hostId === id)) {
        throw new InUseError(`Host ${host.name} has volumes attached; detach them first.`, 'host', id);
      }
      this.ctx.meta.delete('host', id);
    });
  }

  private checkNewName(name: unknown): string {
    const checked = checkName('name', name);
    if (this.ctx.meta.list('host').some((h) => h.name === checked)) throw new NameInUseError('host', checked);
    return checked;
  }

  private checkInitiators(initiators: HostInitiator[], hostId: string | null): HostInitiator[] {
    const taken = new Set(this.ctx.meta.list('host').filter((h) => h.id !== hostId).flatMap((h) => h.initiators.map((i) => i.portName)));
    for (const i of initiators) {
      checkName('port_name', i.portName, 256);
      checkEnum('port_type', i.portType, PORT_TYPES);
      checkChap(i);
      if (taken.has(i.portName)) throw new InUseError(`Host initiator ${i.portName} already exists.`, 'host');
      taken.add(i.portName);
    }
    return initiators;
  }
}
