import { useParams } from 'react-router-dom';
import { activities } from '../api/cruddur.js';
import ActivityFeed from '../components/ActivityFeed.jsx';
import ActivityForm from '../components/ActivityForm.jsx';
import ErrorList, { errorsOf } from '../components/ErrorList.jsx';
import { traceIdOf } from '../lib/errors.js';
import ProfileHeading from '../components/ProfileHeading.jsx';
import { useUser } from '../contexts/UserContext.jsx';
import { usePagedList } from '../hooks/usePagedList.js';
import NotFoundPage from './NotFoundPage.jsx';

const selectActivities = (payload) => payload.activities ?? [];

// Routed as "/:atHandle" because a route segment cannot mix "@" and a param.
export default function UserFeedPage() {
  const { atHandle } = useParams();
  const handle = atHandle.startsWith('@') ? atHandle.slice(1) : null;
  if (!handle) return <NotFoundPage />;
  return <UserFeed handle={handle} />;
}

function UserFeed({ handle }) {
  const { user } = useUser();
  const list = usePagedList(() => activities.byHandle(handle), [handle, user?.handle], selectActivities);
  const profile = list.payload?.profile;

  if (list.error && list.error.status === 404) return <NotFoundPage what={`@${handle}`} />;
  return (
    <>
      {profile ? <ProfileHeading profile={profile} /> : <h1 className="page-title">@{handle}</h1>}
      {list.error && !profile && <ErrorList errors={errorsOf(list.error)} traceId={traceIdOf(list.error)} />}
      {profile && user?.handle === handle && (
        <ActivityForm onCreated={(crud) => list.setItems((items) => [crud, ...items])} />
      )}
      {profile && <ActivityFeed list={list} label={`Cruds by @${handle}`} emptyText="No live cruds." />}
    </>
  );
}
