import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router-dom';
import { appendItem, editPages, editPayload, queries } from '../api/queries.js';
import ActivityItem, { isReply } from '../components/ActivityItem.jsx';
import ErrorList from '../components/ErrorList.jsx';
import LoadMore from '../components/LoadMore.jsx';
import NotFoundPage from './NotFoundPage.jsx';

export default function ActivityPage() {
  const { atHandle, uuid } = useParams();
  if (!atHandle.startsWith('@')) return <NotFoundPage />;
  return <Activity handle={atHandle.slice(1)} uuid={uuid} />;
}

const countReply = (payload) => ({
  ...payload,
  activity: { ...payload.activity, replies_count: (payload.activity.replies_count ?? 0) + 1 },
});

// The crud, then every reply, oldest first, a page at a time (the API's Link
// header; "Load more" follows it).
function Activity({ handle, uuid }) {
  const queryClient = useQueryClient();
  const thread = queries.activity(handle, uuid);
  const list = useInfiniteQuery(thread);
  const activity = list.data?.payload.activity;
  const replies = list.data?.items ?? [];

  function replied(parent, reply) {
    editPages(queryClient, thread, (pages) => {
      const counted = editPayload(countReply)(pages);
      // The newest reply comes last; while pages remain, it arrives with the last one.
      return list.hasNextPage ? counted : appendItem(reply)(counted);
    });
  }

  if (list.error?.status === 404) return <NotFoundPage what="That crud (it may have expired)" />;
  return (
    <>
      <h1 className="page-title">Crud</h1>
      {list.isPending && <p className="status">Loading…</p>}
      <ErrorList error={list.error} />
      {activity && (
        <>
          <ActivityItem activity={activity} showReplies={false} onReplied={replied} />
          {!isReply(activity) && (
            <section className="replies-section" aria-label="Replies" aria-busy={list.isFetchingNextPage}>
              <h2>Replies</h2>
              {replies.length === 0 && <p className="status">No replies yet.</p>}
              {replies.map((reply) => (
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
