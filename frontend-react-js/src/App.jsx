import { QueryClientProvider } from '@tanstack/react-query';
import { Route, Routes } from 'react-router-dom';
import Layout from './components/Layout.jsx';
import RequireAuth from './components/RequireAuth.jsx';
import { FlashProvider } from './contexts/FlashContext.jsx';
import { UserProvider } from './contexts/UserContext.jsx';
import ActivityPage from './pages/ActivityPage.jsx';
import HomeFeedPage from './pages/HomeFeedPage.jsx';
import MessageGroupNewPage from './pages/MessageGroupNewPage.jsx';
import MessageGroupPage from './pages/MessageGroupPage.jsx';
import MessageGroupsPage from './pages/MessageGroupsPage.jsx';
import NotFoundPage from './pages/NotFoundPage.jsx';
import NotificationsPage from './pages/NotificationsPage.jsx';
import SearchPage from './pages/SearchPage.jsx';
import SignInPage from './pages/SignInPage.jsx';
import SignUpPage from './pages/SignUpPage.jsx';
import UserFeedPage from './pages/UserFeedPage.jsx';

const signedIn = (page) => <RequireAuth>{page}</RequireAuth>;

// `queryClient` holds the server state (api/queryClient.js): main.jsx makes the app's one, each test its own.
export function AppProviders({ queryClient, children }) {
  return (
    <QueryClientProvider client={queryClient}>
      <UserProvider>
        <FlashProvider>{children}</FlashProvider>
      </UserProvider>
    </QueryClientProvider>
  );
}

// The router itself is chosen by the caller: BrowserRouter in main.jsx,
// MemoryRouter in tests.
export function AppRoutes() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<HomeFeedPage />} />
        <Route path="notifications" element={signedIn(<NotificationsPage />)} />
        <Route path="search" element={<SearchPage />} />
        <Route path="messages" element={signedIn(<MessageGroupsPage />)} />
        <Route path="messages/new/:handle" element={signedIn(<MessageGroupNewPage />)} />
        <Route path="messages/:uuid" element={signedIn(<MessageGroupPage />)} />
        <Route path="signin" element={<SignInPage />} />
        <Route path="signup" element={<SignUpPage />} />
        <Route path=":atHandle" element={<UserFeedPage />} />
        <Route path=":atHandle/status/:uuid" element={<ActivityPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
