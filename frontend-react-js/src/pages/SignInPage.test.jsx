import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { andrew } from '../testing/fixtures.js';
import { renderApp } from '../testing/render.jsx';
import { apiUrl, http, HttpResponse, server } from '../testing/server.js';

function acceptAndrew(seen = []) {
  return http.post(apiUrl('/api/auth/signin'), async ({ request }) => {
    const body = await request.json();
    seen.push(body);
    if (body.login === 'andrewbrown' && body.password === 'cruddur-demo') {
      return HttpResponse.json({ user: andrew, access_token: 'tok-andrew' });
    }
    return HttpResponse.json({ errors: ['invalid_credentials'] }, { status: 401 });
  });
}

async function signIn(user, login, password) {
  await user.type(screen.getByLabelText('Handle or email'), login);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('sign in', () => {
  it('signs in, stores the token, and uses it on the next request', async () => {
    const seen = [];
    let homeAuth;
    server.use(
      acceptAndrew(seen),
      http.get(apiUrl('/api/activities/home'), ({ request }) => {
        homeAuth = request.headers.get('Authorization');
        return HttpResponse.json([]);
      }),
    );
    const { user, location } = renderApp('/signin');
    await signIn(user, 'andrewbrown', 'cruddur-demo');

    expect(await screen.findByText('Welcome back, Andrew Brown.')).toBeInTheDocument();
    await waitFor(() => expect(location().pathname).toBe('/'));
    expect(seen).toEqual([{ login: 'andrewbrown', password: 'cruddur-demo' }]);
    expect(window.localStorage.getItem('cruddur.access_token')).toBe('tok-andrew');
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByText('@andrewbrown')).toBeInTheDocument();
    expect(await screen.findByRole('form', { name: 'New crud' })).toBeInTheDocument();
    expect(homeAuth).toBe('Bearer tok-andrew');
  });

  it('shows bad credentials without leaving the page', async () => {
    server.use(acceptAndrew());
    const { user, location } = renderApp('/signin');
    await signIn(user, 'andrewbrown', 'wrong');

    const alert = await screen.findByRole('alert');
    expect(within(alert).getByRole('listitem')).toHaveAttribute('data-code', 'invalid_credentials');
    expect(location().pathname).toBe('/signin');
    expect(window.localStorage.getItem('cruddur.access_token')).toBeNull();
  });

  it('signs out from the navigation', async () => {
    const { user } = renderApp('/', { user: andrew });
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByText('Signed out.')).toBeInTheDocument();
    expect(window.localStorage.getItem('cruddur.access_token')).toBeNull();
    expect(screen.queryByRole('form', { name: 'New crud' })).not.toBeInTheDocument();
  });
});

describe('sign up', () => {
  it('creates the account and signs in', async () => {
    let body;
    server.use(
      http.post(apiUrl('/api/auth/signup'), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json({ user: { uuid: 'u-new', handle: 'newbie', display_name: 'New Bie' }, access_token: 't' }, { status: 201 });
      }),
    );
    const { user, location } = renderApp('/signup');
    await user.type(screen.getByLabelText('Name'), 'New Bie');
    await user.type(screen.getByLabelText('Email'), 'new@example.com');
    await user.type(screen.getByLabelText('Handle'), '@newbie');
    await user.type(screen.getByLabelText('Password'), 'long-password');
    await user.click(screen.getByRole('button', { name: 'Sign up' }));

    expect(await screen.findByText('Welcome to Cruddur, New Bie!')).toBeInTheDocument();
    await waitFor(() => expect(location().pathname).toBe('/'));
    expect(body).toEqual({ display_name: 'New Bie', email: 'new@example.com', handle: 'newbie', password: 'long-password' });
  });

  it('shows each validation error code', async () => {
    server.use(
      http.post(apiUrl('/api/auth/signup'), () =>
        HttpResponse.json({ errors: ['handle_taken', 'email_invalid'] }, { status: 422 }),
      ),
    );
    const { user } = renderApp('/signup');
    await user.click(screen.getByRole('button', { name: 'Sign up' }));
    const items = within(await screen.findByRole('alert')).getAllByRole('listitem');
    expect(items.map((li) => li.dataset.code)).toEqual(['handle_taken', 'email_invalid']);
  });
});
