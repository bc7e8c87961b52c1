import ActivityItem, { withReply } from './ActivityItem.jsx';
import ErrorList, { errorsOf } from './ErrorList.jsx';
import { traceIdOf } from '../lib/errors.js';
import LoadMore from './LoadMore.jsx';

// Renders a usePagedList of activities: loading, errors, items, "load more".
export default function ActivityFeed({ list, emptyText = 'Nothing here yet.', label = 'Activities' }) {
  const replied = (parent, reply) =>
    list.setItems((items) => items.map((a) => (a.uuid === parent.uuid ? withReply(a, reply) : a)));

  return (
    <section className="activity-feed" aria-label={label} aria-busy={list.loading}>
      {list.loading && <p className="status">Loading…</p>}
      {list.error && <ErrorList errors={errorsOf(list.error)} traceId={traceIdOf(list.error)} />}
      {!list.loading && !list.error && list.items.length === 0 && <p className="status">{emptyText}</p>}
      {list.items.map((activity) => (
        <ActivityItem key={activity.uuid} activity={activity} onReplied={replied} />
      ))}
      <LoadMore list={list} />
    </section>
  );
}
