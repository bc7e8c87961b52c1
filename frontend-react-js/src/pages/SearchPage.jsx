import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { queries } from '../api/queries.js';
import ActivityFeed from '../components/ActivityFeed.jsx';

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
  const feed = queries.search(term);
  const list = useInfiniteQuery(feed);
  return <ActivityFeed feed={feed} list={list} label={`Results for ${term}`} emptyText={`No cruds match “${term}”.`} />;
}
