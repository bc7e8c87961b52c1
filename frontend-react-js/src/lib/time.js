// Compact relative times from the API's UTC ISO 8601 timestamps.
const UNITS = [
  ['d', 86400],
  ['h', 3600],
  ['m', 60],
];

function compact(seconds) {
  for (const [suffix, size] of UNITS) {
    if (seconds >= size) return `${Math.floor(seconds / size)}${suffix}`;
  }
  return `${Math.max(0, Math.floor(seconds))}s`;
}

function secondsBetween(fromIso, to) {
  return (to.getTime() - new Date(fromIso).getTime()) / 1000;
}

// "2h" for a crud posted two hours ago; "now" for the last few seconds.
export function timeAgo(iso, now = new Date()) {
  const seconds = secondsBetween(iso, now);
  return seconds < 5 ? 'now' : compact(seconds);
}

// "expires in 5d"; "expired" once the moment has passed.
export function expiresIn(iso, now = new Date()) {
  const seconds = -secondsBetween(iso, now);
  return seconds <= 0 ? 'expired' : `expires in ${compact(seconds)}`;
}

export function formatAbsolute(iso) {
  return new Date(iso).toLocaleString();
}
