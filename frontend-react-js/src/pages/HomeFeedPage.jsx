import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { editPages, prependItem, queries } from '../api/queries.js';
import ActivityFeed from '../components/ActivityFeed.jsx';
import TextForm, { crudForm } from '../components/TextForm.jsx';
import { useUser } from '../contexts/UserContext.jsx';

export default function HomeFeedPage() {
  const { user } = useUser();
  const queryClient = useQueryClient();
  const feed = queries.home(user?.handle ?? null);
  const list = useInfiniteQuery(feed);

  return (
    <>
      <h1 className="page-title">Home</h1>
      {user && <TextForm {...crudForm()} onSent={(crud) => editPages(queryClient, feed, prependItem(crud))} />}
      <ActivityFeed feed={feed} list={list} label="Home feed" emptyText="No cruds yet. Be the first!" />
    </>
  );
}
