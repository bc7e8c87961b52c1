import { render } from '@testing-library/react';
import { useLayoutEffect } from 'react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, useLocation } from 'react-router-dom';
import { AppProviders, AppRoutes } from '../App.jsx';
import { makeQueryClient } from '../api/queryClient.js';
import { andrew } from './fixtures.js';

// Reports the router's location to the test after each change: in the commit that renders it (a layout
// effect), so a test that found the new page's content never reads the previous location.
function LocationProbe({ onChange }) {
  const location = useLocation();
  useLayoutEffect(() => onChange(location), [location, onChange]);
  return null;
}

// Renders the whole app, with its real providers and routes, at `route`; a QueryClient of its own
// (configured as the app's), so no answer is cached from one test to the next.
export function renderApp(route = '/', { user = null, token = 'test-token' } = {}) {
  if (user) signInAs(user, token);
  const events = userEvent.setup();
  const queryClient = makeQueryClient();
  let currentLocation;
  const remember = (location) => {
    currentLocation = location;
  };
  const utils = render(
    <MemoryRouter initialEntries={[route]}>
      <AppProviders queryClient={queryClient}>
        <AppRoutes />
        <LocationProbe onChange={remember} />
      </AppProviders>
    </MemoryRouter>,
  );
  return { ...utils, user: events, location: () => currentLocation, queryClient };
}

// Stores a session the way the user context does after a real sign-in.
export function signInAs(user = andrew, token = 'test-token') {
  window.localStorage.setItem('cruddur.access_token', token);
  window.localStorage.setItem('cruddur.user', JSON.stringify(user));
}
