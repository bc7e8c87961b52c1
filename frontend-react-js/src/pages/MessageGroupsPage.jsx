import { messages } from '../api/cruddur.js';
import MessageGroupList from '../components/MessageGroupList.jsx';
import { usePagedList } from '../hooks/usePagedList.js';

export function useMessageGroups() {
  return usePagedList(() => messages.groups(), []);
}

// Moves the group a message was sent in to the top, with that message as preview.
export function touchGroup(groups, sent, other) {
  const rest = groups.filter((group) => group.uuid !== sent.message_group_uuid);
  const previous = groups.find((group) => group.uuid === sent.message_group_uuid);
  const member = previous ?? other;
  return [
    {
      uuid: sent.message_group_uuid,
      handle: member.handle,
      display_name: member.display_name,
      message: sent.message,
      created_at: sent.created_at,
    },
    ...rest,
  ];
}

export function MessagesLayout({ groups, children }) {
  return (
    <div className="messages-layout">
      <MessageGroupList list={groups} />
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
