// The only module that calls fetch. Every failure, from a 422 to a dropped
// connection, reaches callers as an ApiError with {status, errors:[codes]},
// and the request's `traceId` when the API's error body names it.
// A request the browser could not read says why, as far as the page can know
// (see networkFailure): offline, no answer, or an answer the browser blocked.
import { config } from '../config.js';
import { isTraceId } from '../lib/errors.js';
import { whenTracingReady } from '../telemetry/index.js';

const TOKEN_KEY = 'cruddur.access_token';

export class ApiError extends Error {
  constructor(status, errors, traceId = null) {
    super(`API error ${status}: ${errors.join(', ')}`);
    this.name = 'ApiError';
    this.status = status;
    this.errors = errors;
    this.traceId = isTraceId(traceId) ? traceId : null;
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

// The address requests go to: VITE_BACKEND_URL, or this page's origin.
export function apiBaseUrl() {
  return config.backendUrl || window.location.origin;
}

// Paths are appended to the base, so a backend mounted under a prefix works.
// Absolute URLs (from Link headers) are used as they are, except on a
// same-origin build: there the API is wherever this page was opened, whatever
// public address (BACKEND_URL) the API writes into its links.
function resolveUrl(pathOrUrl) {
  if (!/^https?:\/\//i.test(pathOrUrl)) return `${apiBaseUrl()}${pathOrUrl}`;
  if (config.backendUrl) return pathOrUrl;
  const url = new URL(pathOrUrl);
  return `${window.location.origin}${url.pathname}${url.search}`;
}

// fetch rejects alike when nothing answered and when the browser withheld a
// cross-origin answer (CORS). A same-origin request cannot be withheld; for a
// cross-origin one, a `no-cors` HEAD to the same URL tells the two apart: the
// browser hands an opaque answer to it whenever the server answers at all.
async function networkFailure(url) {
  if (window.navigator.onLine === false) return new ApiError(0, ['browser_offline']);
  if (new URL(url).origin === window.location.origin) return new ApiError(0, ['backend_unavailable']);
  try {
    await window.fetch(url, { method: 'HEAD', mode: 'no-cors', cache: 'no-store' });
  } catch {
    return new ApiError(0, ['backend_unavailable']);
  }
  return new ApiError(0, ['cors_blocked']);
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

// The body's `trace_id` (the request's trace id), kept only when it is one.
function errorTraceId(body) {
  return body && isTraceId(body.trace_id) ? body.trace_id : null;
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
  const url = resolveUrl(path);
  let response;
  try {
    response = await window.fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw await networkFailure(url);
  }

  const data = await readJson(response);
  if (!response.ok) {
    if (response.status === 401 && token) unauthorizedListeners.forEach((fn) => fn());
    throw new ApiError(response.status, errorCodes(response.status, data), errorTraceId(data));
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
