import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiUrl, http, HttpResponse, server } from '../testing/server.js';
import { api, ApiError, parseNextLink, tokenStore } from './client.js';

async function failure(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

// An API at `url` that never answers (a network error); returns the methods it was sent, in order.
function unreachable(url) {
  const methods = [];
  server.use(
    http.all(url, ({ request }) => {
      methods.push(request.method);
      return HttpResponse.error();
    }),
  );
  return methods;
}

describe('api client', () => {
  it('returns data and the next-page URL', async () => {
    server.use(
      http.get(apiUrl('/api/things'), () =>
        HttpResponse.json([1], { headers: { Link: '</api/things?cursor=2>; rel="next"' } }),
      ),
    );
    expect(await api.get('/api/things')).toEqual({ data: [1], next: '/api/things?cursor=2' });
  });

  it('turns 422 bodies into {status, errors}', async () => {
    server.use(http.post(apiUrl('/api/things'), () => HttpResponse.json({ errors: ['a', 'b'] }, { status: 422 })));
    const error = await failure(api.post('/api/things', {}));
    expect(error).toBeInstanceOf(ApiError);
    expect({ status: error.status, errors: error.errors }).toEqual({ status: 422, errors: ['a', 'b'] });
  });

  it('keeps an error body\'s trace_id, and only a well-formed one', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    server.use(
      http.get(apiUrl('/api/things'), () => HttpResponse.json({ errors: ['not_found'], trace_id: traceId }, { status: 404 })),
      http.get(apiUrl('/api/odd'), () =>
        HttpResponse.json({ errors: ['not_found'], trace_id: `${traceId}/../x` }, { status: 404 }),
      ),
    );
    expect((await failure(api.get('/api/things'))).traceId).toBe(traceId);
    expect((await failure(api.get('/api/odd'))).traceId).toBeNull();
    expect(new ApiError(0, ['backend_unavailable']).traceId).toBeNull();
  });

  it('gives non-JSON failures a code from the status', async () => {
    server.use(http.get(apiUrl('/api/things'), () => new HttpResponse('<h1>Bad gateway</h1>', { status: 502 })));
    const error = await failure(api.get('/api/things'));
    expect({ status: error.status, errors: error.errors }).toEqual({ status: 502, errors: ['http_502'] });
  });

  // fetch rejects both when nothing answers and when the browser withholds a cross-origin
  // answer; the client's no-cors HEAD probe of the same URL tells them apart.
  it('says the API did not answer when neither the request nor the probe gets an answer', async () => {
    const methods = [];
    server.use(
      http.all(apiUrl('/api/things'), ({ request }) => {
        methods.push(request.method);
        return HttpResponse.error();
      }),
    );
    const error = await failure(api.get('/api/things'));
    expect({ status: error.status, errors: error.errors }).toEqual({ status: 0, errors: ['backend_unavailable'] });
    expect(methods).toEqual(['GET', 'HEAD']);
  });

  it('says the browser blocked the answer when the probe gets one', async () => {
    server.use(
      http.get(apiUrl('/api/things'), () => HttpResponse.error()),
      http.head(apiUrl('/api/things'), () => new HttpResponse(null, { status: 200 })),
    );
    const error = await failure(api.get('/api/things'));
    expect({ status: error.status, errors: error.errors }).toEqual({ status: 0, errors: ['cors_blocked'] });
  });

  it('probes with a no-cors HEAD, never repeating a write', async () => {
    const seen = [];
    server.use(
      http.all(apiUrl('/api/things'), ({ request }) => {
        seen.push([request.method, request.mode]);
        return request.method === 'HEAD' ? new HttpResponse(null) : HttpResponse.error();
      }),
    );
    await failure(api.post('/api/things', { x: 1 }));
    expect(seen).toEqual([['POST', 'cors'], ['HEAD', 'no-cors']]);
  });

  it('says so when the browser is offline, without probing', async () => {
    vi.spyOn(window.navigator, 'onLine', 'get').mockReturnValue(false);
    const methods = unreachable(apiUrl('/api/things'));
    const error = await failure(api.get('/api/things'));
    expect(error.errors).toEqual(['browser_offline']);
    expect(methods).toEqual(['GET']);
  });

  it('sends the stored bearer token and JSON body', async () => {
    let seen;
    server.use(
      http.post(apiUrl('/api/things'), async ({ request }) => {
        seen = [request.headers.get('Authorization'), request.headers.get('Content-Type'), await request.json()];
        return HttpResponse.json({ ok: true }, { status: 201 });
      }),
    );
    tokenStore.set('abc');
    await api.post('/api/things', { x: 1 });
    expect(seen).toEqual(['Bearer abc', 'application/json', { x: 1 }]);
  });

  it('follows absolute next links', async () => {
    server.use(http.get(apiUrl('/api/things'), () => HttpResponse.json(['page2'])));
    expect((await api.follow(apiUrl('/api/things?cursor=x'))).data).toEqual(['page2']);
  });
});

// A build with an empty VITE_BACKEND_URL (bin/run's, compose's) calls the API on this page's origin.
describe('api client on the same origin', () => {
  const here = (path) => `${window.location.origin}${path}`;

  async function sameOriginClient() {
    vi.resetModules();
    vi.stubEnv('VITE_BACKEND_URL', '');
    return import('./client.js');
  }

  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('calls the API at the address the page was opened at', async () => {
    const { api: local } = await sameOriginClient();
    server.use(http.get(here('/api/things'), () => HttpResponse.json(['here'])));
    expect((await local.get('/api/things')).data).toEqual(['here']);
  });

  it('follows next links on this origin, whatever address the API wrote in them', async () => {
    const { api: local } = await sameOriginClient();
    server.use(http.get(here('/api/things'), ({ request }) => HttpResponse.json([new URL(request.url).search])));
    expect((await local.follow('http://localhost:4567/api/things?cursor=x')).data).toEqual(['?cursor=x']);
  });

  it('says the API did not answer, without a probe: the browser withholds nothing from its own origin', async () => {
    const { api: local } = await sameOriginClient();
    const methods = unreachable(here('/api/things'));
    const error = await failure(local.get('/api/things'));
    expect(error.errors).toEqual(['backend_unavailable']);
    expect(methods).toEqual(['GET']);
  });
});

describe('parseNextLink', () => {
  it.each([
    [null, null],
    ['<https://x/a?c=1>; rel="next"', 'https://x/a?c=1'],
    ['<https://x/a?c=0>; rel="prev", <https://x/a?c=2>; rel="next"', 'https://x/a?c=2'],
    ['<https://x/a>; rel=next', 'https://x/a'],
    ['<https://x/a>; rel="last"', null],
  ])('%s → %s', (header, expected) => {
    expect(parseNextLink(header)).toBe(expected);
  });
});
