import { useParams } from 'react-router-dom';
import { activities } from '../api/cruddur.js';
import ActivityItem from '../components/ActivityItem.jsx';
import ErrorList, { errorsOf } from '../components/ErrorList.jsx';
import { useResource } from '../hooks/useResource.js';
import NotFoundPage from './NotFoundPage.jsx';

export default function ActivityPage() {
  const { atHandle, uuid } = useParams();
  if (!atHandle.startsWith('@')) return <NotFoundPage />;
  return <Activity handle={atHandle.slice(1)} uuid={uuid} />;
}

function Activity({ handle, uuid }) {
  const resource = useResource(() => activities.show(handle, uuid), [handle, uuid]);

  function replied(parent, reply) {
    resource.setData(({ activity, replies }) => ({
      activity: { ...activity, replies_count: (activity.replies_count ?? 0) + 1 },
      replies: [...replies, reply],
    }));
  }

  if (resource.error?.status === 404) return <NotFoundPage what="That crud (it may have expired)" />;
  return (
    <>
      <h1 className="page-title">Crud</h1>
      {resource.loading && <p className="status">Loading…</p>}
      {resource.error && <ErrorList errors={errorsOf(resource.error)} />}
      {resource.data && (
        <>
          <ActivityItem activity={resource.data.activity} showReplies={false} onReplied={replied} />
          <section className="replies-section" aria-label="Replies">
            <h2>Replies</h2>
            {resource.data.replies.length === 0 && <p className="status">No replies yet.</p>}
            {resource.data.replies.map((reply) => (
              <ActivityItem key={reply.uuid} activity={reply} showReplies={false} />
            ))}
          </section>
        </>
      )}
    </>
  );
}
