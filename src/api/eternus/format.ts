// Core objects as the ETERNUS dialect names them. Field names stay here, in the adapter.
import type { SystemIdentity, Volume } from '../../core/model.ts';
import { ETERNUS_MB_BYTES } from './limits.ts';

export const API_PREFIX = '/api/v1';
/** Tandem has one thin provisioning pool; every volume is a TPV in it. */
export const TPP_ID = 0;
export const TPP_NAME = 'TPP#0';
/** The REST API needs firmware V11L40 or later (research §1.1); GET /storagesystem shows this form. */
export const FIRMWARE_VERSION = 'V11L40-0000';
export const MODEL = 'ETERNUS DX500 S5';

export function volumeHref(volume: Pick<Volume, 'number'>): string {
  return `${API_PREFIX}/volume/${volume.number}`;
}

/** Capacity in MB, rounded down (volumes made through PowerStore may not be whole MB). */
export function capacityMb(sizeBytes: number): number {
  return Math.floor(sizeBytes / ETERNUS_MB_BYTES);
}

export function formatVolume(volume: Volume): Record<string, unknown> {
  return {
    volume_id: volume.number,
    volume_href: volumeHref(volume),
    number: volume.number,
    name: volume.name,
    status: 'Available',
    type: volume.type === 'Snapshot' ? 'SDV' : 'TPV',
    capacity: capacityMb(volume.sizeBytes),
    tpp_id: TPP_ID,
    tpp_name: TPP_NAME,
    uid: volume.wwn.replace(/^naa\./, '').toUpperCase(),
    is_copy_protection_enabled: false,
    tenant_name: volume.tenant,
  };
}

export function formatStorageSystem(identity: SystemIdentity): Record<string, unknown> {
  return {
    boxid: identity.boxId,
    name: identity.name,
    model: MODEL,
    serial_number: identity.serialNumber,
    firmware_version: FIRMWARE_VERSION,
    is_remote_copy_available: true,
    remote_copy_license_type: 'Permanent',
  };
}
