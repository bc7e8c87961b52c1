import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_BACKEND_URL, LOCAL_TRACE_VIEWER_URL, readConfig } from './config.js';

describe('config', () => {
  it('defaults a build without VITE_BACKEND_URL to the development backend on localhost:4567, and exports nothing', () => {
    expect(DEVELOPMENT_BACKEND_URL).toBe('http://localhost:4567');
    expect(readConfig({})).toMatchObject({
      backendUrl: DEVELOPMENT_BACKEND_URL,
      otelCollectorUrl: null,
      otelTracesUrl: null,
    });
  });

  it('uses the same origin (the /api proxy) in dev mode', () => {
    expect(readConfig({ DEV: true }).backendUrl).toBe('');
    expect(readConfig({ VITE_BACKEND_URL: '/' }).backendUrl).toBe('');
  });

  it('strips trailing slashes and appends /v1/traces to the collector', () => {
    const config = readConfig({
      VITE_BACKEND_URL: 'https://api.example.com/',
      VITE_OTEL_COLLECTOR_URL: 'http://localhost:4318/',
    });
    expect(config.backendUrl).toBe('https://api.example.com');
    expect(config.otelTracesUrl).toBe('http://localhost:4318/v1/traces');
  });

  it('names the build version and environment for the browser resource, or leaves them out', () => {
    expect(readConfig({})).toMatchObject({ serviceVersion: null, deploymentEnvironment: null });
    expect(readConfig({ DEV: true }).deploymentEnvironment).toBe('development');
    expect(readConfig({ VITE_CRUDDUR_VERSION: ' abc123 ', VITE_CRUDDUR_ENV: 'production' })).toMatchObject({
      serviceVersion: 'abc123',
      deploymentEnvironment: 'production',
    });
    expect(readConfig({ VITE_CRUDDUR_VERSION: '', VITE_CRUDDUR_ENV: ' ' })).toMatchObject({
      serviceVersion: null,
      deploymentEnvironment: null,
    });
  });

  it('links trace ids to the local Jaeger in dev mode, to nothing in a build without VITE_TRACE_VIEWER_URL', () => {
    expect(readConfig({ DEV: true }).traceViewerUrl).toBe(LOCAL_TRACE_VIEWER_URL);
    expect(LOCAL_TRACE_VIEWER_URL).toBe('http://localhost:16686/trace/{trace_id}');
    expect(readConfig({}).traceViewerUrl).toBeNull();
    expect(readConfig({ DEV: true, VITE_TRACE_VIEWER_URL: '' }).traceViewerUrl).toBeNull();
    expect(readConfig({ VITE_TRACE_VIEWER_URL: ' https://ui.honeycomb.io/t/{trace_id} ' }).traceViewerUrl).toBe(
      'https://ui.honeycomb.io/t/{trace_id}',
    );
  });

  it.each([
    [{ VITE_TRACE_VIEWER_URL: 'http://localhost:16686/trace/' }, /\{trace_id\}/],
    [{ VITE_TRACE_VIEWER_URL: 'javascript:alert("{trace_id}")' }, /http or https/],
    [{ VITE_BACKEND_URL: 'localhost:4567' }, /VITE_BACKEND_URL/],
    [{ VITE_BACKEND_URL: 'ftp://x' }, /http or https/],
    [{ VITE_OTEL_COLLECTOR_URL: 'not a url' }, /VITE_OTEL_COLLECTOR_URL/],
  ])('rejects %o', (env, message) => {
    expect(() => readConfig(env)).toThrow(message);
  });
});
