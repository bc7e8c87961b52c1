import { NavLink } from 'react-router-dom';
import { timeAgo } from '../lib/time.js';
import Avatar from './Avatar.jsx';
import ErrorList from './ErrorList.jsx';
import LoadMore from './LoadMore.jsx';

// Each group is the other member plus the last message sent in it. `list` is the groups' useInfiniteQuery.
export default function MessageGroupList({ list }) {
  const groups = list.data?.items ?? [];
  return (
    <section className="message-groups" aria-label="Conversations">
      <h2>Messages</h2>
      {list.isPending && <p className="status">Loading…</p>}
      <ErrorList error={list.error} />
      {!list.isPending && !list.error && groups.length === 0 && <p className="status">No conversations yet.</p>}
      {groups.map((group) => (
        <NavLink
          key={group.uuid}
          to={`/messages/${group.uuid}`}
          className={({ isActive }) => (isActive ? 'message-group active' : 'message-group')}
        >
          <Avatar name={group.display_name} />
          <span className="message-group-body">
            <span className="message-meta">
              <span className="display-name">{group.display_name}</span>
              <span className="handle">@{group.handle}</span>
              {group.created_at && <time dateTime={group.created_at}>{timeAgo(group.created_at)}</time>}
            </span>
            <span className="message-preview">{group.message}</span>
          </span>
        </NavLink>
      ))}
      <LoadMore list={list} />
    </section>
  );
}
