import { useParams } from 'react-router-dom';
import { activities } from '../api/cruddur.js';
import ActivityItem, { isReply } from '../components/ActivityItem.jsx';
import ErrorList, { errorsOf } from '../components/ErrorList.jsx';
import { traceIdOf } from '../lib/errors.js';
import LoadMore from '../components/LoadMore.jsx';
import { usePagedList } from '../hooks/usePagedList.js';
import NotFoundPage from './NotFoundPage.jsx';

export default function ActivityPage() {
  const { atHandle, uuid } = useParams();
  if (!atHandle.startsWith('@')) return <NotFoundPage />;
  return <Activity handle={atHandle.slice(1)} uuid={uuid} />;
}

const repliesOf = (data) => data.replies;

// The crud, then every reply, oldest first, a page at a time (the API's Link
// header; "Load more" follows it).
function Activity({ handle, uuid }) {
  const list = usePagedList(() => activities.show(handle, uuid), [handle, uuid], repliesOf);
  const activity = list.payload?.activity;

  function replied(parent, reply) {
    list.setPayload((payload) => ({
      ...payload,
      activity: { ...payload.activity, replies_count: (payload.activity.replies_count ?? 0) + 1 },
    }));
    // The newest reply comes last; while pages remain, it arrives with the last one.
    if (!list.hasMore) list.setItems((items) => [...items, reply]);
  }

  if (list.error?.status === 404) return <NotFoundPage what="That crud (it may have expired)" />;
  return (
    <>
      <h1 className="page-title">Crud</h1>
      {list.loading && <p className="status">Loading…</p>}
      {list.error && <ErrorList errors={errorsOf(list.error)} traceId={traceIdOf(list.error)} />}
      {activity && (
        <>
          <ActivityItem activity={activity} showReplies={false} onReplied={replied} />
          {!isReply(activity) && (
            <section className="replies-section" aria-label="Replies" aria-busy={list.loadingMore}>
              <h2>Replies</h2>
              {list.items.length === 0 && <p className="status">No replies yet.</p>}
              {list.items.map((reply) => (
                <ActivityItem key={reply.uuid} activity={reply} showReplies={false} />
              ))}
              <LoadMore list={list} />
            </section>
          )}
        </>
      )}
    </>
  );
}
