// Browser tests: the HLS sample in Debian's Chromium with hls.js, which the
// test serves from node_modules, because the signet binary does not embed it.
import assert from 'node:assert/strict';
import {mkdir, readFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';

import {launchChromium} from '../helpers/browser.js';
import {repoRoot, startDemo} from '../helpers/server.js';

const screenshots = join(repoRoot, 'out/screenshots');
const hlsScript = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');

/** Seconds each signed URL is valid for, and the refresh margin. */
const lifetime = 4;
const margin = 2;

/** @type {import('../helpers/server.js').RunningServer} */
let server;
/** @type {Awaited<ReturnType<typeof launchChromium>>} */
let chromium;
/** Requests the browser tried to send beyond loopback. */
const outside = [];

before(async () => {
	server = await startDemo();
	chromium = await launchChromium();
	const script = await readFile(hlsScript);
	await chromium.browser.route('**/*', (route) => {
		const url = new URL(route.request().url());
		if (url.protocol !== 'data:' && url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') {
			outside.push(route.request().url());
			return route.abort();
		}
		if (url.pathname === '/player/vendor/hls.min.js') {
			return route.fulfill({status: 200, contentType: 'text/javascript', body: script});
		}
		return route.continue();
	});
});

after(async () => {
	await chromium?.close();
	await server?.stop();
	assert.deepEqual(outside, [], 'the browser sent requests beyond loopback');
});

/**
 * Returns the signature value of a URL's query, for comparing signatures
 * without printing them.
 *
 * @param {string} url
 */
function signatureOf(url) {
	return new URL(url).searchParams.get('signature') ?? '';
}

describe('HLS in the player page', {timeout: 90_000}, () => {
	it('plays through several refreshes without a stall', async () => {
		const page = await chromium.browser.newPage();
		const errors = [];
		page.on('pageerror', (error) => errors.push(error.message));
		/** @type {{path: string, status: number, signature: string}[]} */
		const media = [];
		page.on('response', (response) => {
			const url = new URL(response.url());
			if (url.pathname.startsWith('/media/hls/')) {
				media.push({path: url.pathname, status: response.status(), signature: signatureOf(response.url())});
			}
		});

		await page.goto(`${server.base}/player/`);
		await page.waitForSelector('body[data-ready="true"]');
		await page.fill('#lifetime', String(lifetime));
		await page.fill('#margin', String(margin));
		await page.fill('#password', server.password ?? '');
		await page.click('#sign-in-button');
		await page.waitForSelector('#sign-in-status.ok');
		await page.selectOption('#sample', 'hls/master.m3u8');
		await page.click('#play');

		// Three lifetimes of playback, counted from the first frame.
		await page.waitForFunction(() => {
			const video = /** @type {HTMLVideoElement} */ (document.getElementById('video'));
			return video.currentTime >= 3 * 4 + 0.5;
		}, null, {timeout: 40_000, polling: 200});

		const state = await page.evaluate(() => {
			const video = /** @type {HTMLVideoElement} */ (document.getElementById('video'));
			return {
				paused: video.paused,
				error: video.error?.code ?? 0,
				stalls: Number(document.getElementById('stall-count')?.textContent),
				refreshes: Number(document.getElementById('refresh-count')?.textContent),
				log: document.getElementById('log')?.textContent ?? '',
			};
		});
		await mkdir(screenshots, {recursive: true});
		await page.screenshot({path: join(screenshots, 'player-hls.png'), fullPage: true});

		assert.equal(state.paused, false);
		assert.equal(state.error, 0);
		assert.equal(state.stalls, 0, `the page reported stalls:\n${state.log}`);
		assert.ok(state.refreshes >= 3, `${state.refreshes} refreshes`);
		assert.doesNotMatch(state.log, /hls\.js .*error/);
		assert.doesNotMatch(state.log, /signature=[0-9a-f]/);

		const segments = media.filter((m) => m.path.endsWith('.m4s'));
		assert.ok(segments.length >= 6, `${segments.length} segment requests`);
		assert.deepEqual(media.filter((m) => m.status !== 200).map((m) => `${m.status} ${m.path}`), []);
		const signatures = new Set(segments.map((m) => m.signature));
		assert.ok(signatures.size >= 3, `segments carried ${signatures.size} signatures, expected one per refresh`);
		assert.ok(media.every((m) => m.signature !== ''), 'a request went out unsigned');
		assert.deepEqual(errors, []);
		await page.close();
	});

	it('rejects a segment signed for another stream', async () => {
		const page = await chromium.browser.newPage();
		await page.goto(`${server.base}/player/`);
		const result = await page.evaluate(async (password) => {
			const {basicAuthorization, createClient, signingQuery} = await import('/player/vendor/signet-client/index.js');
			const client = createClient({
				endpoint: new URL('/api/security/sign', location.href).href,
				headers: () => ({Authorization: basicAuthorization('demo', password)}),
			});
			const segment = '/media/hls/v320x180/seg1.m4s';
			// A signature for the other variant's directory, and one for the
			// stream itself.
			const other = await client.sign('/media/hls/v160x90/index.m3u8', {resource: '/media/hls/v160x90/*'});
			const own = await client.sign('/media/hls/master.m3u8', {resource: '/media/hls/*'});
			const rejected = await fetch(`${segment}?${signingQuery(other.url)}`);
			const granted = await fetch(`${segment}?${signingQuery(own.url)}`);
			return {
				rejected: rejected.status,
				reason: rejected.headers.get('X-Signet-Reason'),
				granted: granted.status,
			};
		}, server.password ?? '');
		assert.deepEqual(result, {rejected: 403, reason: 'resource-mismatch', granted: 200});
		await page.close();
	});
});
