import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { andrew, makeActivity } from '../testing/fixtures.js';
import { renderApp } from '../testing/render.jsx';
import { apiUrl, http, HttpResponse, server } from '../testing/server.js';

describe('activity page', () => {
  it('shows the crud with its replies and adds a reply', async () => {
    const crud = makeActivity({ message: 'Parent crud', replies_count: 1 });
    const reply = makeActivity({ handle: 'worf', display_name: 'Worf', message: 'Today is a good day', reply_to_activity_uuid: crud.uuid });
    let body;
    server.use(
      http.get(apiUrl(`/api/activities/@andrewbrown/status/${crud.uuid}`), () => HttpResponse.json({ activity: crud, replies: [reply] })),
      http.post(apiUrl(`/api/activities/${crud.uuid}/reply`), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json(makeActivity({ message: body.message, reply_to_activity_uuid: crud.uuid }), { status: 201 });
      }),
    );
    const { user } = renderApp(`/@andrewbrown/status/${crud.uuid}`, { user: andrew });
    const parent = (await screen.findByText('Parent crud')).closest('article');
    const replies = screen.getByRole('region', { name: 'Replies' });
    expect(within(replies).getByText('Today is a good day')).toBeInTheDocument();
    expect(within(parent).getByTestId('replies-count')).toHaveTextContent('1');

    await user.click(within(parent).getByRole('button', { name: /Reply/ }));
    const form = within(parent).getByRole('form', { name: 'Reply to andrewbrown' });
    expect(within(form).getByTestId('counter')).toHaveTextContent('1024');
    await user.type(within(form).getByLabelText('Reply'), 'Nice one');
    await user.click(within(form).getByRole('button', { name: 'Reply' }));

    expect(await within(replies).findByText('Nice one')).toBeInTheDocument();
    expect(within(parent).getByTestId('replies-count')).toHaveTextContent('2');
    expect(body).toEqual({ message: 'Nice one' });
  });

  it('replies from the home feed and updates the count there', async () => {
    const earlier = makeActivity({ handle: 'garek', message: 'Earlier reply' });
    const crud = makeActivity({ message: 'Feed crud', replies_count: 1, replies: [earlier] });
    server.use(
      http.get(apiUrl('/api/activities/home'), () => HttpResponse.json([crud])),
      http.post(apiUrl(`/api/activities/${crud.uuid}/reply`), () =>
        HttpResponse.json(makeActivity({ message: 'Feed reply' }), { status: 201 }),
      ),
    );
    const { user } = renderApp('/', { user: andrew });
    const item = (await screen.findByText('Feed crud')).closest('article');
    await user.click(within(item).getByRole('button', { name: /Reply/ }));
    // Replies shown in a feed link to their own page instead of replying inline.
    const nested = screen.getByText('Earlier reply').closest('article');
    expect(within(nested).queryByRole('button', { name: /Reply/ })).toBeNull();
    expect(within(nested).getByRole('link', { name: /Replies/ })).toHaveAttribute('href', `/@garek/status/${earlier.uuid}`);
    await user.type(within(item).getByLabelText('Reply'), 'Feed reply');
    await user.click(within(item).getByRole('button', { name: 'Reply' }));
    expect(await within(item).findByText('Feed reply')).toBeInTheDocument();
    expect(within(item).getAllByTestId('replies-count')[0]).toHaveTextContent('2');
  });

  it('says an expired or unknown crud is gone', async () => {
    server.use(http.get(apiUrl('/api/activities/@andrewbrown/status/zzz'), () => HttpResponse.json({ errors: ['not_found'] }, { status: 404 })));
    renderApp('/@andrewbrown/status/zzz');
    expect(await screen.findByText(/may have expired/)).toBeInTheDocument();
  });
});
