// Browser tracing lives in its own chunk, loaded after the first render, so
// the OpenTelemetry SDK is not part of the initial bundle.
import { config } from '../config.js';

let ready = Promise.resolve();

// Never let a slow or failed tracing chunk hold requests back for long.
const MAX_WAIT_MS = 1500;

export function startTracing() {
  const loading = import('./tracing.js')
    .then(({ registerTracing }) => registerTracing(config))
    .catch((error) => console.warn('Cruddur tracing disabled:', error));
  ready = Promise.race([loading, new Promise((resolve) => setTimeout(resolve, MAX_WAIT_MS))]);
  return ready;
}

export function whenTracingReady() {
  return ready;
}
