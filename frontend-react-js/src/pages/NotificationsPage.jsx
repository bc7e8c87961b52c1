import { activities } from '../api/cruddur.js';
import ActivityFeed from '../components/ActivityFeed.jsx';
import { usePagedList } from '../hooks/usePagedList.js';

export default function NotificationsPage() {
  const list = usePagedList(() => activities.notifications(), []);
  return (
    <>
      <h1 className="page-title">Notifications</h1>
      <ActivityFeed list={list} label="Notifications" emptyText="No replies or mentions yet." />
    </>
  );
}
