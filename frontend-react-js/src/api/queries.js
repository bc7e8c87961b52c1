// Server state on TanStack Query: one query per resource, named by its key. A key that holds
// `viewer` (the signed-in handle, or null) is answered per account, so another account never sees it.
import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { api } from './client.js';
import { activities, messages, users } from './cruddur.js';

// A page as the cache keeps it: the list (`items`), what else the answer held (`payload`: a profile,
// the crud whose replies these are) and the Link rel="next" URL.
function toPage({ data, next }, field) {
  if (!field) return { payload: null, items: data, next };
  const { [field]: items = [], ...payload } = data;
  return { payload, items, next };
}

// What a paged list shows: the first page's payload and every loaded page's items, in order.
const joinPages = (data) => ({ payload: data.pages[0].payload, items: data.pages.flatMap((page) => page.items) });

// A keyset-paged list: the first page from `load`, each next one from the previous page's Link rel="next"
// URL ("load more"), as the API sends them. `field` names the list inside an object answer.
function pagedList(queryKey, load, field = null) {
  return infiniteQueryOptions({
    queryKey,
    queryFn: async ({ pageParam }) => toPage(await (pageParam ? api.follow(pageParam) : load()), field),
    initialPageParam: null,
    getNextPageParam: (page) => page.next ?? undefined,
    select: joinPages,
  });
}

export const queries = {
  home: (viewer) => pagedList(['activities', 'home', viewer], activities.home),
  notifications: (viewer) => pagedList(['activities', 'notifications', viewer], activities.notifications),
  search: (term) => pagedList(['activities', 'search', term], () => activities.search(term)),
  userFeed: (handle, viewer) =>
    pagedList(['activities', 'user', handle, viewer], () => activities.byHandle(handle), 'activities'),
  activity: (handle, uuid) =>
    pagedList(['activities', 'show', handle, uuid], () => activities.show(handle, uuid), 'replies'),
  messageGroups: (viewer) => pagedList(['message_groups', viewer], messages.groups),
  messages: (groupUuid, viewer) => pagedList(['messages', groupUuid, viewer], () => messages.inGroup(groupUuid)),
  userShort: (handle) =>
    queryOptions({ queryKey: ['users', handle, 'short'], queryFn: async () => (await users.short(handle)).data }),
};

// What a sent crud, reply or message makes stale: the lists that may show it.
export const touchedBy = {
  crud: [['activities']],
  reply: [['activities']],
  message: [['message_groups'], ['messages']],
};

// Edits a cached paged list the way the answer to a write changes it, with no request: `edit` gets
// the pages ({payload, items, next}) and returns new ones.
export function editPages(queryClient, { queryKey }, edit) {
  queryClient.setQueryData(queryKey, (data) => data && { ...data, pages: edit(data.pages) });
}

const withItems = (page, items) => ({ ...page, items });

export const prependItem = (item) => (pages) => [withItems(pages[0], [item, ...pages[0].items]), ...pages.slice(1)];

export const appendItem = (item) => (pages) => [
  ...pages.slice(0, -1),
  withItems(pages.at(-1), [...pages.at(-1).items, item]),
];

export const mapItems = (change) => (pages) => pages.map((page) => withItems(page, page.items.map(change)));

export const removeItems = (unwanted) => (pages) =>
  pages.map((page) => withItems(page, page.items.filter((item) => !unwanted(item))));

export const editPayload = (change) => (pages) => [{ ...pages[0], payload: change(pages[0].payload) }, ...pages.slice(1)];
