import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { api, onUnauthorized, tokenStore } from '../api/client.js';

const USER_KEY = 'cruddur.user';
const UserContext = createContext(null);

function storedUser() {
  if (!tokenStore.get()) return null;
  try {
    return JSON.parse(window.localStorage.getItem(USER_KEY));
  } catch {
    return null;
  }
}

export function UserProvider({ children }) {
  const [user, setUser] = useState(storedUser);
  const queryClient = useQueryClient();

  // The cached answers were the account's: a signed-out browser keeps none of them.
  const signOut = useCallback(() => {
    tokenStore.clear();
    window.localStorage.removeItem(USER_KEY);
    queryClient.clear();
    setUser(null);
  }, [queryClient]);

  const remember = useCallback(({ user: signedIn, access_token: token }) => {
    tokenStore.set(token);
    window.localStorage.setItem(USER_KEY, JSON.stringify(signedIn));
    setUser(signedIn);
    return signedIn;
  }, []);

  const signIn = useCallback(
    async (login, password) => remember((await api.post('/api/auth/signin', { login, password })).data),
    [remember],
  );

  const signUp = useCallback(
    async (fields) => remember((await api.post('/api/auth/signup', fields)).data),
    [remember],
  );

  useEffect(() => onUnauthorized(signOut), [signOut]);

  const value = useMemo(() => ({ user, signIn, signUp, signOut }), [user, signIn, signUp, signOut]);
  return <UserContext.Provider value={value}>{children}</UserContext.Provider>;
}

export function useUser() {
  const context = useContext(UserContext);
  if (!context) throw new Error('useUser must be used inside <UserProvider>');
  return context;
}
