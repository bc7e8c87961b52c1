import { useInfiniteQuery } from '@tanstack/react-query';
import { prependItem, queries, removeItems } from '../api/queries.js';
import MessageGroupList from '../components/MessageGroupList.jsx';
import { useUser } from '../contexts/UserContext.jsx';

// The signed-in user's conversations: the options (`feed`, for cache edits) and the query (`list`).
export function useMessageGroups() {
  const { user } = useUser();
  const feed = queries.messageGroups(user?.handle ?? null);
  return { feed, list: useInfiniteQuery(feed) };
}

// Moves the group a message was sent in to the top of the cached pages, with that message as preview.
export const touchGroup = (sent, other) => (pages) => {
  const previous = pages.flatMap((page) => page.items).find((group) => group.uuid === sent.message_group_uuid);
  const member = previous ?? other;
  const touched = {
    uuid: sent.message_group_uuid,
    handle: member.handle,
    display_name: member.display_name,
    message: sent.message,
    created_at: sent.created_at,
  };
  return prependItem(touched)(removeItems((group) => group.uuid === touched.uuid)(pages));
};

export function MessagesLayout({ groups, children }) {
  return (
    <div className="messages-layout">
      <MessageGroupList list={groups.list} />
      <section className="message-pane">{children}</section>
    </div>
  );
}

export default function MessageGroupsPage() {
  const groups = useMessageGroups();
  return (
    <MessagesLayout groups={groups}>
      <p className="status">Pick a conversation, or start one from someone’s profile.</p>
    </MessagesLayout>
  );
}
