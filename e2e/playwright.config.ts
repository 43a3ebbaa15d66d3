import { defineConfig } from '@playwright/test';
import { storageStateFile } from './fixtures/auth';

const port = Number(process.env.E2E_PORT ?? 3199);

/** Debian's chromium, driven by Playwright (no browser download here). */
export default defineConfig({
  testDir: './specs',
  outputDir: './artifacts/results',
  timeout: 30_000,
  expect: { timeout: 5_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  // Logs in through the server's login link once; every context starts with that session cookie.
  globalSetup: './fixtures/global-setup.ts',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    storageState: storageStateFile(port),
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // Voice: Chromium's fake microphone (a beeping tone) and an automatic yes to the permission prompt.
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
      ],
    },
  },
  webServer: {
    command: `node fixtures/start-server.mjs ${port}`,
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
