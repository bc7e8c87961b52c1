import { focusManager } from '@tanstack/react-query';
import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { andrew, makeActivity } from '../testing/fixtures.js';
import { renderApp } from '../testing/render.jsx';
import { apiUrl, http, HttpResponse, server } from '../testing/server.js';

const nav = () => screen.getByRole('navigation', { name: 'Main' });
const feedMessages = () => [...document.querySelectorAll('.activity-feed > .activity-item .activity-main .message')].map((p) => p.textContent);

// Counts the GETs of `path` and answers each with what `answer` returns.
function serve(path, answer) {
  const calls = [];
  server.use(
    http.get(apiUrl(path), ({ request }) => {
      calls.push(new URL(request.url).search);
      return answer(calls.length);
    }),
  );
  return calls;
}

afterEach(() => focusManager.setFocused(undefined));

describe('server state (TanStack Query)', () => {
  it('shows a page again from the cache, and asks again once a write made it stale', async () => {
    const home = serve('/api/activities/home', (n) => HttpResponse.json([makeActivity({ message: `Home load ${n}` })]));
    server.use(
      http.post(apiUrl('/api/activities'), async ({ request }) =>
        HttpResponse.json(makeActivity({ message: (await request.json()).message }), { status: 201 }),
      ),
    );
    const { user } = renderApp('/', { user: andrew });
    await screen.findByText('Home load 1');

    await user.click(within(nav()).getByRole('link', { name: 'Notifications' }));
    await screen.findByText('No replies or mentions yet.');
    await user.click(within(nav()).getByRole('link', { name: 'Home' }));
    expect(await screen.findByText('Home load 1')).toBeInTheDocument();
    expect(home).toHaveLength(1);

    await user.type(screen.getByLabelText('Crud'), 'Fresh crud');
    await user.click(within(screen.getByRole('form', { name: 'New crud' })).getByRole('button', { name: 'Crud' }));
    await screen.findByText('Fresh crud');
    expect(feedMessages()).toEqual(['Fresh crud', 'Home load 1']);
    expect(home).toHaveLength(1); // the answer went into the shown list: no reload

    await user.click(within(nav()).getByRole('link', { name: 'Notifications' }));
    await screen.findByText('No replies or mentions yet.');
    await user.click(within(nav()).getByRole('link', { name: 'Home' }));
    expect(await screen.findByText('Home load 2')).toBeInTheDocument();
    expect(home).toEqual(['', '']);
  });

  it('sends a failed request once (no retry) and asks nothing more when the window gets focus', async () => {
    const notifications = serve('/api/activities/notifications', () =>
      HttpResponse.json({ errors: ['forbidden'] }, { status: 403 }),
    );
    const home = serve('/api/activities/home', () => HttpResponse.json({ errors: ['internal_error'] }, { status: 500 }));
    const { user } = renderApp('/notifications', { user: andrew });
    expect(within(await screen.findByRole('alert')).getByRole('listitem')).toHaveAttribute('data-code', 'forbidden');
    await user.click(within(nav()).getByRole('link', { name: 'Home' }));
    expect(within(await screen.findByRole('alert')).getByRole('listitem')).toHaveAttribute('data-code', 'internal_error');

    focusManager.setFocused(false);
    focusManager.setFocused(true);
    await new Promise((resolve) => setTimeout(resolve, 1200)); // past TanStack's first retry delay (1 s)
    expect(notifications).toHaveLength(1);
    expect(home).toHaveLength(1);
  });

  it('never shows the late answer of a search that a newer one replaced', async () => {
    let answerSlow;
    const slowAnswered = new Promise((resolve) => {
      answerSlow = resolve;
    });
    server.use(
      http.get(apiUrl('/api/activities/search'), async ({ request }) => {
        const term = new URL(request.url).searchParams.get('term');
        if (term === 'slow') await slowAnswered;
        return HttpResponse.json([makeActivity({ message: `Found for ${term}` })]);
      }),
    );
    const { user } = renderApp('/search?term=slow');
    const box = screen.getByLabelText('Search term');
    await user.clear(box);
    await user.type(box, 'fast{Enter}');
    expect(await screen.findByText('Found for fast')).toBeInTheDocument();

    answerSlow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(feedMessages()).toEqual(['Found for fast']);
  });

  it('keeps the loaded pages and shows the error when "load more" fails', async () => {
    serve('/api/activities/home', (n) =>
      n === 1
        ? HttpResponse.json([makeActivity({ message: 'First page' })], {
            headers: { Link: `<${apiUrl('/api/activities/home?cursor=p2')}>; rel="next"` },
          })
        : HttpResponse.json({ errors: ['internal_error'] }, { status: 500 }),
    );
    const { user } = renderApp('/');
    await screen.findByText('First page');
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByRole('listitem')).toHaveAttribute('data-code', 'internal_error');
    expect(screen.getByText('First page')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Load more' })).toBeEnabled();
  });

  it("forgets the account's cached answers when the user signs out", async () => {
    serve('/api/activities/notifications', () => HttpResponse.json([makeActivity({ message: 'For Andrew only' })]));
    const { user, queryClient } = renderApp('/notifications', { user: andrew });
    await screen.findByText('For Andrew only');
    expect(queryClient.getQueryData(['activities', 'notifications', 'andrewbrown'])).toBeDefined();

    await user.click(within(nav()).getByRole('button', { name: 'Sign out' }));
    await screen.findByText('Signed out.');
    expect(queryClient.getQueryData(['activities', 'notifications', 'andrewbrown'])).toBeUndefined();
    expect(queryClient.getQueryCache().findAll({ queryKey: ['activities', 'notifications'] })).toEqual([]);
  });
});
