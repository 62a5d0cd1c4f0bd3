import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {chromium} from 'playwright-core';

/** Debian's Chromium, installed with `apt-get install chromium`. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launches Debian's Chromium headless with a fresh profile. The flags turn
 * off every background connection, so that the browser reaches nothing but
 * the loopback servers the tests start.
 *
 * @returns {Promise<{browser: import('playwright-core').BrowserContext, close: () => Promise<void>}>}
 */
export async function launchChromium() {
	const profile = await mkdtemp(join(tmpdir(), 'signet-chromium-'));
	const browser = await chromium.launchPersistentContext(profile, {
		executablePath: chromiumPath,
		headless: true,
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
		viewport: {width: 420, height: 900},
	});
	return {
		browser,
		close: async () => {
			await browser.close();
			await rm(profile, {recursive: true, force: true});
		},
	};
}
