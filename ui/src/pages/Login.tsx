// Sign-in with one of the system's own users (the admin printed by `npm start`, or any user made
// with POST /tandem/v1/users). The credentials are checked by reading the overview with them.
import { useState } from 'react';
import { Api, ApiError } from '../api.ts';

export function LoginPage({ onSignedIn }: { onSignedIn(api: Api): void }) {
  const [user, setUser] = useState('admin');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div className="login">
      <form
        className="login-card"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          const api = new Api({ user, password });
          try {
            await api.signIn();
            onSignedIn(api);
          } catch (err) {
            setError(err instanceof ApiError && err.status === 401 ? 'Wrong user name or password.' : (err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            T
          </span>
          Tandem
        </div>
        <p className="login-host">{window.location.host}</p>
        <label className="field">
          <span>User</span>
          <input name="user" autoComplete="username" value={user} onChange={(e) => setUser(e.target.value)} required />
        </label>
        <label className="field">
          <span>Password</span>
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required autoFocus />
        </label>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary btn-wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="login-hint">The lab prints the admin password when it starts (and keeps it in lab.json).</p>
      </form>
    </div>
  );
}
