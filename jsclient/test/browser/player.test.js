// Browser tests: the player page of `signet serve` in Debian's Chromium.
import assert from 'node:assert/strict';
import {mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';

import {launchChromium} from '../helpers/browser.js';
import {repoRoot, startDemo} from '../helpers/server.js';

const screenshots = join(repoRoot, 'out/screenshots');

/** @type {import('../helpers/server.js').RunningServer} */
let server;
/** @type {Awaited<ReturnType<typeof launchChromium>>} */
let chromium;
/** Requests the browser tried to send beyond loopback. */
const outside = [];

before(async () => {
	server = await startDemo();
	chromium = await launchChromium();
	await chromium.browser.route('**/*', (route) => {
		const {hostname, protocol} = new URL(route.request().url());
		if (protocol === 'data:' || hostname === '127.0.0.1' || hostname === 'localhost') {
			return route.continue();
		}
		outside.push(route.request().url());
		return route.abort();
	});
});

after(async () => {
	await chromium?.close();
	await server?.stop();
	assert.deepEqual(outside, [], 'the browser sent requests beyond loopback');
});

/** Opens the player page and returns it with the console errors it logs. */
async function openPlayer(origin = server.base) {
	const page = await chromium.browser.newPage();
	const errors = [];
	page.on('console', (message) => {
		if (message.type() === 'error') {
			errors.push(message.text());
		}
	});
	page.on('pageerror', (error) => errors.push(error.message));
	await page.goto(`${origin}/player/`);
	await page.waitForSelector('body[data-ready="true"]');
	return {page, errors};
}

/** Signs in with the demo password and waits for the player. */
async function signIn(page, {lifetime = 20, margin = 8} = {}) {
	await page.fill('#lifetime', String(lifetime));
	await page.fill('#margin', String(margin));
	await page.fill('#password', server.password ?? '');
	await page.click('#sign-in-button');
	await page.waitForSelector('#sign-in-status.ok');
}

/** Returns the video's position and state. */
function videoState(page) {
	return page.evaluate(() => {
		const video = /** @type {HTMLVideoElement} */ (document.getElementById('video'));
		return {time: video.currentTime, paused: video.paused, error: video.error?.code ?? 0, src: video.currentSrc};
	});
}

/**
 * Waits until the video has played on by at least `seconds` of playback,
 * counting across loops, and returns the last state.
 */
async function waitPlayed(page, seconds, timeout = 10_000) {
	await page.evaluate(
		([target, limit]) => new Promise((resolve, reject) => {
			const video = /** @type {HTMLVideoElement} */ (document.getElementById('video'));
			let played = 0;
			let last = video.currentTime;
			const timer = setTimeout(() => reject(new Error(`played ${played.toFixed(2)} s of ${target} s`)), limit);
			const onTime = () => {
				const delta = video.currentTime - last;
				last = video.currentTime;
				if (delta > 0 && delta < 1) {
					played += delta;
				}
				if (played >= target) {
					clearTimeout(timer);
					video.removeEventListener('timeupdate', onTime);
					resolve(played);
				}
			};
			video.addEventListener('timeupdate', onTime);
		}),
		[seconds, timeout],
	);
	return videoState(page);
}

describe('player page', {timeout: 60_000}, () => {
	it('loads without errors', async () => {
		const {page, errors} = await openPlayer();
		assert.equal(await page.title(), 'signet player demo');
		assert.equal(await page.isHidden('#load-error'), true);
		assert.deepEqual(errors, []);
		await page.close();
	});

	it('reports a wrong password', async () => {
		const {page} = await openPlayer();
		await page.fill('#password', 'wrong');
		await page.click('#sign-in-button');
		await page.waitForSelector('#sign-in-status.refused');
		const text = await page.textContent('#sign-in-status');
		assert.match(text ?? '', /401, invalid user name, password or token/);
		await page.close();
	});

	it('plays a signed sample', async () => {
		const {page, errors} = await openPlayer();
		await signIn(page);
		assert.equal(await page.inputValue('#sample'), 'sample.webm');
		await page.click('#play');
		const state = await waitPlayed(page, 1.5);
		assert.equal(state.paused, false);
		assert.equal(state.error, 0);
		assert.match(state.src, /\/media\/sample\.webm\?policy=.*&signature=/);
		const signedUrlText = await page.textContent('#signed-url');
		assert.match(signedUrlText ?? '', /^\/media\/sample\.webm\?policy=…&keyId=demo-[0-9a-f]+&signature=…$/);
		assert.match(await page.textContent('#remaining') ?? '', /^\d+\.\d s$/);
		await mkdir(screenshots, {recursive: true});
		await page.screenshot({path: join(screenshots, 'player-playing.png'), fullPage: true});
		assert.deepEqual(errors, []);
		await page.close();
	});

	it('plays the H.264 sample', async () => {
		const {page} = await openPlayer();
		await signIn(page);
		await page.selectOption('#sample', 'sample.mp4');
		await page.click('#play');
		const state = await waitPlayed(page, 1);
		assert.match(state.src, /sample\.mp4\?/);
		assert.equal(state.error, 0);
		await page.close();
	});

	it('refreshes a short-lived URL while playing', async () => {
		const {page, errors} = await openPlayer();
		await signIn(page, {lifetime: 5, margin: 3});
		await page.click('#play');
		const before = await waitPlayed(page, 0.5);
		// Each URL is valid for 5 s and replaced 3 s before expiry, so the
		// first has expired after 7 s of playback.
		await page.waitForFunction(() => Number(document.getElementById('refresh-count')?.textContent) >= 3, null, {timeout: 15_000});
		const after = await waitPlayed(page, 1.5);
		assert.notEqual(after.src, before.src);
		assert.equal(after.paused, false);
		assert.equal(after.error, 0);
		const firstStatus = await page.evaluate((url) => fetch(url, {headers: {Range: 'bytes=0-0'}}).then((r) => r.status), before.src);
		assert.equal(firstStatus, 410);
		const log = await page.textContent('#log');
		assert.match(log ?? '', /Refreshed at playback position \d+\.\d s/);
		const positions = [...(log ?? '').matchAll(/Refreshed at playback position (\d+\.\d) s/g)].map((m) => Number(m[1]));
		assert.ok(positions.some((p) => p > 0), `refresh positions ${positions}`);
		assert.doesNotMatch(log ?? '', /signature=[0-9a-f]/);
		// Loading a refreshed URL again is no stall.
		assert.equal(await page.textContent('#stall-count'), '0', `the page reported stalls:\n${log}`);
		assert.deepEqual(errors.filter((e) => !/status of 410/.test(e)), []);
		await page.screenshot({path: join(screenshots, 'player-refreshed.png'), fullPage: true});
		await page.close();
	});

	const rejections = [
		{button: '#try-unsigned', expected: /Unsigned URL: rejected with 401 unsigned \(“the URL is not signed”\)/},
		{button: '#try-tampered', expected: /Tampered signature: rejected with 403 invalid-signature/},
		{button: '#try-other', expected: /Signature of another file: rejected with 403 resource-mismatch/},
		{button: '#try-expired', expected: /Expired URL: rejected with 410 expired \(“the signed URL has expired”\)/},
	];
	for (const {button, expected} of rejections) {
		it(`explains the rejection of ${button.slice(5)}`, async () => {
			const {page} = await openPlayer();
			await signIn(page);
			await page.click(button);
			await page.waitForFunction(() => /rejected|accepted/.test(document.getElementById('answer')?.textContent ?? ''), null, {timeout: 10_000});
			assert.match(await page.textContent('#answer') ?? '', expected);
			assert.equal((await videoState(page)).time, 0);
			await page.close();
		});
	}
});

describe('client in the browser', {timeout: 60_000}, () => {
	it('recovers once from a 410 during playback', async () => {
		const {page} = await openPlayer();
		const result = await page.evaluate(async (password) => {
			const {attachSignedSource, basicAuthorization, createClient} = await import('/player/vendor/signet-client/index.js');
			let calls = 0;
			// The first response claims a validity of a minute for a URL the
			// server signed for one second, as a client whose clock runs
			// behind would see it.
			const skewedFetch = async (input, init) => {
				calls++;
				if (calls > 1) {
					return fetch(input, init);
				}
				const form = new URLSearchParams(init.body);
				form.set('valid-until', new Date(Date.now() + 1000).toISOString().replace(/\.\d+Z$/, 'Z'));
				const response = await fetch(input, {...init, body: form});
				const body = await response.json();
				body['valid-until'] = new Date(Date.now() + 60_000).toISOString();
				return new Response(JSON.stringify(body), {status: response.status});
			};
			const client = createClient({
				endpoint: '/api/security/sign',
				headers: () => ({Authorization: basicAuthorization('demo', password)}),
				fetch: skewedFetch,
			});
			const video = document.createElement('video');
			video.muted = true;
			video.preload = 'none';
			document.body.append(video);
			const source = attachSignedSource(client, video, '/media/sample.webm', {lifetime: 120_000, margin: 10_000});
			const recovered = new Promise((resolve) => source.addEventListener('recovered', (e) => resolve(`${e.detail.status} ${e.detail.reason}`)));
			const first = await source.ready;
			await new Promise((resolve) => setTimeout(resolve, 2500));
			video.play().catch(() => {});
			const within = (promise, expected) => Promise.race([promise, new Promise((_, reject) => {
				setTimeout(() => reject(new Error(`no ${expected} within 10 s`)), 10_000);
			})]);
			const playing = new Promise((resolve) => source.addEventListener('url', () => {
				video.addEventListener('playing', resolve, {once: true});
			}, {once: true}));
			const reason = await within(recovered, 'recovery');
			await within(playing, 'playback after recovery');
			await new Promise((resolve) => setTimeout(resolve, 500));
			source.stop();
			return {reason, calls, changed: video.currentSrc !== first.url, time: video.currentTime, paused: video.paused};
		}, server.password);
		assert.equal(result.reason, '410 expired');
		assert.equal(result.calls, 2);
		assert.equal(result.changed, true);
		assert.equal(result.paused, false);
		assert.ok(result.time > 0.2, `played ${result.time} s`);
		await page.close();
	});

	it('signs across origins with CORS', async () => {
		const localhost = server.base.replace('127.0.0.1', 'localhost');
		const {page} = await openPlayer(localhost);
		const result = await page.evaluate(async ({base, password}) => {
			const {basicAuthorization, createClient} = await import('/player/vendor/signet-client/index.js');
			const client = createClient({
				endpoint: `${base}/api/security/sign`,
				headers: () => ({Authorization: basicAuthorization('demo', password)}),
				credentials: 'include',
			});
			const signed = await client.sign(`${base}/media/sample.webm`);
			const response = await fetch(signed.url, {headers: {Range: 'bytes=0-0'}});
			return {status: response.status, origin: location.origin};
		}, {base: server.base, password: server.password});
		assert.equal(result.origin, localhost);
		assert.equal(result.status, 206);
		await page.close();
	});
});
