import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { serveDataDir } from './vite-plugins/serveDataDir.ts';
import { contentSecurityPolicy } from './vite-plugins/contentSecurityPolicy.ts';
import { wasmThreads } from './vite-plugins/wasmThreads.ts';

// Cross-origin isolation gives the page SharedArrayBuffer, which the threaded SIMD wasm build needs.
// Static hosting must send the same two headers (README, "Threads and cross-origin isolation").
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), serveDataDir(), contentSecurityPolicy(), wasmThreads()],
  server: { headers: isolation },
  preview: { headers: isolation },
  // tfjs runs in the workers, whose bundles get their own plugin list
  worker: { format: 'es', plugins: () => [wasmThreads()] },
  // Pre-bundle up front: otherwise a fresh dev server reloads the page on first load.
  optimizeDeps: {
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu', 'react', 'react-dom/client', 'zustand', 'zod'],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 6000 },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'node',
          include: ['src/**/*.test.ts', 'workers/**/*.test.ts', 'bench/**/*.test.ts', 'vite-plugins/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['e2e/**/*.e2e.ts'],
          globalSetup: ['e2e/globalSetup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
