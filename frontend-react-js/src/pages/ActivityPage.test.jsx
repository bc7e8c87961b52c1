import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import rules from '../api/rules.generated.json';
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
    expect(within(form).getByTestId('counter')).toHaveTextContent(String(rules.ReplyBody.message.maxLength));
    await user.type(within(form).getByLabelText('Reply'), 'Nice one');
    await user.click(within(form).getByRole('button', { name: 'Reply' }));

    expect(await within(replies).findByText('Nice one')).toBeInTheDocument();
    expect(within(parent).getByTestId('replies-count')).toHaveTextContent('2');
    expect(body).toEqual({ message: 'Nice one' });
  });

  it('replies from the home feed and updates the count there', async () => {
    const earlier = makeActivity({ handle: 'garek', message: 'Earlier reply', reply_to_activity_uuid: 'parent' });
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
    // Replies take no replies: no reply button and no replies link on them.
    const nested = screen.getByText('Earlier reply').closest('article');
    expect(within(nested).queryByRole('button', { name: /Reply/ })).toBeNull();
    expect(within(nested).queryByRole('link', { name: /Replies/ })).toBeNull();
    await user.type(within(item).getByLabelText('Reply'), 'Feed reply');
    await user.click(within(item).getByRole('button', { name: 'Reply' }));
    expect(await within(item).findByText('Feed reply')).toBeInTheDocument();
    expect(within(item).getAllByTestId('replies-count')[0]).toHaveTextContent('2');
  });

  it('links a feed item to all its replies when it carries only the latest', async () => {
    const latest = [1, 2, 3].map((n) => makeActivity({ handle: 'worf', message: `Latest ${n}`, reply_to_activity_uuid: 'p' }));
    const busy = makeActivity({ message: 'Busy crud', replies_count: 250, replies: latest });
    const quiet = makeActivity({ message: 'Quiet crud', replies_count: 1, replies: [makeActivity({ message: 'Only one', reply_to_activity_uuid: 'q' })] });
    server.use(http.get(apiUrl('/api/activities/home'), () => HttpResponse.json([busy, quiet])));
    renderApp('/');
    const item = (await screen.findByText('Busy crud')).closest('article');
    expect(within(item).getByText('Latest 3')).toBeInTheDocument();
    expect(within(item).getByRole('link', { name: 'Show all 250 replies' })).toHaveAttribute('href', `/@andrewbrown/status/${busy.uuid}`);
    const other = screen.getByText('Quiet crud').closest('article');
    expect(within(other).queryByRole('link', { name: /Show all/ })).toBeNull();
  });

  it('pages through every reply on the status page', async () => {
    const crud = makeActivity({ message: 'Long thread', replies_count: 3 });
    const page = (n) => makeActivity({ handle: 'worf', message: `Thread reply ${n}`, reply_to_activity_uuid: crud.uuid });
    const path = `/api/activities/@andrewbrown/status/${crud.uuid}`;
    server.use(
      http.get(apiUrl(path), ({ request }) => {
        const cursor = new URL(request.url).searchParams.get('cursor');
        if (cursor === 'two') return HttpResponse.json({ activity: crud, replies: [page(3)] });
        return HttpResponse.json({ activity: crud, replies: [page(1), page(2)] }, {
          headers: { Link: `<${apiUrl(`${path}?cursor=two`)}>; rel="next"` },
        });
      }),
    );
    const { user } = renderApp(`/@andrewbrown/status/${crud.uuid}`);
    const replies = await screen.findByRole('region', { name: 'Replies' });
    expect(within(replies).getByText('Thread reply 2')).toBeInTheDocument();
    expect(within(replies).queryByText('Thread reply 3')).toBeNull();
    await user.click(within(replies).getByRole('button', { name: 'Load more' }));
    expect(await within(replies).findByText('Thread reply 3')).toBeInTheDocument();
    expect(within(replies).getByText('Thread reply 1')).toBeInTheDocument();
    expect(within(replies).queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it("offers no reply on a reply's own page", async () => {
    const reply = makeActivity({ handle: 'worf', message: 'A reply page', reply_to_activity_uuid: 'parent' });
    server.use(http.get(apiUrl(`/api/activities/@worf/status/${reply.uuid}`), () => HttpResponse.json({ activity: reply, replies: [] })));
    renderApp(`/@worf/status/${reply.uuid}`, { user: andrew });
    const item = (await screen.findByText('A reply page')).closest('article');
    expect(within(item).queryByRole('button', { name: /Reply/ })).toBeNull();
    expect(screen.queryByRole('region', { name: 'Replies' })).toBeNull();
  });

  it('says an expired or unknown crud is gone', async () => {
    server.use(http.get(apiUrl('/api/activities/@andrewbrown/status/zzz'), () => HttpResponse.json({ errors: ['not_found'] }, { status: 404 })));
    renderApp('/@andrewbrown/status/zzz');
    expect(await screen.findByText(/may have expired/)).toBeInTheDocument();
  });
});
