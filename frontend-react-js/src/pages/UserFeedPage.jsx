import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router-dom';
import { editPages, prependItem, queries } from '../api/queries.js';
import ActivityFeed from '../components/ActivityFeed.jsx';
import ErrorList from '../components/ErrorList.jsx';
import ProfileHeading from '../components/ProfileHeading.jsx';
import TextForm, { crudForm } from '../components/TextForm.jsx';
import { useUser } from '../contexts/UserContext.jsx';
import NotFoundPage from './NotFoundPage.jsx';

// Routed as "/:atHandle" because a route segment cannot mix "@" and a param.
export default function UserFeedPage() {
  const { atHandle } = useParams();
  const handle = atHandle.startsWith('@') ? atHandle.slice(1) : null;
  if (!handle) return <NotFoundPage />;
  return <UserFeed handle={handle} />;
}

function UserFeed({ handle }) {
  const { user } = useUser();
  const queryClient = useQueryClient();
  const feed = queries.userFeed(handle, user?.handle ?? null);
  const list = useInfiniteQuery(feed);
  const profile = list.data?.payload.profile;

  if (list.error?.status === 404) return <NotFoundPage what={`@${handle}`} />;
  return (
    <>
      {profile ? <ProfileHeading profile={profile} /> : <h1 className="page-title">@{handle}</h1>}
      {!profile && <ErrorList error={list.error} />}
      {profile && user?.handle === handle && (
        <TextForm {...crudForm()} onSent={(crud) => editPages(queryClient, feed, prependItem(crud))} />
      )}
      {profile && <ActivityFeed feed={feed} list={list} label={`Cruds by @${handle}`} emptyText="No live cruds." />}
    </>
  );
}
