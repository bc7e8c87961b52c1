// Cruddur's endpoints, named by what they return. Each goes through the client.
import { api } from './client.js';

const enc = encodeURIComponent;

export const activities = {
  home: () => api.get('/api/activities/home'),
  notifications: () => api.get('/api/activities/notifications'),
  search: (term) => api.get(`/api/activities/search?term=${enc(term)}`),
  byHandle: (handle) => api.get(`/api/activities/@${enc(handle)}`),
  show: (handle, uuid) => api.get(`/api/activities/@${enc(handle)}/status/${enc(uuid)}`),
  create: (message, ttl) => api.post('/api/activities', { message, ttl }),
  reply: (uuid, message) => api.post(`/api/activities/${enc(uuid)}/reply`, { message }),
};

export const users = {
  short: (handle) => api.get(`/api/users/@${enc(handle)}/short`),
};

export const messages = {
  groups: () => api.get('/api/message_groups'),
  inGroup: (groupUuid) => api.get(`/api/messages/${enc(groupUuid)}`),
  send: (target, message) => api.post('/api/messages', { ...target, message }),
};
