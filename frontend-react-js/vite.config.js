import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Where `npm run dev` proxies /api: the backend's own BACKEND_URL when set.
const BACKEND = process.env.BACKEND_URL || 'http://localhost:4567';

export default defineConfig({
  plugins: [react()],
  server: {
    port: 3000,
    proxy: { '/api': BACKEND },
  },
  preview: {
    port: 3000,
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/testing/setup.js'],
    env: { VITE_BACKEND_URL: 'http://api.cruddur.test' },
    restoreMocks: true,
    testTimeout: 10000,
  },
});
