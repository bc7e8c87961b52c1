import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { andrew, makeActivity } from '../testing/fixtures.js';
import { renderApp } from '../testing/render.jsx';
import { apiUrl, http, HttpResponse, server } from '../testing/server.js';

describe('protected pages', () => {
  it.each(['/notifications', '/messages', '/messages/g-1', '/messages/new/bayko'])(
    'redirect %s to sign-in when signed out',
    async (path) => {
      const { location } = renderApp(path);
      expect(await screen.findByRole('heading', { name: 'Sign into your Cruddur account' })).toBeInTheDocument();
      expect(location().pathname).toBe('/signin');
    },
  );

  it('returns to the protected page after signing in', async () => {
    const mention = makeActivity({ handle: 'bayko', display_name: 'Bayko', message: 'Hey @andrewbrown' });
    server.use(
      http.post(apiUrl('/api/auth/signin'), () => HttpResponse.json({ user: andrew, access_token: 't' })),
      http.get(apiUrl('/api/activities/notifications'), () => HttpResponse.json([mention])),
    );
    const { user, location } = renderApp('/notifications');
    await user.type(await screen.findByLabelText('Handle or email'), 'andrewbrown');
    await user.type(screen.getByLabelText('Password'), 'cruddur-demo');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByText('Hey @andrewbrown')).toBeInTheDocument();
    expect(location().pathname).toBe('/notifications');
  });

  it('signs out and redirects when the API rejects an expired token', async () => {
    server.use(
      http.get(apiUrl('/api/activities/notifications'), () =>
        HttpResponse.json({ errors: ['token_expired'] }, { status: 401 }),
      ),
    );
    const { location } = renderApp('/notifications', { user: andrew });
    expect(await screen.findByRole('heading', { name: 'Sign into your Cruddur account' })).toBeInTheDocument();
    expect(location().pathname).toBe('/signin');
    expect(window.localStorage.getItem('cruddur.access_token')).toBeNull();
  });
});
