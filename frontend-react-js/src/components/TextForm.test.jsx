import { QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client.js';
import { makeQueryClient } from '../api/queryClient.js';
import rules from '../api/rules.generated.json';
import { andrew, makeActivity } from '../testing/fixtures.js';
import { renderApp } from '../testing/render.jsx';
import { apiUrl, http, HttpResponse, server } from '../testing/server.js';
import TextForm, { DEFAULT_TTL } from './TextForm.jsx';

const form = () => screen.getByRole('form', { name: 'New crud' });
const CRUD_MAX = rules.CreateActivityBody.message.maxLength;
const TTLS = rules.CreateActivityBody.ttl.enum;

describe('the API rules the forms use', () => {
  it('are the generated file of the API document, with every rule the forms need', () => {
    expect(rules.$comment).toMatch(/bin\/docs/);
    expect(Number.isInteger(CRUD_MAX)).toBe(true);
    expect(rules.ReplyBody.message.maxLength).toBeGreaterThan(CRUD_MAX);
    expect(rules.CreateMessageBody.message.maxLength).toBeGreaterThan(0);
    expect(TTLS.length).toBeGreaterThan(1);
    expect(TTLS).toContain(DEFAULT_TTL);
  });
});

// TextForm alone, with made-up rules: what it shows follows from its props.
function renderForm(props) {
  const send = vi.fn(async (body) => ({ data: { uuid: 'new', ...body } }));
  const onSent = vi.fn();
  render(
    <QueryClientProvider client={makeQueryClient()}>
      <TextForm
        className="test-form"
        name="Test form"
        label="Text"
        fieldId="test-text"
        placeholder="Say it"
        submitLabel="Go"
        send={send}
        touches={[]}
        onSent={onSent}
        {...props}
      />
    </QueryClientProvider>,
  );
  return { send, onSent, user: userEvent.setup(), form: screen.getByRole('form', { name: 'Test form' }) };
}

describe('one text form', () => {
  it('without ttl choices: no expiry select, the given limit, a body of the message only', async () => {
    const { send, onSent, user, form: shown } = renderForm({ rules: { message: { maxLength: 5 } } });
    expect(shown).toHaveClass('test-form');
    expect(within(shown).queryByRole('combobox')).toBeNull();
    expect(within(shown).getByTestId('counter')).toHaveTextContent('5');
    await user.type(within(shown).getByLabelText('Text'), 'Hi there');
    expect(within(shown).getByTestId('counter')).toHaveTextContent('-3');
    await user.click(within(shown).getByRole('button', { name: 'Go' }));
    await waitFor(() => expect(onSent).toHaveBeenCalledWith({ uuid: 'new', message: 'Hi there' }));
    expect(send.mock.calls[0][0]).toEqual({ message: 'Hi there' });
    expect(within(shown).getByLabelText('Text')).toHaveValue('');
  });

  it('with ttl choices: an expiry select of exactly those, sent with the message', async () => {
    const { send, user, form: shown } = renderForm({
      rules: { message: { maxLength: 9 }, ttl: { enum: ['2-days', DEFAULT_TTL, '5-hours'] } },
    });
    const select = within(shown).getByRole('combobox');
    expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([
      ['2-days', '2 days'],
      [DEFAULT_TTL, DEFAULT_TTL.replace('-', ' ')],
      ['5-hours', '5 hours'],
    ]);
    expect(select).toHaveValue(DEFAULT_TTL);
    await user.type(within(shown).getByLabelText('Text'), 'Hello');
    await user.selectOptions(select, '5-hours');
    await user.click(within(shown).getByRole('button', { name: 'Go' }));
    await waitFor(() => expect(send).toHaveBeenCalled());
    expect(send.mock.calls[0][0]).toEqual({ message: 'Hello', ttl: '5-hours' });
  });

  it('keeps the text and shows the codes, with the limit, when the send fails', async () => {
    const send = vi.fn(async () => {
      throw new ApiError(422, ['message_exceed_max_chars']);
    });
    const { onSent, user, form: shown } = renderForm({ rules: { message: { maxLength: 3 } }, send });
    await user.type(within(shown).getByLabelText('Text'), 'Four');
    await user.click(within(shown).getByRole('button', { name: 'Go' }));
    const alert = await within(shown).findByRole('alert');
    expect(alert).toHaveTextContent('Keep it to 3 characters or fewer.');
    expect(within(shown).getByLabelText('Text')).toHaveValue('Four');
    expect(onSent).not.toHaveBeenCalled();
  });
});

describe('crud form', () => {
  it('counts down from the API limit and turns red past it', async () => {
    const { user } = renderApp('/', { user: andrew });
    const box = await screen.findByLabelText('Crud');
    const counter = within(form()).getByTestId('counter');
    expect(counter).toHaveTextContent(String(CRUD_MAX));

    await user.type(box, 'Hello');
    expect(counter).toHaveTextContent(String(CRUD_MAX - 5));
    expect(counter).not.toHaveClass('counter-over');

    fireEvent.change(box, { target: { value: 'x'.repeat(CRUD_MAX + 1) } });
    expect(counter).toHaveTextContent('-1');
    expect(counter).toHaveClass('counter-over');
  });

  it('counts characters the way the server does (code points)', async () => {
    renderApp('/', { user: andrew });
    fireEvent.change(await screen.findByLabelText('Crud'), { target: { value: '🙂🙂' } });
    expect(within(form()).getByTestId('counter')).toHaveTextContent(String(CRUD_MAX - 2));
  });

  it("offers the API's expiry choices, starting at the default", async () => {
    renderApp('/', { user: andrew });
    const select = await within(await screen.findByRole('form', { name: 'New crud' })).findByRole('combobox');
    expect([...select.options].map((o) => o.value)).toEqual(TTLS);
    expect(select).toHaveValue(DEFAULT_TTL);
  });

  it('shows every 422 error code next to the form', async () => {
    server.use(
      http.post(apiUrl('/api/activities'), () =>
        HttpResponse.json({ errors: ['message_exceed_max_chars', 'ttl_invalid'] }, { status: 422 }),
      ),
    );
    const { user } = renderApp('/', { user: andrew });
    const tooLong = 'x'.repeat(CRUD_MAX + 1);
    fireEvent.change(await screen.findByLabelText('Crud'), { target: { value: tooLong } });
    await user.click(within(form()).getByRole('button', { name: 'Crud' }));

    const alert = await within(form()).findByRole('alert');
    const codes = within(alert).getAllByRole('listitem').map((li) => li.dataset.code);
    expect(codes).toEqual(['message_exceed_max_chars', 'ttl_invalid']);
    expect(within(alert).getByText(`Keep it to ${CRUD_MAX} characters or fewer.`)).toBeInTheDocument();
    expect(screen.getByLabelText('Crud')).toHaveValue(tooLong);
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
    await waitFor(() => expect(within(form()).queryByRole('link', { name: traceId })).not.toBeInTheDocument());
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
    await user.selectOptions(within(form()).getByRole('combobox'), TTLS.at(-1));
    await user.click(within(form()).getByRole('button', { name: 'Crud' }));

    await screen.findByText('Brand new crud');
    expect(sent).toEqual({ body: { message: 'Brand new crud', ttl: TTLS.at(-1) }, auth: 'Bearer tok-123' });
    const messages = [...document.querySelectorAll('.activity-feed .message')].map((p) => p.textContent);
    expect(messages).toEqual(['Brand new crud', 'Older crud']);
    expect(screen.getByLabelText('Crud')).toHaveValue('');
  });
});
