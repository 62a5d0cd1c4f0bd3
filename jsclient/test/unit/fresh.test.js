import assert from 'node:assert/strict';
import {afterEach, describe, it} from 'node:test';

import {NotAuthorizedError, createClient} from '@signet-media/client';
import {delay, json, nextEvent, signedAnswer, stubFetch} from '../helpers/stub.js';

const endpoint = 'https://signet.example.org/api/security/sign';
const media = 'https://signet.example.org/media/lecture.mp4';

/**
 * Returns a client whose signed URLs live for exactly `lifetime` ms from
 * the time of signing, whatever valid-until asked for, so that tests do not
 * wait for whole seconds.
 */
function shortLivedClient(lifetime, answer) {
	let serial = 0;
	const fetch = stubFetch((call) => {
		serial++;
		if (answer) {
			const result = answer(serial);
			if (result) {
				return result;
			}
		}
		const body = signedAnswer(call, serial);
		return {...body, 'valid-until': new Date(Date.now() + lifetime).toISOString()};
	});
	const client = createClient({endpoint, fetch, retry: {limit: 0}});
	const keepFresh = client.keepFresh.bind(client);
	client.keepFresh = (url, options) => {
		const fresh = keepFresh(url, options);
		running.push(fresh);
		return fresh;
	};
	return {client, fetch};
}

// running contains every FreshUrl a test made, so that a failed test does not
// leave one refreshing and keep the test process alive.
/** @type {import('@signet-media/client').FreshUrl[]} */
const running = [];
afterEach(() => {
	for (const fresh of running.splice(0)) {
		fresh.stop();
	}
});

describe('keepFresh', () => {
	it('reports the first URL and each refresh', async () => {
		const {client} = shortLivedClient(400);
		const seen = [];
		const fresh = client.keepFresh(media, {margin: 200, onUrl: (signed) => seen.push(signed.url)});
		const events = [];
		fresh.addEventListener('url', (event) => events.push(event.detail.url));
		const first = await fresh.ready;
		await nextEvent(fresh, 'url', 2000);
		await nextEvent(fresh, 'url', 2000);
		fresh.stop();
		assert.equal(seen[0], first.url);
		assert.ok(seen.length >= 3, `only ${seen.length} URLs`);
		assert.equal(new Set(seen).size, seen.length);
		assert.deepEqual(events, seen);
		assert.equal(fresh.current?.url, seen.at(-1));
	});

	it('refreshes margin before expiry', async () => {
		const {client} = shortLivedClient(1500);
		const fresh = client.keepFresh(media, {margin: 700});
		const first = await fresh.ready;
		const event = await nextEvent(fresh, 'url', 2000);
		fresh.stop();
		const early = first.validUntil.getTime() - Date.now();
		assert.ok(early > 500, `refreshed ${early} ms before expiry`);
		assert.notEqual(event.detail.url, first.url);
	});

	it('stops refreshing', async () => {
		const {client, fetch} = shortLivedClient(600);
		const fresh = client.keepFresh(media, {margin: 100});
		await fresh.ready;
		fresh.stop();
		await delay(800);
		assert.equal(fetch.calls.length, 1);
	});

	it('rejects a lifetime within the margin', () => {
		const {client} = shortLivedClient(1000);
		assert.throws(() => client.keepFresh(media, {lifetime: 5000, margin: 6000}), RangeError);
	});

	it('stops after a 4xx answer', async () => {
		const {client, fetch} = shortLivedClient(600, (n) => (n > 1 ? json(401, {error: 'expired session'}) : undefined));
		const errors = [];
		const fresh = client.keepFresh(media, {margin: 100, onError: (e) => errors.push(e)});
		await fresh.ready;
		const event = await nextEvent(fresh, 'error', 2000);
		await delay(1200);
		fresh.stop();
		assert.ok(event.detail instanceof NotAuthorizedError);
		assert.equal(errors.length, 1);
		assert.equal(fetch.calls.length, 2);
	});

	it('tries again after a 5xx answer', async () => {
		const {client} = shortLivedClient(600, (n) => (n === 2 ? json(503, {}) : undefined));
		const fresh = client.keepFresh(media, {margin: 100});
		const first = await fresh.ready;
		await nextEvent(fresh, 'error', 2000);
		const event = await nextEvent(fresh, 'url', 4000);
		fresh.stop();
		assert.notEqual(event.detail.url, first.url);
	});

	it('rejects ready when the first signing fails', async () => {
		const {client} = shortLivedClient(600, () => json(403, {error: 'forbidden'}));
		const fresh = client.keepFresh(media);
		await assert.rejects(fresh.ready, NotAuthorizedError);
		fresh.stop();
	});
});

describe('FreshUrl.signUrl', () => {
	it('signs URLs in the resource pattern', async () => {
		const {client, fetch} = shortLivedClient(60_000);
		const fresh = client.keepFresh('https://signet.example.org/hls/index.m3u8', {
			resource: 'https://signet.example.org/hls/*',
		});
		await fresh.ready;
		fresh.stop();
		assert.equal(fetch.calls[0].form.get('resource'), 'https://signet.example.org/hls/*');
		assert.equal(fresh.signUrl('https://signet.example.org/hls/seg1.ts'), `https://signet.example.org/hls/seg1.ts?${fresh.query()}`);
		assert.equal(fresh.signUrl('https://signet.example.org/other.ts'), 'https://signet.example.org/other.ts');
		assert.match(fresh.query(), /^policy=[^&]+&keyId=demo&signature=[0-9a-f]+$/);
	});

	it('signs a path-only pattern only on the origin of the signed URL', async () => {
		const {client} = shortLivedClient(60_000);
		const fresh = client.keepFresh('https://signet.example.org/hls/index.m3u8', {resource: '/hls/*'});
		await fresh.ready;
		fresh.stop();
		assert.equal(fresh.signUrl('https://signet.example.org/hls/seg1.ts'), `https://signet.example.org/hls/seg1.ts?${fresh.query()}`);
		assert.equal(fresh.signUrl('https://evil.example/hls/seg1.ts'), 'https://evil.example/hls/seg1.ts');
	});

	it('leaves URLs alone without a resource pattern', async () => {
		const {client} = shortLivedClient(60_000);
		const fresh = client.keepFresh(media);
		await fresh.ready;
		fresh.stop();
		assert.equal(fresh.signUrl(media), media);
	});
});
