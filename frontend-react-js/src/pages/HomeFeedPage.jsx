import { activities } from '../api/cruddur.js';
import ActivityFeed from '../components/ActivityFeed.jsx';
import ActivityForm from '../components/ActivityForm.jsx';
import { useUser } from '../contexts/UserContext.jsx';
import { usePagedList } from '../hooks/usePagedList.js';

export default function HomeFeedPage() {
  const { user } = useUser();
  const list = usePagedList(() => activities.home(), [user?.handle]);

  return (
    <>
      <h1 className="page-title">Home</h1>
      {user && <ActivityForm onCreated={(crud) => list.setItems((items) => [crud, ...items])} />}
      <ActivityFeed list={list} label="Home feed" emptyText="No cruds yet. Be the first!" />
    </>
  );
}
