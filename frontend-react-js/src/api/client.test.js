import { describe, expect, it } from 'vitest';
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

  it('gives non-JSON failures a code from the status', async () => {
    server.use(http.get(apiUrl('/api/things'), () => new HttpResponse('<h1>Bad gateway</h1>', { status: 502 })));
    const error = await failure(api.get('/api/things'));
    expect({ status: error.status, errors: error.errors }).toEqual({ status: 502, errors: ['http_502'] });
  });

  it('turns network failures into status 0 / network_error', async () => {
    server.use(http.get(apiUrl('/api/things'), () => HttpResponse.error()));
    const error = await failure(api.get('/api/things'));
    expect({ status: error.status, errors: error.errors }).toEqual({ status: 0, errors: ['network_error'] });
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
