import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Where the UI's own server (`npm run dev`, and `vite preview` under bin/run) sends /api/ and
// /rollbar/, so that the UI and the API share one origin as they do behind nginx: BACKEND_ADDR
// (host:port, the name compose gives nginx's upstream), else the backend's BACKEND_URL.
const API_TARGET = process.env.BACKEND_ADDR
  ? `http://${process.env.BACKEND_ADDR}`
  : process.env.BACKEND_URL || 'http://localhost:4567';

// An API that does not answer gets the JSON answer nginx gives in compose, not an empty 502.
function answerUnavailable(proxy) {
  proxy.on('error', (_error, _request, response) => {
    if ('req' in response && !response.headersSent && !response.writableEnded) {
      response.writeHead(502, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ errors: ['backend_unavailable'] }));
    }
  });
}

const apiRoute = { target: API_TARGET, changeOrigin: true, configure: answerUnavailable };
const proxy = { '/api/': apiRoute, '/rollbar/': apiRoute };

// Vite answers 403 to a Host header that is neither an IP address nor localhost (DNS rebinding);
// the host a user opens the UI at on purpose is the UI's FRONTEND_URL.
function frontendHosts() {
  try {
    return process.env.FRONTEND_URL ? [new URL(process.env.FRONTEND_URL).hostname] : [];
  } catch {
    return [];
  }
}

export default defineConfig({
  plugins: [react()],
  server: { port: 3000, proxy, allowedHosts: frontendHosts() },
  preview: { port: 3000, proxy, allowedHosts: frontendHosts() },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/testing/setup.js'],
    env: { VITE_BACKEND_URL: 'http://api.cruddur.test' },
    restoreMocks: true,
    testTimeout: 10000,
  },
});
