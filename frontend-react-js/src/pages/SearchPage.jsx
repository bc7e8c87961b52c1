import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { activities } from '../api/cruddur.js';
import ActivityFeed from '../components/ActivityFeed.jsx';
import { usePagedList } from '../hooks/usePagedList.js';

export default function SearchPage() {
  const [params, setParams] = useSearchParams();
  const term = (params.get('term') ?? '').trim();
  const [draft, setDraft] = useState(term);

  function submit(event) {
    event.preventDefault();
    setParams({ term: draft.trim() });
  }

  return (
    <>
      <h1 className="page-title">Search</h1>
      <form className="search-form" role="search" onSubmit={submit}>
        <input
          type="search"
          aria-label="Search term"
          placeholder="Search cruds"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      {term ? <Results key={term} term={term} /> : <p className="status">Type a word to find cruds.</p>}
    </>
  );
}

function Results({ term }) {
  const list = usePagedList(() => activities.search(term), [term]);
  return <ActivityFeed list={list} label={`Results for ${term}`} emptyText={`No cruds match “${term}”.`} />;
}
