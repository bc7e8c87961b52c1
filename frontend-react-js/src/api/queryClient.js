import { QueryClient } from '@tanstack/react-query';

// How long an answer counts as fresh: a page shown again within this time shows what it showed, with
// no request; after it, the cached answer shows at once while the page asks again.
export const STALE_MS = 30_000;

// The app's one QueryClient (main.jsx; each test renders with its own). No retries: a failed request
// shows its codes and trace id at once, as the API sent them, and the same requests go on the wire as
// before TanStack Query (a retry would send another, under another trace id). No refetch on window
// focus: a feed does not reshuffle (or refetch every loaded page) each time the tab is shown.
export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: STALE_MS, retry: false, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
}
