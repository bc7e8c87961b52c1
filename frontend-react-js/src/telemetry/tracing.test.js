import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../api/client.js';
import { readConfig } from '../config.js';
import { apiUrl, http, HttpResponse, server } from '../testing/server.js';
import { registerTracing, resourceAttributes } from './tracing.js';

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

// Registration wraps the global fetch, so it must happen after MSW's own
// fetch interceptor is installed (the setup file's beforeAll runs first).
// No collector URL is configured: any export attempt would be an unhandled
// request, which the MSW server turns into a failure.
let provider;
beforeAll(async () => {
  provider = await registerTracing(readConfig({ VITE_BACKEND_URL: apiUrl('') }));
});
afterAll(() => provider.shutdown());

describe('browser tracing without a collector', () => {
  it('still propagates a sampled W3C traceparent to the backend', async () => {
    const seen = [];
    server.use(
      http.get(apiUrl('/api/activities/home'), ({ request }) => {
        seen.push(request.headers.get('traceparent'));
        return HttpResponse.json([]);
      }),
    );

    await api.get('/api/activities/home');
    await api.get('/api/activities/home');
    await provider.forceFlush();

    expect(seen).toHaveLength(2);
    seen.forEach((header) => expect(header).toMatch(TRACEPARENT));
    const [first, second] = seen.map((header) => header.split('-')[1]);
    expect(first).not.toBe(second);
    // X-Ray compatible: the first 8 hex digits are the epoch seconds.
    const epoch = Number.parseInt(first.slice(0, 8), 16);
    expect(Math.abs(epoch - Date.now() / 1000)).toBeLessThan(3600);
  });

  it('does not send traceparent to other origins', async () => {
    let traceparent = 'unset';
    server.use(
      http.get('http://elsewhere.test/thing', ({ request }) => {
        traceparent = request.headers.get('traceparent');
        return HttpResponse.json({});
      }),
    );
    await window.fetch('http://elsewhere.test/thing');
    expect(traceparent).toBeNull();
  });
});

describe('browser resource', () => {
  it('names the version and environment when the configuration has them', () => {
    expect(resourceAttributes({ serviceName: 'frontend-react-js' })).toEqual({ 'service.name': 'frontend-react-js' });
    expect(
      resourceAttributes({ serviceName: 'frontend-react-js', serviceVersion: 'abc123', deploymentEnvironment: 'production' }),
    ).toEqual({
      'service.name': 'frontend-react-js',
      'service.version': 'abc123',
      'deployment.environment.name': 'production',
    });
  });
});
