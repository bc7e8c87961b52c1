// The one place that reads the build-time environment. Values are checked
// once at start-up so a typo in VITE_BACKEND_URL (or VITE_OTEL_COLLECTOR_URL,
// VITE_TRACE_VIEWER_URL) fails loudly, not per request.

// A build without VITE_BACKEND_URL calls the API on the developer's own machine, at the backend's default
// port: a development default, not a production address. Deployed builds set VITE_BACKEND_URL (bin/run's
// and compose's set it empty: same origin).
export const DEVELOPMENT_BACKEND_URL = 'http://localhost:4567';
// Jaeger's UI in the local stack (compose's `jaeger`, UI on :16686): where an error's trace id links.
export const LOCAL_TRACE_VIEWER_URL = 'http://localhost:16686/trace/{trace_id}';

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
  const rawBackend = env.VITE_BACKEND_URL ?? (env.DEV ? '' : DEVELOPMENT_BACKEND_URL);
  const backend = rawBackend.trim();
  const backendUrl = backend === '' || backend === '/' ? '' : absoluteHttpUrl('VITE_BACKEND_URL', backend);

  const rawCollector = (env.VITE_OTEL_COLLECTOR_URL ?? '').trim();
  const otelCollectorUrl = rawCollector === '' ? null : absoluteHttpUrl('VITE_OTEL_COLLECTOR_URL', rawCollector);

  // A URL template with `{trace_id}`; empty: trace ids show as text, with no link.
  const rawViewer = (env.VITE_TRACE_VIEWER_URL ?? (env.DEV ? LOCAL_TRACE_VIEWER_URL : '')).trim();
  if (rawViewer !== '' && !rawViewer.includes('{trace_id}')) {
    throw new Error(`VITE_TRACE_VIEWER_URL must contain {trace_id}, got "${rawViewer}"`);
  }
  if (rawViewer !== '') absoluteHttpUrl('VITE_TRACE_VIEWER_URL', rawViewer.replaceAll('{trace_id}', '0'.repeat(32)));

  return Object.freeze({
    backendUrl,
    otelCollectorUrl,
    otelTracesUrl: otelCollectorUrl && `${otelCollectorUrl}/v1/traces`,
    serviceName: 'frontend-react-js',
    // The browser's resource mirrors the backend's (service.version, deployment.environment.name).
    serviceVersion: (env.VITE_CRUDDUR_VERSION ?? '').trim() || null,
    deploymentEnvironment: (env.VITE_CRUDDUR_ENV ?? '').trim() || (env.DEV ? 'development' : null),
    traceViewerUrl: rawViewer === '' ? null : rawViewer,
  });
}

export const config = readConfig(import.meta.env);
