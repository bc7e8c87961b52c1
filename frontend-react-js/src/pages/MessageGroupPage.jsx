import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router-dom';
import { appendItem, editPages, queries } from '../api/queries.js';
import ErrorList from '../components/ErrorList.jsx';
import LoadMore from '../components/LoadMore.jsx';
import MessageList from '../components/MessageList.jsx';
import TextForm, { messageForm } from '../components/TextForm.jsx';
import { useUser } from '../contexts/UserContext.jsx';
import { MessagesLayout, touchGroup, useMessageGroups } from './MessageGroupsPage.jsx';

export default function MessageGroupPage() {
  const { uuid } = useParams();
  const { user } = useUser();
  const queryClient = useQueryClient();
  const groups = useMessageGroups();
  const conversation = queries.messages(uuid, user?.handle ?? null);
  const list = useInfiniteQuery(conversation);
  const inGroup = list.data?.items ?? [];
  // The other member: from the group list, or from their messages here.
  const other =
    groups.list.data?.items.find((g) => g.uuid === uuid) ?? inGroup.find((m) => m.handle !== user?.handle);

  function added(message) {
    editPages(queryClient, conversation, appendItem(message));
    editPages(queryClient, groups.feed, touchGroup(message, other ?? message));
  }

  return (
    <MessagesLayout groups={groups}>
      <h1 className="page-title">{other ? `${other.display_name} (@${other.handle})` : 'Conversation'}</h1>
      {list.isPending && <p className="status">Loading…</p>}
      <ErrorList error={list.error} />
      {!list.error && (
        <>
          <MessageList messages={inGroup} />
          <LoadMore list={list} />
          <TextForm {...messageForm({ message_group_uuid: uuid })} onSent={added} />
        </>
      )}
    </MessagesLayout>
  );
}
