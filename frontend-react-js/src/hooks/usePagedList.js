import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client.js';

const identity = (data) => data;

// Loads the first page with `load` (again whenever `deps` change, as useEffect
// does), then follows the Link rel="next" URL for "load more". `select` picks
// the list out of a payload such as a profile; answers to a superseded load
// are dropped.
export function usePagedList(load, deps, select = identity) {
  const [state, setState] = useState({ payload: null, items: [], next: null, error: null, loading: true });
  const [loadingMore, setLoadingMore] = useState(false);
  const generation = useRef(0);
  const selectRef = useRef(select);
  selectRef.current = select;

  useEffect(() => {
    const mine = ++generation.current;
    setState({ payload: null, items: [], next: null, error: null, loading: true });
    load().then(
      ({ data, next }) => {
        if (mine === generation.current) {
          setState({ payload: data, items: selectRef.current(data), next, error: null, loading: false });
        }
      },
      (error) => {
        if (mine === generation.current) {
          setState({ payload: null, items: [], next: null, error, loading: false });
        }
      },
    );
  }, deps);

  const loadMore = useCallback(async () => {
    if (!state.next || loadingMore) return;
    const mine = generation.current;
    setLoadingMore(true);
    try {
      const { data, next } = await api.follow(state.next);
      if (mine === generation.current) {
        setState((s) => ({ ...s, items: [...s.items, ...selectRef.current(data)], next, error: null }));
      }
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ ...s, error }));
    } finally {
      setLoadingMore(false);
    }
  }, [state.next, loadingMore]);

  const setItems = useCallback((update) => setState((s) => ({ ...s, items: update(s.items) })), []);
  const setPayload = useCallback((update) => setState((s) => ({ ...s, payload: update(s.payload) })), []);

  return { ...state, hasMore: Boolean(state.next), loadMore, loadingMore, setItems, setPayload };
}
