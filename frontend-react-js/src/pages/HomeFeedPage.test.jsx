import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { makeActivity } from '../testing/fixtures.js';
import { renderApp } from '../testing/render.jsx';
import { API, apiUrl, http, HttpResponse, server } from '../testing/server.js';

describe('home feed', () => {
  it('renders activities with names, handles, relative times and counts', async () => {
    const reply = makeActivity({ handle: 'bayko', display_name: 'Bayko', message: 'Agreed!' });
    const crud = makeActivity({ message: 'Cloud is fun', replies_count: 1, likes_count: 3, replies: [reply] });
    server.use(http.get(apiUrl('/api/activities/home'), () => HttpResponse.json([crud])));

    renderApp('/');

    const item = (await screen.findByText('Cloud is fun')).closest('article');
    expect(within(item).getAllByText('Andrew Brown')[0]).toBeInTheDocument();
    expect(within(item).getAllByText('@andrewbrown')[0]).toHaveAttribute('href', '/@andrewbrown');
    expect(within(item).getAllByText('2h')[0]).toBeInTheDocument();
    expect(within(item).getAllByText('expires in 5d')[0]).toBeInTheDocument();
    expect(within(item).getAllByTestId('replies-count')[0]).toHaveTextContent('1');
    expect(within(item).getByText('Agreed!')).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'New crud' })).not.toBeInTheDocument();
  });

  it('shows an empty state', async () => {
    renderApp('/');
    expect(await screen.findByText('No cruds yet. Be the first!')).toBeInTheDocument();
  });

  it('renders message and name text literally, never as HTML', async () => {
    const evil = makeActivity({
      display_name: '<b id="bold">Mallory</b>',
      message: '<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>',
    });
    server.use(http.get(apiUrl('/api/activities/home'), () => HttpResponse.json([evil])));

    const { container } = renderApp('/');

    expect(await screen.findByText(evil.message)).toBeInTheDocument();
    expect(screen.getAllByText('<b id="bold">Mallory</b>')[0]).toBeInTheDocument();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('#bold')).toBeNull();
    expect(window.pwned).toBeUndefined();
  });

  it('follows the Link rel="next" header to load more', async () => {
    const first = makeActivity({ message: 'Page one crud' });
    const second = makeActivity({ message: 'Page two crud' });
    const cursors = [];
    server.use(
      http.get(apiUrl('/api/activities/home'), ({ request }) => {
        const cursor = new URL(request.url).searchParams.get('cursor');
        cursors.push(cursor);
        if (cursor === 'abc') return HttpResponse.json([second]);
        return HttpResponse.json([first], {
          headers: { Link: `<${apiUrl('/api/activities/home?cursor=abc')}>; rel="next"` },
        });
      }),
    );

    const { user } = renderApp('/');
    await screen.findByText('Page one crud');
    await user.click(screen.getByRole('button', { name: 'Load more' }));

    expect(await screen.findByText('Page two crud')).toBeInTheDocument();
    expect(screen.getByText('Page one crud')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
    expect(cursors).toEqual([null, 'abc']);
  });

  it('says the API did not answer, with its address, when it does not', async () => {
    server.use(http.all(apiUrl('/api/activities/home'), () => HttpResponse.error()));
    renderApp('/');
    const alert = await screen.findByRole('alert');
    const message = within(alert).getByText(`The API at ${API} did not answer.`);
    expect(message).toHaveAttribute('data-code', 'backend_unavailable');
    expect(alert).not.toHaveTextContent(/connection/i);
  });

  it('says the browser blocked an answer, with the address tried and this page\'s origin', async () => {
    server.use(
      http.get(apiUrl('/api/activities/home'), () => HttpResponse.error()),
      http.head(apiUrl('/api/activities/home'), () => new HttpResponse(null)),
    );
    renderApp('/');
    const alert = await screen.findByRole('alert');
    const item = within(alert).getByText(/answered, but the browser blocked its answer/);
    expect(item).toHaveAttribute('data-code', 'cors_blocked');
    expect(item).toHaveTextContent(`The API at ${API} answered`);
    expect(item).toHaveTextContent(`this page's origin, ${window.location.origin}`);
    expect(item).toHaveTextContent(`set FRONTEND_URL to ${window.location.origin}`);
  });

  it('shows a failed load\'s trace id, linked to the trace viewer', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    server.use(
      http.get(apiUrl('/api/activities/home'), () =>
        HttpResponse.json({ errors: ['internal_error'], trace_id: traceId }, { status: 500 }),
      ),
    );
    renderApp('/');
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByRole('listitem')).toHaveAttribute('data-code', 'internal_error');
    const link = within(alert).getByRole('link', { name: traceId });
    expect(link).toHaveAttribute('href', `http://localhost:16686/trace/${traceId}`);
    expect(link).toHaveAttribute('rel', 'noopener noreferrer');
  });

  it('shows the JSON answer of a proxy whose API is down', async () => {
    server.use(
      http.get(apiUrl('/api/activities/home'), () =>
        HttpResponse.json({ errors: ['backend_unavailable'] }, { status: 502 }),
      ),
    );
    renderApp('/');
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText(`The API at ${API} did not answer.`)).toBeInTheDocument();
  });
});
