import { useParams } from 'react-router-dom';
import { messages } from '../api/cruddur.js';
import ErrorList, { errorsOf } from '../components/ErrorList.jsx';
import { traceIdOf } from '../lib/errors.js';
import LoadMore from '../components/LoadMore.jsx';
import MessageForm from '../components/MessageForm.jsx';
import MessageList from '../components/MessageList.jsx';
import { useUser } from '../contexts/UserContext.jsx';
import { usePagedList } from '../hooks/usePagedList.js';
import { MessagesLayout, touchGroup, useMessageGroups } from './MessageGroupsPage.jsx';

export default function MessageGroupPage() {
  const { uuid } = useParams();
  const { user } = useUser();
  const groups = useMessageGroups();
  const list = usePagedList(() => messages.inGroup(uuid), [uuid]);
  // The other member: from the group list, or from their messages here.
  const other = groups.items.find((g) => g.uuid === uuid) ?? list.items.find((m) => m.handle !== user?.handle);

  function sent(message) {
    list.setItems((items) => [...items, message]);
    groups.setItems((items) => touchGroup(items, message, other ?? message));
  }

  return (
    <MessagesLayout groups={groups}>
      <h1 className="page-title">{other ? `${other.display_name} (@${other.handle})` : 'Conversation'}</h1>
      {list.loading && <p className="status">Loading…</p>}
      {list.error && <ErrorList errors={errorsOf(list.error)} traceId={traceIdOf(list.error)} />}
      {!list.error && (
        <>
          <MessageList messages={list.items} />
          <LoadMore list={list} />
          <MessageForm target={{ message_group_uuid: uuid }} onSent={sent} />
        </>
      )}
    </MessagesLayout>
  );
}
