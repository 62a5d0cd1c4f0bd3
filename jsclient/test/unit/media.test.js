import assert from 'node:assert/strict';
import {afterEach, describe, it} from 'node:test';

import {MediaRejectedError, attachSignedSource, checkRejection, createClient} from '@signet-media/client';
import {delay, json, nextEvent, signedAnswer, stubFetch} from '../helpers/stub.js';

const endpoint = 'https://signet.example.org/api/security/sign';
const media = 'https://signet.example.org/media/lecture.mp4';

/**
 * A stand-in for HTMLMediaElement with the parts the adapter uses. Setting
 * src resets the element as the load algorithm does; finishLoading plays
 * the part of the network.
 */
class FakeMedia extends EventTarget {
	constructor() {
		super();
		this.currentTime = 0;
		this.paused = true;
		this.readyState = 0;
		/** @type {{code: number} | null} */
		this.error = null;
		this.currentSrc = '';
		this.sources = [];
	}

	set src(url) {
		this.sources.push(url);
		this.currentSrc = url;
		this.currentTime = 0;
		this.paused = true;
		this.readyState = 0;
		this.error = null;
	}

	get src() {
		return this.currentSrc;
	}

	getAttribute(name) {
		return name === 'src' ? this.currentSrc || null : null;
	}

	finishLoading() {
		this.readyState = 1;
		this.dispatchEvent(new Event('loadedmetadata'));
	}

	fail(code = 4) {
		this.error = {code};
		this.dispatchEvent(new Event('error'));
		// Chromium pauses an element whose source failed.
		if (!this.paused) {
			this.paused = true;
			this.dispatchEvent(new Event('pause'));
		}
	}

	async play() {
		this.paused = false;
		this.dispatchEvent(new Event('play'));
		this.dispatchEvent(new Event('playing'));
	}

	playTo(time) {
		this.currentTime = time;
		this.dispatchEvent(new Event('timeupdate'));
	}
}

const sources = [];
afterEach(() => {
	for (const source of sources.splice(0)) {
		source.stop();
	}
});

/**
 * Attaches a signed source to a FakeMedia. The sign endpoint returns URLs
 * that live for lifetime ms, and the media server responds with mediaStatus
 * (a status or a function of the URL).
 */
function attach({lifetime = 60_000, margin = 100, mediaStatus = 200} = {}) {
	let serial = 0;
	const signFetch = stubFetch((call) => ({
		...signedAnswer(call, ++serial),
		'valid-until': new Date(Date.now() + lifetime).toISOString(),
	}));
	const mediaFetch = stubFetch((call) => {
		const status = typeof mediaStatus === 'function' ? mediaStatus(call.url) : mediaStatus;
		if (status === 200) {
			return new Response('x', {status: 206});
		}
		const reason = status === 410 ? 'expired' : 'invalid-signature';
		return json(status, {error: 'rejected', reason}, {'X-Signet-Reason': reason});
	});
	const client = createClient({endpoint, fetch: signFetch, retry: {limit: 0}});
	const element = new FakeMedia();
	const source = attachSignedSource(client, /** @type {any} */ (element), media, {margin, fetch: mediaFetch});
	sources.push(source);
	return {element, source, signFetch, mediaFetch};
}

