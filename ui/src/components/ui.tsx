// Small pieces every page uses: state badges, a progress bar, a sparkline, a confirmation dialog,
// a copy button, a modal form.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { stateLabel, stateTone } from '../logic/format.ts';

export function Badge({ state, label }: { state: string | null | undefined; label?: string }) {
  return (
    <span className={`badge tone-${stateTone(state)}`} data-state={state ?? ''}>
      {label ?? stateLabel(state)}
    </span>
  );
}

export function ProgressBar({ percent, label }: { percent: number | null; label: string }) {
  const value = Math.max(0, Math.min(100, percent ?? 0));
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent ?? undefined} aria-label={label}>
      <div className={value >= 100 ? 'progress-fill progress-done' : 'progress-fill'} style={{ width: `${value}%` }} />
      <span className="progress-text">{percent === null ? '…' : `${Math.floor(value)}%`}</span>
    </div>
  );
}

/** A tiny line chart of (time, value) points over the last hour; the area under it shaded. */
export function Sparkline({ points, label, tone = 'lag', width = 120, height = 28 }: { points: Array<[number, number]>; label: string; tone?: 'lag' | 'rate'; width?: number; height?: number }) {
  if (points.length < 2) return <span className="spark-empty" title={label}>no data yet</span>;
  const t0 = points[0]![0];
  const t1 = points[points.length - 1]![0];
  const max = Math.max(...points.map((p) => p[1]), 1e-9);
  const x = (t: number) => (t1 === t0 ? 0 : ((t - t0) / (t1 - t0)) * (width - 2) + 1);
  const y = (v: number) => height - 2 - (v / max) * (height - 4);
  const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
  const area = `${line} L${x(t1).toFixed(1)},${height - 1} L${x(t0).toFixed(1)},${height - 1} Z`;
  return (
    <svg className={`spark spark-${tone}`} width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <title>{label}</title>
      <path d={area} className="spark-area" />
      <path d={line} className="spark-line" />
    </svg>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Without clipboard access (plain http, permissions), select a hidden field instead.
      const field = document.createElement('textarea');
      field.value = text;
      document.body.appendChild(field);
      field.select();
      document.execCommand('copy');
      field.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <button type="button" className="btn btn-small" onClick={copy} aria-label={`${label} ${text}`}>
      {copied ? 'Copied' : label}
    </button>
  );
}

/** A modal dialog: focus moves in, Escape closes, the form submits with Enter. */
export function Dialog({ title, children, onClose }: { title: string; children: ReactNode; onClose(): void }) {
  const ref = useRef<HTMLDivElement>(null);
  const id = useId();
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('input, select, textarea, button.btn-primary, button.btn-danger');
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
      if (e.key !== 'Tab' || !ref.current) return;
      // Tab stays inside the dialog while it is open (it is modal).
      const focusable = [...ref.current.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input, select, textarea')];
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (!first || !last) return;
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, [onClose]);
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby={id} ref={ref}>
        <h2 id={id}>{title}</h2>
        {children}
      </div>
    </div>
  );
}

export interface ConfirmSpec {
  title: string;
  body: ReactNode;
  confirm: string;
  danger?: boolean;
  action(): Promise<unknown> | void;
}

export function ConfirmDialog({ spec, onClose }: { spec: ConfirmSpec; onClose(): void }) {
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title={spec.title} onClose={onClose}>
      <div className="dialog-body">{spec.body}</div>
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className={spec.danger ? 'btn btn-danger' : 'btn btn-primary'}
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await spec.action();
            } finally {
              setBusy(false);
              onClose();
            }
          }}
        >
          {spec.confirm}
        </button>
      </div>
    </Dialog>
  );
}

export interface Field {
  name: string;
  label: string;
  type?: 'text' | 'number' | 'select' | 'checkbox';
  options?: Array<{ value: string; label: string }>;
  initial?: string;
  placeholder?: string;
  hint?: string;
}

/** A dialog with a small form; submit gets the values by field name. */
export function FormDialog({ title, fields, submit, onClose, submitLabel = 'Save' }: { title: string; fields: Field[]; submit(values: Record<string, string>): Promise<boolean>; onClose(): void; submitLabel?: string }) {
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(fields.map((f) => [f.name, f.initial ?? (f.type === 'select' ? (f.options?.[0]?.value ?? '') : '')])));
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title={title} onClose={onClose}>
      <form
        className="form"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          const ok = await submit(values).finally(() => setBusy(false));
          if (ok) onClose();
        }}
      >
        {fields.map((f) => (
          <label key={f.name} className={f.type === 'checkbox' ? 'field field-check' : 'field'}>
            <span>{f.label}</span>
            {f.type === 'select' ? (
              <select value={values[f.name]} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} name={f.name}>
                {f.options?.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            ) : f.type === 'checkbox' ? (
              <input type="checkbox" name={f.name} checked={values[f.name] === 'true'} onChange={(e) => setValues({ ...values, [f.name]: String(e.target.checked) })} />
            ) : (
              <input type={f.type ?? 'text'} name={f.name} value={values[f.name]} placeholder={f.placeholder} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} />
            )}
            {f.hint ? <small>{f.hint}</small> : null}
          </label>
        ))}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {submitLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/**
 * A list as `useList` reads it: the read's error; "Loading…" until the first answer (unless the
 * read failed, when the error says it all); `empty` when there is nothing; else `children(rows)`.
 */
export function Listed<T>({ items, error, empty, children }: { items: T[] | null; error: string | null; empty: ReactNode; children(rows: T[]): ReactNode }) {
  return (
    <>
      {error ? <p className="form-error">{error}</p> : null}
      {items === null ? error ? null : <Empty>Loading…</Empty> : items.length === 0 ? <Empty>{empty}</Empty> : children(items)}
    </>
  );
}

/** A table column: its heading, and whether it holds numbers (right-aligned). */
export type Column = ReactNode | { label: ReactNode; numeric: true };
/** The row actions' column: no visible heading, named for screen readers. */
export const ACTIONS_COLUMN: Column = <span className="sr-only">Actions</span>;

/** A table in its scrolling frame with one header row; `children` are the body rows. */
export function Table({ columns, className, children }: { columns: Column[]; className?: string; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className={className ? `table ${className}` : 'table'}>
        <thead>
          <tr>
            {columns.map((column, i) =>
              column !== null && typeof column === 'object' && 'numeric' in column ? (
                <th key={i} scope="col" className="num">
                  {column.label}
                </th>
              ) : (
                <th key={i} scope="col">
                  {column}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
