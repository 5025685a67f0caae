import { defineConfig } from '@playwright/test';

// Playwright's own browser downloads are unreachable here: the tests drive Debian's Chromium
// (installed by .ci/run) unless ASSAY_CHROMIUM points elsewhere.
const executablePath = process.env.ASSAY_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'e2e',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 2,
  // A backstop on CI only (a loaded two-core box), not the fix: specs wait on states (e2e/fixtures.ts
  // pressKey), and ASSAY_E2E_CPU_THROTTLE=N reproduces a slow page locally. A retried test is listed as flaky.
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath,
      // Chromium as root needs --no-sandbox; the network flags stop it calling home on a closed network.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
