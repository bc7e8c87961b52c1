export default function LoadMore({ list }) {
  if (!list.hasMore) return null;
  return (
    <button type="button" className="load-more" onClick={list.loadMore} disabled={list.loadingMore}>
      {list.loadingMore ? 'Loading…' : 'Load more'}
    </button>
  );
}
