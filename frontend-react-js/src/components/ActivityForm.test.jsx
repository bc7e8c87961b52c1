import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { andrew, makeActivity } from '../testing/fixtures.js';
import { renderApp } from '../testing/render.jsx';
import { apiUrl, http, HttpResponse, server } from '../testing/server.js';
import { TTL_OPTIONS } from './ActivityForm.jsx';

const form = () => screen.getByRole('form', { name: 'New crud' });

describe('crud form', () => {
  it('counts down from 280 and turns red past the limit', async () => {
    const { user } = renderApp('/', { user: andrew });
    const box = await screen.findByLabelText('Crud');
    const counter = within(form()).getByTestId('counter');
    expect(counter).toHaveTextContent('280');

    await user.type(box, 'Hello');
    expect(counter).toHaveTextContent('275');
    expect(counter).not.toHaveClass('counter-over');

    fireEvent.change(box, { target: { value: 'x'.repeat(281) } });
    expect(counter).toHaveTextContent('-1');
    expect(counter).toHaveClass('counter-over');
  });

  it('counts characters the way the server does (code points)', async () => {
    renderApp('/', { user: andrew });
    fireEvent.change(await screen.findByLabelText('Crud'), { target: { value: '🙂🙂' } });
    expect(within(form()).getByTestId('counter')).toHaveTextContent('278');
  });

  it('offers the seven expiry choices', async () => {
    renderApp('/', { user: andrew });
    const select = await within(await screen.findByRole('form', { name: 'New crud' })).findByRole('combobox');
    expect([...select.options].map((o) => o.value)).toEqual(TTL_OPTIONS);
    expect(TTL_OPTIONS).toEqual(['30-days', '7-days', '3-days', '1-day', '12-hours', '3-hours', '1-hour']);
  });

  it('shows every 422 error code next to the form', async () => {
    server.use(
      http.post(apiUrl('/api/activities'), () =>
        HttpResponse.json({ errors: ['message_exceed_max_chars', 'ttl_invalid'] }, { status: 422 }),
      ),
    );
    const { user } = renderApp('/', { user: andrew });
    fireEvent.change(await screen.findByLabelText('Crud'), { target: { value: 'x'.repeat(281) } });
    await user.click(within(form()).getByRole('button', { name: 'Crud' }));

    const alert = await within(form()).findByRole('alert');
    const codes = within(alert).getAllByRole('listitem').map((li) => li.dataset.code);
    expect(codes).toEqual(['message_exceed_max_chars', 'ttl_invalid']);
    expect(within(alert).getByText('Keep it to 280 characters or fewer.')).toBeInTheDocument();
    expect(screen.getByLabelText('Crud')).toHaveValue('x'.repeat(281));
  });

  it('shows a failed post\'s trace id with its codes, and forgets it on the next try', async () => {
    const traceId = 'a3ce929d0e0e47364bf92f3577b34da6';
    let answer = () => HttpResponse.json({ errors: ['internal_error'], trace_id: traceId }, { status: 500 });
    server.use(http.post(apiUrl('/api/activities'), () => answer()));
    const { user } = renderApp('/', { user: andrew });
    fireEvent.change(await screen.findByLabelText('Crud'), { target: { value: 'hello' } });
    await user.click(within(form()).getByRole('button', { name: 'Crud' }));

    const alert = await within(form()).findByRole('alert');
    expect(within(alert).getByRole('link', { name: traceId })).toHaveAttribute('target', '_blank');

    answer = () => HttpResponse.json({ errors: ['internal_error'] }, { status: 500 });
    await user.click(within(form()).getByRole('button', { name: 'Crud' }));
    await within(form()).findByRole('alert');
    await vi.waitFor(() => expect(within(form()).queryByRole('link', { name: traceId })).not.toBeInTheDocument());
  });

  it('posts message, ttl and bearer token, then shows the crud first', async () => {
    const old = makeActivity({ message: 'Older crud' });
    let sent;
    server.use(
      http.get(apiUrl('/api/activities/home'), () => HttpResponse.json([old])),
      http.post(apiUrl('/api/activities'), async ({ request }) => {
        sent = { body: await request.json(), auth: request.headers.get('Authorization') };
        return HttpResponse.json(makeActivity({ message: sent.body.message }), { status: 201 });
      }),
    );
    const { user } = renderApp('/', { user: andrew, token: 'tok-123' });
    await screen.findByText('Older crud');

    await user.type(screen.getByLabelText('Crud'), 'Brand new crud');
    await user.selectOptions(within(form()).getByRole('combobox'), '1-hour');
    await user.click(within(form()).getByRole('button', { name: 'Crud' }));

    await screen.findByText('Brand new crud');
    expect(sent).toEqual({ body: { message: 'Brand new crud', ttl: '1-hour' }, auth: 'Bearer tok-123' });
    const messages = [...document.querySelectorAll('.activity-feed .message')].map((p) => p.textContent);
    expect(messages).toEqual(['Brand new crud', 'Older crud']);
    expect(screen.getByLabelText('Crud')).toHaveValue('');
  });
});
