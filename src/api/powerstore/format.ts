// PowerStore value formats: date-times with an explicit +00:00 offset, and the en-US `_l10n`
// copies of enum values (underscores become spaces).

export function timestamp(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

export function l10n(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.replace(/_/g, ' ');
}
