import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { makeActivity } from '../testing/fixtures.js';
import { renderApp } from '../testing/render.jsx';
import { apiUrl, http, HttpResponse, server } from '../testing/server.js';

describe('search', () => {
  it('searches from the sidebar and shows matching cruds', async () => {
    const terms = [];
    server.use(
      http.get(apiUrl('/api/activities/search'), ({ request }) => {
        const term = new URL(request.url).searchParams.get('term');
        terms.push(term);
        return HttpResponse.json([makeActivity({ message: `All about ${term}` })]);
      }),
    );
    const { user, location } = renderApp('/');
    await user.type(screen.getByLabelText('Search cruds'), 'cloud & sky{Enter}');

    expect(await screen.findByText('All about cloud & sky')).toBeInTheDocument();
    expect(location().pathname).toBe('/search');
    expect(terms).toEqual(['cloud & sky']);
  });

  it('does not query a blank term', async () => {
    renderApp('/search?term=');
    expect(await screen.findByText('Type a word to find cruds.')).toBeInTheDocument();
  });
});
