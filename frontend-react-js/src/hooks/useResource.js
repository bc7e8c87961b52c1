import { useEffect, useRef, useState } from 'react';

// One GET through the API client, re-run when `deps` change (as useEffect's
// deps); an answer to a superseded load is dropped. Until the load for the
// current `deps` answers, the state is "loading": it is derived from which
// `deps` the stored answer belongs to, so no effect has to reset it.
export function useResource(load, deps) {
  const key = JSON.stringify(deps);
  const [state, setState] = useState({ key: null, data: null, error: null });
  const latestLoad = useRef(load);
  useEffect(() => {
    latestLoad.current = load;
  });

  useEffect(() => {
    let current = true;
    latestLoad.current().then(
      ({ data }) => current && setState({ key, data, error: null }),
      (error) => current && setState({ key, data: null, error }),
    );
    return () => {
      current = false;
    };
  }, [key]);

  const loading = state.key !== key;
  const setData = (update) => setState((s) => ({ ...s, data: update(s.data) }));
  return { data: loading ? null : state.data, error: loading ? null : state.error, loading, setData };
}
