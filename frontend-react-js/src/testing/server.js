// MSW intercepts fetch at the network layer; the API client runs unchanged.
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { config } from '../config.js';

export const API = config.backendUrl;
export const apiUrl = (path) => `${API}${path}`;

export const server = setupServer(
  http.get(apiUrl('/api/activities/home'), () => HttpResponse.json([])),
  http.get(apiUrl('/api/activities/notifications'), () => HttpResponse.json([])),
  http.get(apiUrl('/api/message_groups'), () => HttpResponse.json([])),
);

export { http, HttpResponse };
