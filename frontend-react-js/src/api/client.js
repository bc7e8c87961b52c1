// The only module that calls fetch. Every failure, from a 422 to a dropped
// connection, reaches callers as an ApiError with {status, errors:[codes]}.
import { config } from '../config.js';
import { whenTracingReady } from '../telemetry/index.js';

const TOKEN_KEY = 'cruddur.access_token';

export class ApiError extends Error {
  constructor(status, errors) {
    super(`API error ${status}: ${errors.join(', ')}`);
    this.name = 'ApiError';
    this.status = status;
    this.errors = errors;
  }
}

export const tokenStore = {
  get: () => window.localStorage.getItem(TOKEN_KEY),
  set: (token) => window.localStorage.setItem(TOKEN_KEY, token),
  clear: () => window.localStorage.removeItem(TOKEN_KEY),
};

const unauthorizedListeners = new Set();

// The user context subscribes so an expired token signs the user out.
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

// Paths are appended to the base, so a backend mounted under a prefix works;
// absolute URLs (from Link headers) are used as they are.
function resolveUrl(pathOrUrl) {
  if (/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
  return `${config.backendUrl || window.location.origin}${pathOrUrl}`;
}

// Link: <https://host/api/activities/home?cursor=abc>; rel="next"
export function parseNextLink(header) {
  if (!header) return null;
  for (const part of header.split(',')) {
    const match = part.match(/<([^>]*)>\s*;(.*)/);
    if (match && /rel="?([^";]*\s)?next(\s[^";]*)?"?/i.test(match[2])) {
      return match[1];
    }
  }
  return null;
}

async function readJson(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorCodes(status, body) {
  const errors = body && Array.isArray(body.errors) ? body.errors.filter((e) => typeof e === 'string') : [];
  return errors.length ? errors : [`http_${status}`];
}

async function send(method, path, body) {
  const headers = { Accept: 'application/json' };
  const token = tokenStore.get();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  // Tracing patches window.fetch when its chunk loads; wait for it so the
  // request carries a traceparent, and look fetch up at call time.
  await whenTracingReady();
  let response;
  try {
    response = await window.fetch(resolveUrl(path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, ['network_error']);
  }

  const data = await readJson(response);
  if (!response.ok) {
    if (response.status === 401 && token) unauthorizedListeners.forEach((fn) => fn());
    throw new ApiError(response.status, errorCodes(response.status, data));
  }
  if (data === undefined) throw new ApiError(response.status, ['invalid_response']);
  return { data, next: parseNextLink(response.headers.get('Link')) };
}

export const api = {
  get: (path) => send('GET', path),
  post: (path, body = {}) => send('POST', path, body),
  // `next` is the URL from a previous response's Link header.
  follow: (next) => send('GET', next),
};
