// "Load more" for a paged list (useInfiniteQuery's result): it follows the last page's Link rel="next".
export default function LoadMore({ list }) {
  if (!list.hasNextPage) return null;
  return (
    <button type="button" className="load-more" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
      {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
    </button>
  );
}
