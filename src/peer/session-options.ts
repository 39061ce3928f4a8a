// HTTP/2 settings shared by both ends of a peer session. Large windows and frames are what make a
// 4 MiB payload travel at memory speed instead of one round trip per 64 KiB (see limits.ts).
import type { Http2Session, Settings } from 'node:http2';
import type { Clock } from '../core/clock.ts';
import {
  PEER_FRAME_BYTES_MAX,
  PEER_SESSION_MEMORY_MIB,
  PEER_SESSION_WINDOW_BYTES,
  PEER_STREAMS_MAX,
  PEER_STREAM_WINDOW_BYTES,
} from './limits.ts';

export const PEER_SETTINGS: Settings = {
  initialWindowSize: PEER_STREAM_WINDOW_BYTES,
  maxFrameSize: PEER_FRAME_BYTES_MAX,
  maxConcurrentStreams: PEER_STREAMS_MAX,
  enablePush: false,
};

export const PEER_SESSION_OPTIONS = {
  settings: PEER_SETTINGS,
  maxSessionMemory: PEER_SESSION_MEMORY_MIB,
  peerMaxConcurrentStreams: PEER_STREAMS_MAX,
};

/**
 * TLS on every peer connection (HTTP/2 sessions and the lane): 1.3 only, AES-128-GCM preferred.
 * Both ends are Tandem, so nothing older is needed; and TLS 1.3's default order puts AES-256-GCM
 * first, which costs a replication stream about 8% more CPU on each end for no protection a
 * link between two arrays needs (scratch run 2026-12-06: 1 GiB through Node TLS on loopback,
 * 1.03-1.07 against 0.96-0.98 CPU-s for both ends together).
 */
export const PEER_TLS_OPTIONS = {
  minVersion: 'TLSv1.3',
  ciphers: 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256',
  honorCipherOrder: true,
} as const;

/** The session-wide receive window is not a SETTINGS value; it is raised once the session is up. */
export function widenSessionWindow(session: Http2Session): void {
  if (!session.destroyed) session.setLocalWindowSize(PEER_SESSION_WINDOW_BYTES);
}

/**
 * Closes a session gracefully and destroys it if it is still open after the grace, on the wall
 * clock: this bounds teardown in real time, and a test's manual clock never advances while
 * close() is awaited.
 */
export function closeWithGrace(session: Http2Session, graceMs: number, wallClock: Clock): Promise<void> {
  if (session.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = wallClock.setTimer(graceMs, () => session.destroy());
    session.once('close', () => {
      timer.cancel();
      resolve();
    });
    session.close();
  });
}

export type PeerLog = (message: string, fields?: Record<string, unknown>) => void;
export const SILENT_LOG: PeerLog = () => {};
