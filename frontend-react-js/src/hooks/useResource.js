import { useEffect, useRef, useState } from 'react';

// One GET through the API client, re-run when `deps` change; answers to a
// superseded load are dropped.
export function useResource(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const generation = useRef(0);

  useEffect(() => {
    const mine = ++generation.current;
    setState({ data: null, error: null, loading: true });
    load().then(
      ({ data }) => mine === generation.current && setState({ data, error: null, loading: false }),
      (error) => mine === generation.current && setState({ data: null, error, loading: false }),
    );
  }, deps);

  const setData = (update) => setState((s) => ({ ...s, data: update(s.data) }));
  return { ...state, setData };
}
