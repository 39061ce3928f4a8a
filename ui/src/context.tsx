// What every page reads: the API client, the live overview, the signed-in user's rights, and a way
// to run an action that shows its outcome (the dialect's message on a refusal).
import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import type { Api } from './api.ts';
import type { Overview } from './types.ts';

export interface Notice {
  id: number;
  tone: 'ok' | 'bad';
  text: string;
}

export interface ConsoleState {
  api: Api;
  overview: Overview | null;
  /** When the overview was read (Date.now()), for the live lag. */
  readAtMs: number;
  /** Re-reads the overview now (after an action, without waiting for the stream). */
  refresh(): Promise<void>;
  /** Runs an action; shows `done` on success or the refusal's message; returns whether it succeeded. */
  run(label: string, action: () => Promise<unknown>, done?: string): Promise<boolean>;
  notices: Notice[];
  dismiss(id: number): void;
}

/** Notices on screen at once; older ones give way. */
const NOTICES_SHOWN_MAX = 3;
const OK_NOTICE_MS = 4_000;
/** A refusal stays long enough to be read (or until dismissed). */
const REFUSAL_NOTICE_MS = 20_000;

export const ConsoleContext = createContext<ConsoleState | null>(null);

export function useConsole(): ConsoleState {
  const state = useContext(ConsoleContext);
  if (!state) throw new Error('useConsole outside the console');
  return state;
}

export function useNotices() {
  const [notices, setNotices] = useState<Notice[]>([]);
  const push = useCallback((tone: Notice['tone'], text: string) => {
    const id = Date.now() + Math.random();
    setNotices((n) => [...n.slice(-(NOTICES_SHOWN_MAX - 1)), { id, tone, text }]);
    setTimeout(() => setNotices((n) => n.filter((x) => x.id !== id)), tone === 'ok' ? OK_NOTICE_MS : REFUSAL_NOTICE_MS);
  }, []);
  const dismiss = useCallback((id: number) => setNotices((n) => n.filter((x) => x.id !== id)), []);
  return { notices, push, dismiss };
}

export function Provider({ value, children }: { value: ConsoleState; children: ReactNode }) {
  return <ConsoleContext.Provider value={value}>{children}</ConsoleContext.Provider>;
}
