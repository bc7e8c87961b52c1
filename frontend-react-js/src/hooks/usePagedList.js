import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client.js';

const identity = (data) => data;
const NOTHING = { payload: null, items: [], next: null, error: null };

// Loads the first page with `load` (again whenever `deps` change, as useEffect
// does), then follows the Link rel="next" URL for "load more". `select` picks
// the list out of a payload such as a profile; answers to a superseded load
// are dropped. Until the first page for the current `deps` answers, the list
// is empty and loading: that is derived from which `deps` the stored page
// belongs to, so no effect has to reset it.
export function usePagedList(load, deps, select = identity) {
  const key = JSON.stringify(deps);
  const [state, setState] = useState({ key: null, ...NOTHING });
  const [loadingMore, setLoadingMore] = useState(false);
  const generation = useRef(0);
  const latest = useRef({ load, select });
  useEffect(() => {
    latest.current = { load, select };
  });

  useEffect(() => {
    const mine = ++generation.current;
    latest.current.load().then(
      ({ data, next }) => {
        if (mine === generation.current) {
          setState({ key, payload: data, items: latest.current.select(data), next, error: null });
        }
      },
      (error) => {
        if (mine === generation.current) setState({ key, ...NOTHING, error });
      },
    );
  }, [key]);

  const loading = state.key !== key;
  const shown = loading ? NOTHING : state;

  const loadMore = useCallback(async () => {
    if (!shown.next || loadingMore) return;
    const mine = generation.current;
    setLoadingMore(true);
    try {
      const { data, next } = await api.follow(shown.next);
      if (mine === generation.current) {
        setState((s) => ({ ...s, items: [...s.items, ...latest.current.select(data)], next, error: null }));
      }
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ ...s, error }));
    } finally {
      setLoadingMore(false);
    }
  }, [shown.next, loadingMore]);

  const setItems = useCallback((update) => setState((s) => ({ ...s, items: update(s.items) })), []);
  const setPayload = useCallback((update) => setState((s) => ({ ...s, payload: update(s.payload) })), []);

  const { payload, items, next, error } = shown;
  return { payload, items, next, error, loading, hasMore: Boolean(next), loadMore, loadingMore, setItems, setPayload };
}
