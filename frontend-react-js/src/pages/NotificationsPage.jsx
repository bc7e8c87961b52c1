import { useInfiniteQuery } from '@tanstack/react-query';
import { queries } from '../api/queries.js';
import ActivityFeed from '../components/ActivityFeed.jsx';
import { useUser } from '../contexts/UserContext.jsx';

export default function NotificationsPage() {
  const { user } = useUser();
  const feed = queries.notifications(user?.handle ?? null);
  const list = useInfiniteQuery(feed);
  return (
    <>
      <h1 className="page-title">Notifications</h1>
      <ActivityFeed feed={feed} list={list} label="Notifications" emptyText="No replies or mentions yet." />
    </>
  );
}
