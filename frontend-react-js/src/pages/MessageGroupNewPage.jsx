import { useNavigate, useParams } from 'react-router-dom';
import { users } from '../api/cruddur.js';
import Avatar from '../components/Avatar.jsx';
import ErrorList, { errorsOf } from '../components/ErrorList.jsx';
import { traceIdOf } from '../lib/errors.js';
import MessageForm from '../components/MessageForm.jsx';
import { useResource } from '../hooks/useResource.js';
import { MessagesLayout, touchGroup, useMessageGroups } from './MessageGroupsPage.jsx';

// Starts (or continues) a conversation with a handle, then moves to its page.
export default function MessageGroupNewPage() {
  const { handle } = useParams();
  const navigate = useNavigate();
  const groups = useMessageGroups();
  const other = useResource(() => users.short(handle), [handle]);

  function sent(message) {
    groups.setItems((items) => touchGroup(items, message, other.data));
    navigate(`/messages/${message.message_group_uuid}`);
  }

  return (
    <MessagesLayout groups={groups}>
      {other.loading && <p className="status">Loading…</p>}
      {other.error && <ErrorList errors={errorsOf(other.error)} traceId={traceIdOf(other.error)} />}
      {other.data && (
        <>
          <header className="new-conversation">
            <Avatar name={other.data.display_name} />
            <h1 className="page-title">
              New message to {other.data.display_name} (@{other.data.handle})
            </h1>
          </header>
          <MessageForm target={{ handle: other.data.handle }} onSent={sent} />
        </>
      )}
    </MessagesLayout>
  );
}
