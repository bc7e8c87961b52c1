import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { andrew, bayko, makeMessage } from '../testing/fixtures.js';
import { renderApp } from '../testing/render.jsx';
import { apiUrl, http, HttpResponse, server } from '../testing/server.js';

const group = { uuid: 'g-1', handle: 'bayko', display_name: 'Bayko', message: 'See you soon', created_at: new Date().toISOString() };

describe('messages', () => {
  it('lists conversations with the other member and last message', async () => {
    server.use(http.get(apiUrl('/api/message_groups'), () => HttpResponse.json([group])));
    renderApp('/messages', { user: andrew });
    const link = await screen.findByRole('link', { name: /Bayko/ });
    expect(link).toHaveAttribute('href', '/messages/g-1');
    expect(within(link).getByText('See you soon')).toBeInTheDocument();
  });

  it('shows a conversation oldest first and sends to the group', async () => {
    const first = makeMessage({ message: 'First!' });
    const second = makeMessage({ handle: 'andrewbrown', display_name: 'Andrew Brown', message: 'Second' });
    let body;
    server.use(
      http.get(apiUrl('/api/message_groups'), () => HttpResponse.json([group])),
      http.get(apiUrl('/api/messages/g-1'), () => HttpResponse.json([first, second])),
      http.post(apiUrl('/api/messages'), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json(
          makeMessage({ message_group_uuid: 'g-1', handle: 'andrewbrown', display_name: 'Andrew Brown', message: body.message }),
          { status: 201 },
        );
      }),
    );
    const { user } = renderApp('/messages/g-1', { user: andrew });
    await screen.findByText('First!');
    const list = screen.getByRole('list', { name: 'Messages' });
    expect(within(list).getAllByRole('listitem').map((li) => li.querySelector('.message').textContent)).toEqual([
      'First!',
      'Second',
    ]);

    await user.type(screen.getByLabelText('Message'), 'Third');
    await user.click(screen.getByRole('button', { name: 'Send' }));

    expect(await within(list).findByText('Third')).toBeInTheDocument();
    expect(body).toEqual({ message_group_uuid: 'g-1', message: 'Third' });
    expect(within(screen.getByRole('link', { name: /Bayko/ })).getByText('Third')).toBeInTheDocument();
  });

  it('starts a new conversation by handle and opens it', async () => {
    let body;
    server.use(
      http.get(apiUrl('/api/message_groups'), () =>
        HttpResponse.json(body ? [{ ...group, uuid: 'g-new', message: body.message }] : []),
      ),
      http.get(apiUrl('/api/users/@bayko/short'), () => HttpResponse.json(bayko)),
      http.post(apiUrl('/api/messages'), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json(makeMessage({ message_group_uuid: 'g-new', handle: 'andrewbrown', message: body.message }), {
          status: 201,
        });
      }),
      http.get(apiUrl('/api/messages/g-new'), () => HttpResponse.json([])),
    );
    const { user, location } = renderApp('/messages/new/bayko', { user: andrew });
    expect(await screen.findByRole('heading', { name: 'New message to Bayko (@bayko)' })).toBeInTheDocument();
    await user.type(screen.getByLabelText('Message'), 'Hi Bayko');
    await user.click(screen.getByRole('button', { name: 'Send' }));

    await screen.findByRole('heading', { name: 'Bayko (@bayko)' });
    expect(location().pathname).toBe('/messages/g-new');
    expect(body).toEqual({ handle: 'bayko', message: 'Hi Bayko' });
  });

  it('shows a forbidden conversation as an error', async () => {
    server.use(http.get(apiUrl('/api/messages/g-x'), () => HttpResponse.json({ errors: ['forbidden'] }, { status: 403 })));
    renderApp('/messages/g-x', { user: andrew });
    const items = within(await screen.findByRole('alert')).getAllByRole('listitem');
    expect(items[0]).toHaveAttribute('data-code', 'forbidden');
  });
});
