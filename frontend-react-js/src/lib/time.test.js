import { describe, expect, it } from 'vitest';
import { expiresIn, timeAgo } from './time.js';

const now = new Date('2026-03-01T12:00:00Z');

describe('relative times from UTC ISO timestamps', () => {
  it.each([
    ['2026-03-01T11:59:58Z', 'now'],
    ['2026-03-01T11:59:30Z', '30s'],
    ['2026-03-01T11:55:00Z', '5m'],
    ['2026-03-01T10:00:00+00:00', '2h'],
    ['2026-03-01T02:00:00-05:00', '5h'],
    ['2026-02-26T12:00:00Z', '3d'],
  ])('%s was %s ago', (iso, expected) => {
    expect(timeAgo(iso, now)).toBe(expected);
  });

  it.each([
    ['2026-03-06T12:00:00Z', 'expires in 5d'],
    ['2026-03-01T13:00:00Z', 'expires in 1h'],
    ['2026-03-01T12:10:00Z', 'expires in 10m'],
    ['2026-03-01T11:00:00Z', 'expired'],
  ])('%s → %s', (iso, expected) => {
    expect(expiresIn(iso, now)).toBe(expected);
  });
});
