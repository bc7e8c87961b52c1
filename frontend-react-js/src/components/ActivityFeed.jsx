import { useQueryClient } from '@tanstack/react-query';
import { editPages, mapItems } from '../api/queries.js';
import ActivityItem, { withReply } from './ActivityItem.jsx';
import ErrorList from './ErrorList.jsx';
import LoadMore from './LoadMore.jsx';

// Renders a paged list of activities (`list`, the useInfiniteQuery result of `feed`'s options):
// loading, errors, items, "load more". A reply sent from an item shows on it in the cached list.
export default function ActivityFeed({ feed, list, emptyText = 'Nothing here yet.', label = 'Activities' }) {
  const queryClient = useQueryClient();
  const items = list.data?.items ?? [];
  const replied = (parent, reply) =>
    editPages(queryClient, feed, mapItems((a) => (a.uuid === parent.uuid ? withReply(a, reply) : a)));

  return (
    <section className="activity-feed" aria-label={label} aria-busy={list.isPending}>
      {list.isPending && <p className="status">Loading…</p>}
      <ErrorList error={list.error} />
      {!list.isPending && !list.error && items.length === 0 && <p className="status">{emptyText}</p>}
      {items.map((activity) => (
        <ActivityItem key={activity.uuid} activity={activity} onReplied={replied} />
      ))}
      <LoadMore list={list} />
    </section>
  );
}
