// The one place that reads the build-time environment. Values are checked
// once at start-up so a typo in VITE_BACKEND_URL fails loudly, not per request.

const PRODUCTION_BACKEND_URL = 'http://localhost:4567';

function absoluteHttpUrl(name, value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${name} must use http or https, got "${value}"`);
  }
  return url.href.replace(/\/+$/, '');
}

// An empty or "/" VITE_BACKEND_URL means "same origin": the dev server proxies
// /api to the backend, so that is the default under `vite` (dev mode).
export function readConfig(env) {
  const rawBackend = env.VITE_BACKEND_URL ?? (env.DEV ? '' : PRODUCTION_BACKEND_URL);
  const backend = rawBackend.trim();
  const backendUrl = backend === '' || backend === '/' ? '' : absoluteHttpUrl('VITE_BACKEND_URL', backend);

  const rawCollector = (env.VITE_OTEL_COLLECTOR_URL ?? '').trim();
  const otelCollectorUrl = rawCollector === '' ? null : absoluteHttpUrl('VITE_OTEL_COLLECTOR_URL', rawCollector);

  return Object.freeze({
    backendUrl,
    otelCollectorUrl,
    otelTracesUrl: otelCollectorUrl && `${otelCollectorUrl}/v1/traces`,
    serviceName: 'frontend-react-js',
  });
}

export const config = readConfig(import.meta.env);
