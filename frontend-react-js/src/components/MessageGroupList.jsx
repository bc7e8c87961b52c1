import { NavLink } from 'react-router-dom';
import { timeAgo } from '../lib/time.js';
import Avatar from './Avatar.jsx';
import ErrorList, { errorsOf } from './ErrorList.jsx';
import { traceIdOf } from '../lib/errors.js';
import LoadMore from './LoadMore.jsx';

// Each group is the other member plus the last message sent in it.
export default function MessageGroupList({ list }) {
  return (
    <section className="message-groups" aria-label="Conversations">
      <h2>Messages</h2>
      {list.loading && <p className="status">Loading…</p>}
      {list.error && <ErrorList errors={errorsOf(list.error)} traceId={traceIdOf(list.error)} />}
      {!list.loading && !list.error && list.items.length === 0 && <p className="status">No conversations yet.</p>}
      {list.items.map((group) => (
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