describe('attachSignedSource', () => {
	it('sets the signed URL as src', async () => {
		const {element, source} = attach();
		const signed = await source.ready;
		assert.deepEqual(element.sources, [signed.url]);
		assert.equal(source.current, signed);
	});

	it('keeps position and playing state on refresh', async () => {
		const {element, source} = attach({lifetime: 800, margin: 300});
		await source.ready;
		element.finishLoading();
		await element.play();
		element.playTo(12.5);
		const event = await nextEvent(source, 'url', 2000);
		assert.equal(element.src, event.detail.url);
		element.finishLoading();
		assert.equal(element.currentTime, 12.5);
		assert.equal(element.paused, false);
	});

	it('keeps a paused element paused on refresh', async () => {
		const {element, source} = attach({lifetime: 800, margin: 300});
		await source.ready;
		element.finishLoading();
		element.playTo(3);
		await nextEvent(source, 'url', 2000);
		element.finishLoading();
		assert.equal(element.currentTime, 3);
		assert.equal(element.paused, true);
	});

	it('signs again once after a 410', async () => {
		const {element, source, signFetch} = attach({mediaStatus: 410});
		const first = await source.ready;
		element.finishLoading();
		await element.play();
		element.playTo(2);
		element.fail(2);
		const recovered = await nextEvent(source, 'recovered');
		assert.ok(recovered.detail instanceof MediaRejectedError);
		assert.equal(recovered.detail.status, 410);
		assert.equal(recovered.detail.reason, 'expired');
		const next = await nextEvent(source, 'url');
		assert.notEqual(next.detail.url, first.url);
		assert.equal(signFetch.calls.length, 2);
		element.finishLoading();
		assert.equal(element.currentTime, 2);
		assert.equal(element.paused, false);
	});

	it('gives up after a second rejection in a row', async () => {
		const {element, source, signFetch} = attach({mediaStatus: 403});
		await source.ready;
		element.fail();
		await nextEvent(source, 'url');
		element.fail();
		const error = await nextEvent(source, 'error');
		assert.ok(error.detail instanceof MediaRejectedError);
		assert.equal(error.detail.status, 403);
		assert.equal(error.detail.reason, 'invalid-signature');
		assert.equal(signFetch.calls.length, 2);
	});

	it('recovers again once playback resumed', async () => {
		const {element, source, signFetch} = attach({mediaStatus: 410});
		await source.ready;
		element.fail();
		await nextEvent(source, 'url');
		element.finishLoading();
		await element.play();
		element.fail();
		await nextEvent(source, 'url');
		assert.equal(signFetch.calls.length, 3);
	});

	it('reports a failure the server does not explain', async () => {
		const {element, source, signFetch} = attach({mediaStatus: 200});
		await source.ready;
		element.fail();
		const error = await nextEvent(source, 'error');
		assert.match(error.detail.message, /media server accepts the URL/);
		assert.ok(!error.detail.message.includes('signature='));
		assert.equal(signFetch.calls.length, 1);
	});

	it('does not recover from a 401', async () => {
		const {element, source} = attach({mediaStatus: 401});
		await source.ready;
		element.fail();
		const error = await nextEvent(source, 'error');
		assert.equal(error.detail.status, 401);
	});

	it('ignores failures of an old URL', async () => {
		const {element, source, mediaFetch} = attach({mediaStatus: 410});
		await source.ready;
		element.currentSrc = 'https://signet.example.org/media/old.mp4?signature=1';
		element.fail();
		await delay(50);
		assert.equal(mediaFetch.calls.length, 0);
	});

	it('stops refreshing and listening', async () => {
		const {element, source, signFetch, mediaFetch} = attach({lifetime: 700, margin: 300});
		await source.ready;
		source.stop();
		element.fail();
		await delay(700);
		assert.equal(signFetch.calls.length, 1);
		assert.equal(mediaFetch.calls.length, 0);
	});
});

describe('checkRejection', () => {
	it('returns the status, reason and message', async () => {
		const fetch = stubFetch(() => json(403, {error: 'the signature does not match the policy'}, {'X-Signet-Reason': 'invalid-signature'}));
		const rejection = await checkRejection(`${media}?policy=p&keyId=k&signature=s`, fetch);
		assert.equal(rejection?.status, 403);
		assert.equal(rejection?.reason, 'invalid-signature');
		assert.equal(rejection?.serverMessage, 'the signature does not match the policy');
		assert.equal(rejection?.url, `${media}?REDACTED`);
		assert.ok(!rejection?.message.includes('signature=s'));
		assert.equal(fetch.calls[0].headers.get('Range'), 'bytes=0-0');
	});

	it('returns undefined for a URL that loads', async () => {
		const fetch = stubFetch(() => new Response('x', {status: 206}));
		assert.equal(await checkRejection(media, fetch), undefined);
	});
});
