import { useCallback, useEffect, useState } from 'react';
import { useConsole } from './context.tsx';

/** The time now, moving every `everyMs` (the live lag between two overviews). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/**
 * A list read from an API, read again whenever the overview says something changed on the system
 * (its last event id, or the sessions' states) and on demand.
 */
export function useList<T>(read: () => Promise<T[]>, deps: unknown[] = []): { items: T[] | null; error: string | null; reload(): void } {
  const { overview } = useConsole();
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const changeKey = `${overview?.last_event_id ?? ''}|${overview?.sessions.map((s) => `${s.id}:${s.state}:${s.role}`).join(',') ?? ''}|${overview?.system.volumes ?? ''}`;
  useEffect(() => {
    let alive = true;
    read().then(
      (r) => alive && (setItems(r), setError(null)),
      (e: Error) => alive && setError(e.message),
    );
    return () => {
      alive = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [changeKey, tick, ...deps]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { items, error, reload };
}
