// The console: sign-in with the system's own users, then a sidebar of pages over one live overview
// read from GET /tandem/v1/stream (server-sent events through fetch, so the Basic credentials go
// along); pages route by the URL's hash.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Api, ApiError, saveCredentials, savedCredentials } from './api.ts';
import { Provider, useNotices, type ConsoleState } from './context.tsx';
import { SseParser } from './logic/sse.ts';
import { CopySessionsPage } from './pages/CopySessions.tsx';
import { EventsPage } from './pages/Events.tsx';
import { FaultsPage } from './pages/Faults.tsx';
import { LoginPage } from './pages/Login.tsx';
import { OverviewPage } from './pages/Overview.tsx';
import { ProtectionPage } from './pages/Protection.tsx';
import { VolumesPage } from './pages/Volumes.tsx';
import type { Overview } from './types.ts';
import { Badge } from './components/ui.tsx';

const PAGES = [
  { id: 'overview', label: 'Overview', Page: OverviewPage },
  { id: 'volumes', label: 'Volumes & groups', Page: VolumesPage },
  { id: 'protection', label: 'Protection', Page: ProtectionPage },
  { id: 'copysessions', label: 'Copy sessions', Page: CopySessionsPage },
  { id: 'faults', label: 'Faults', Page: FaultsPage },
  { id: 'events', label: 'Events', Page: EventsPage },
] as const;

/** After a lost stream, try again after this long. */
const STREAM_RETRY_MS = 2000;

function useHashPage(): string {
  const read = () => window.location.hash.replace(/^#\/?/, '') || 'overview';
  const [page, setPage] = useState(read);
  useEffect(() => {
    const onHash = () => setPage(read());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return page;
}

export function App() {
  const [api, setApi] = useState<Api | null>(() => {
    const saved = savedCredentials();
    return saved ? new Api(saved) : null;
  });
  const signOut = useCallback(() => {
    saveCredentials(null);
    setApi(null);
  }, []);
  if (!api) {
    return (
      <LoginPage
        onSignedIn={(signedIn) => {
          saveCredentials(signedIn.credentials);
          setApi(signedIn);
        }}
      />
    );
  }
  return <Shell api={api} signOut={signOut} />;
}

function Shell({ api, signOut }: { api: Api; signOut(): void }) {
  const [overview, setOverview] = useState<Overview | null>(null);
  const [readAtMs, setReadAtMs] = useState(Date.now());
  const [live, setLive] = useState(false);
  const { notices, push, dismiss } = useNotices();
  const page = useHashPage();
  const [menuOpen, setMenuOpen] = useState(false);
  const mounted = useRef(true);

  const accept = useCallback((o: Overview) => {
    setOverview(o);
    setReadAtMs(Date.now());
  }, []);

  const refresh = useCallback(async () => {
    try {
      accept(await api.control<Overview>('GET', '/overview'));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) signOut();
    }
  }, [api, accept, signOut]);

  useEffect(() => {
    mounted.current = true;
    const abort = new AbortController();
    const connect = async () => {
      while (mounted.current) {
        try {
          const response = await fetch('/tandem/v1/stream', { headers: { authorization: api.authorization, accept: 'text/event-stream' }, signal: abort.signal });
          if (response.status === 401) return signOut();
          if (!response.ok || !response.body) throw new Error(`stream: HTTP ${response.status}`);
          setLive(true);
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          const parser = new SseParser();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            for (const m of parser.push(value)) if (m.event === 'overview') accept(JSON.parse(m.data) as Overview);
          }
        } catch {
          if (abort.signal.aborted) return;
        }
        setLive(false);
        await new Promise((r) => setTimeout(r, STREAM_RETRY_MS));
      }
    };
    void connect();
    return () => {
      mounted.current = false;
      abort.abort();
    };
  }, [api, accept, signOut]);

  const run = useCallback<ConsoleState['run']>(
    async (label, action, done) => {
      try {
        await action();
        push('ok', done ?? `${label}: done`);
        void refresh();
        return true;
      } catch (error) {
        push('bad', `${label}: ${(error as Error).message}`);
        void refresh();
        return false;
      }
    },
    [push, refresh],
  );

  const state: ConsoleState = { api, overview, readAtMs, refresh, run, notices, dismiss };
  const current = PAGES.find((p) => p.id === page) ?? PAGES[0];
  const Page = current.Page;
  return (
    <Provider value={state}>
      <div className="shell">
        <header className="topbar">
          <button type="button" className="btn menu-toggle" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
            Menu
          </button>
          <div className="brand">
            <span className="brand-mark" aria-hidden="true">
              T
            </span>
            Tandem
            <span className="brand-system">{overview?.system.name ?? '…'}</span>
          </div>
          <div className="topbar-right">
            <span className={live ? 'live live-on' : 'live'} title={live ? 'updates live from the system' : 'reconnecting to the system'}>
              {live ? 'live' : 'offline'}
            </span>
            {overview && overview.active_alerts > 0 ? (
              <a href="#/events" className="alerts-link">
                <Badge state="Major" label={`${overview.active_alerts} alert${overview.active_alerts === 1 ? '' : 's'}`} />
              </a>
            ) : null}
            <span className="who">
              {overview?.user.name ?? api.credentials.user}
              <small>
                {overview?.user.role.replace(/_/g, ' ')}
                {overview?.user.tenant ? ` · tenant ${overview.user.tenant}` : ''}
              </small>
            </span>
            <button type="button" className="btn" onClick={signOut}>
              Sign out
            </button>
          </div>
        </header>
        <nav id="nav" className={menuOpen ? 'sidebar open' : 'sidebar'} aria-label="Pages">
          {PAGES.map((p) => (
            <a key={p.id} href={`#/${p.id}`} className={p.id === current.id ? 'nav-link active' : 'nav-link'} aria-current={p.id === current.id ? 'page' : undefined} onClick={() => setMenuOpen(false)}>
              {p.label}
            </a>
          ))}
        </nav>
        <main className="content" id="main">
          {overview ? <Page /> : <p className="empty">Connecting to the system…</p>}
        </main>
        <div className="notices" aria-live="polite">
          {notices.map((n) => (
            <div key={n.id} className={`notice notice-${n.tone}`} role={n.tone === 'bad' ? 'alert' : 'status'}>
              <span>{n.text}</span>
              <button type="button" className="notice-close" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
                ×
              </button>
            </div>
          ))}
        </div>
      </div>
    </Provider>
  );
}
