import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router-dom';
import { editPages, queries } from '../api/queries.js';
import Avatar from '../components/Avatar.jsx';
import ErrorList from '../components/ErrorList.jsx';
import TextForm, { messageForm } from '../components/TextForm.jsx';
import { MessagesLayout, touchGroup, useMessageGroups } from './MessageGroupsPage.jsx';

// Starts (or continues) a conversation with a handle, then moves to its page.
export default function MessageGroupNewPage() {
  const { handle } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const groups = useMessageGroups();
  const other = useQuery(queries.userShort(handle));

  function sent(message) {
    editPages(queryClient, groups.feed, touchGroup(message, other.data));
    navigate(`/messages/${message.message_group_uuid}`);
  }

  return (
    <MessagesLayout groups={groups}>
      {other.isPending && <p className="status">Loading…</p>}
      <ErrorList error={other.error} />
      {other.data && (
        <>
          <header className="new-conversation">
            <Avatar name={other.data.display_name} />
            <h1 className="page-title">
              New message to {other.data.display_name} (@{other.data.handle})
            </h1>
          </header>
          <TextForm {...messageForm({ handle: other.data.handle })} onSent={sent} />
        </>
      )}
    </MessagesLayout>
  );
}
