// Builders for API payloads, shaped like the backend's JSON.
let sequence = 0;
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

export const iso = (ms) => new Date(ms).toISOString();

export function makeActivity(overrides = {}) {
  sequence += 1;
  const now = Date.now();
  return {
    uuid: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    handle: 'andrewbrown',
    display_name: 'Andrew Brown',
    message: `Crud number ${sequence}`,
    created_at: iso(now - 2 * HOUR),
    expires_at: iso(now + 5 * DAY + HOUR),
    likes_count: 0,
    replies_count: 0,
    reposts_count: 0,
    reply_to_activity_uuid: null,
    replies: [],
    ...overrides,
  };
}

export const andrew = { uuid: 'u-andrew', handle: 'andrewbrown', display_name: 'Andrew Brown', bio: 'Cloud guy' };
export const bayko = { uuid: 'u-bayko', handle: 'bayko', display_name: 'Bayko' };

export function makeMessage(overrides = {}) {
  sequence += 1;
  return {
    uuid: `m-${sequence}`,
    handle: 'bayko',
    display_name: 'Bayko',
    message: `Message ${sequence}`,
    created_at: iso(Date.now() - HOUR),
    ...overrides,
  };
}
