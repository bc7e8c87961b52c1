import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { andrew, makeActivity } from '../testing/fixtures.js';
import { renderApp } from '../testing/render.jsx';
import { apiUrl, http, HttpResponse, server } from '../testing/server.js';

const profile = { uuid: 'u-bayko', handle: 'bayko', display_name: 'Bayko', bio: 'Cloud <b>fan</b>', cruds_count: 2 };

describe('user feed', () => {
  it('shows the profile header and the user’s cruds', async () => {
    const crud = makeActivity({ handle: 'bayko', display_name: 'Bayko', message: 'Bayko was here' });
    server.use(http.get(apiUrl('/api/activities/@bayko'), () => HttpResponse.json({ profile, activities: [crud] })));
    renderApp('/@bayko', { user: andrew });

    const heading = await screen.findByRole('heading', { name: 'Bayko', level: 1 });
    const header = heading.closest('header');
    expect(within(header).getByText('2 cruds')).toBeInTheDocument();
    expect(within(header).getByText('Cloud <b>fan</b>')).toBeInTheDocument();
    expect(within(header).getByRole('link', { name: 'Message' })).toHaveAttribute('href', '/messages/new/bayko');
    expect(screen.getByText('Bayko was here')).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'New crud' })).not.toBeInTheDocument();
  });

  it('pages the profile’s activities via the Link header', async () => {
    const older = makeActivity({ handle: 'bayko', message: 'Older one' });
    server.use(
      http.get(apiUrl('/api/activities/@bayko'), ({ request }) => {
        if (new URL(request.url).searchParams.get('cursor')) return HttpResponse.json({ profile, activities: [older] });
        return HttpResponse.json(
          { profile, activities: [makeActivity({ handle: 'bayko', message: 'Newer one' })] },
          { headers: { Link: `<${apiUrl('/api/activities/@bayko?cursor=c2')}>; rel="next"` } },
        );
      }),
    );
    const { user } = renderApp('/@bayko');
    await screen.findByText('Newer one');
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('Older one')).toBeInTheDocument();
  });

  it('says when a handle does not exist', async () => {
    server.use(http.get(apiUrl('/api/activities/@ghost'), () => HttpResponse.json({ errors: ['not_found'] }, { status: 404 })));
    renderApp('/@ghost');
    expect(await screen.findByText('@ghost does not exist.')).toBeInTheDocument();
  });

  it('treats paths without @ as not found', async () => {
    renderApp('/nobody');
    expect(await screen.findByRole('heading', { name: 'Not found' })).toBeInTheDocument();
  });
});
