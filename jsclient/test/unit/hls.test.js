import assert from 'node:assert/strict';
import {afterEach, describe, it} from 'node:test';

import {attachSignedHls, createClient, hlsSigningHooks, signingQuery, streamResource} from '@signet-media/client';
import {delay, nextEvent, signedAnswer, stubFetch} from '../helpers/stub.js';

const endpoint = 'https://signet.example.org/api/security/sign';
const master = 'https://signet.example.org/media/hls/master.m3u8';
const segment = 'https://signet.example.org/media/hls/v1/seg0.m4s';
const outside = 'https://signet.example.org/media/other/seg0.m4s';

/**
 * Returns a client whose signed URLs live for `lifetime` ms, with a
 * signature that counts the sign requests.
 */
function shortLivedClient(lifetime = 60_000) {
	let serial = 0;
	const fetch = stubFetch((call) => {
		serial++;
		return {...signedAnswer(call, serial), 'valid-until': new Date(Date.now() + lifetime).toISOString()};
	});
	return {client: createClient({endpoint, fetch, retry: {limit: 0}}), fetch};
}

/** An XMLHttpRequest stand-in that records open. */
class StubXhr {
	/** @type {[string, string, boolean][]} */
	opened = [];
	open(method, url, async) {
		this.opened.push([method, url, async]);
	}
}

/** An hls.js stand-in that records what attachSignedHls does with it. */
class StubHls {
	static Events = {ERROR: 'hlsError'};
	/** @type {StubHls[]} */
	static instances = [];

	constructor(config) {
		this.config = config;
		this.sources = [];
		this.media = undefined;
		this.destroyed = false;
		/** @type {Map<string, Function>} */
		this.listeners = new Map();
		StubHls.instances.push(this);
	}

	loadSource(url) {
		this.sources.push(url);
	}

	attachMedia(media) {
		this.media = media;
	}

	on(event, listener) {
		this.listeners.set(event, listener);
	}

	off(event) {
		this.listeners.delete(event);
	}

	destroy() {
		this.destroyed = true;
	}

	/** Reports an error as hls.js does. */
	emitError(data) {
		this.listeners.get(StubHls.Events.ERROR)?.(StubHls.Events.ERROR, data);
	}

	/** Sends a request through the configured xhrSetup, as hls.js does. */
	async request(url) {
		const xhr = new StubXhr();
		await this.config.xhrSetup(xhr, url);
		return xhr.opened[0][1];
	}
}

const running = [];
afterEach(() => {
	for (const stream of running.splice(0)) {
		stream.destroy();
	}
	StubHls.instances.length = 0;
});

/** @param {ReturnType<typeof attachSignedHls>} stream */
function track(stream) {
	running.push(stream);
	return stream;
}

describe('streamResource', () => {
	it('covers the playlist directory', () => {
		assert.equal(streamResource(master), 'https://signet.example.org/media/hls/*');
		assert.equal(streamResource('/media/hls/master.m3u8?x=1#t'), '/media/hls/*');
	});
});

describe('hlsSigningHooks', () => {
	it('signs requests inside the scope with xhrSetup', async () => {
		const {client} = shortLivedClient();
		const fresh = client.keepFresh(master, {resource: streamResource(master)});
		running.push({destroy: () => fresh.stop()});
		const hooks = hlsSigningHooks(fresh);
		const xhr = new StubXhr();

		// Before the first signature, the hook waits for it.
		await hooks.xhrSetup(xhr, segment);
		assert.deepEqual(xhr.opened, [['GET', `${segment}?${fresh.query()}`, true]]);

		const outsideXhr = new StubXhr();
		assert.equal(hooks.xhrSetup(outsideXhr, outside), undefined);
		assert.deepEqual(outsideXhr.opened, [['GET', outside, true]]);
	});

	it('signs requests inside the scope with fetchSetup', async () => {
		const {client} = shortLivedClient();
		const fresh = client.keepFresh(master, {resource: streamResource(master)});
		running.push({destroy: () => fresh.stop()});
		const hooks = hlsSigningHooks(fresh);
		const first = await hooks.fetchSetup({url: `${segment}?lang=de`}, {method: 'GET'});
		assert.equal(first.url, `${segment}?lang=de&${fresh.query()}`);
		const other = hooks.fetchSetup({url: outside}, {method: 'GET'});
		assert.ok(other instanceof Request);
		assert.equal(other.url, outside);
	});

	it('replaces a signature that the playlist carried', async () => {
		const {client} = shortLivedClient();
		const fresh = client.keepFresh(master, {resource: streamResource(master)});
		running.push({destroy: () => fresh.stop()});
		await fresh.ready;
		const stale = `${segment}?policy=old&keyId=demo&signature=${'0'.repeat(64)}`;
		const xhr = new StubXhr();
		hlsSigningHooks(fresh).xhrSetup(xhr, stale);
		assert.equal(xhr.opened[0][1], `${segment}?${fresh.query()}`);
	});
});

describe('attachSignedHls', () => {
	it('loads the signed playlist and signs later requests', async () => {
		const {client, fetch} = shortLivedClient();
		const media = {};
		const stream = track(attachSignedHls(client, StubHls, media, master, {hlsConfig: {maxBufferLength: 4}}));
		const signed = await stream.ready;
		const hls = StubHls.instances[0];

		assert.equal(fetch.calls[0].form.get('resource'), 'https://signet.example.org/media/hls/*');
		assert.equal(hls.media, media);
		assert.deepEqual(hls.sources, [signed.url]);
		assert.equal(hls.config.maxBufferLength, 4);
		assert.equal(await hls.request(segment), `${segment}?${signingQuery(signed.url)}`);
	});

	it('switches to the refreshed signature without reloading', async () => {
		const {client} = shortLivedClient(700);
		const stream = track(attachSignedHls(client, StubHls, {}, master, {margin: 400}));
		const first = await stream.ready;
		const hls = StubHls.instances[0];
		await nextEvent(stream.fresh, 'url', 2000);

		const query = signingQuery(stream.fresh.current.url);
		assert.notEqual(query, signingQuery(first.url));
		assert.equal(await hls.request(segment), `${segment}?${query}`);
		assert.equal(hls.sources.length, 1, 'the stream was loaded again');
	});

	it('signs again after a rejection of the current signature', async () => {
		const {client, fetch} = shortLivedClient();
		const stream = track(attachSignedHls(client, StubHls, {}, master));
		await stream.ready;
		const hls = StubHls.instances[0];
		const rejected = await hls.request(segment);

		hls.emitError({response: {code: 410}, networkDetails: {responseURL: rejected}});
		await nextEvent(stream.fresh, 'url', 2000);
		assert.equal(fetch.calls.length, 2);

		// A rejection of a signature that is no longer current, or of
		// another kind, signs nothing: the retry already uses the new one.
		hls.emitError({response: {code: 410}, networkDetails: {responseURL: rejected}});
		hls.emitError({response: {code: 404}, context: {url: await hls.request(segment)}});
		await delay(50);
		assert.equal(fetch.calls.length, 2);
	});

	it('stops refreshing when destroyed', async () => {
		const {client, fetch} = shortLivedClient(700);
		const stream = attachSignedHls(client, StubHls, {}, master, {margin: 400});
		await stream.ready;
		stream.destroy();
		const hls = StubHls.instances[0];
		assert.equal(hls.destroyed, true);
		assert.equal(hls.listeners.size, 0);
		await delay(600);
		assert.equal(fetch.calls.length, 1);
	});

	it('does not load a stream destroyed before its first signature', async () => {
		const {client} = shortLivedClient();
		const stream = attachSignedHls(client, StubHls, {}, master);
		stream.destroy();
		await stream.ready.catch(() => {});
		assert.deepEqual(StubHls.instances[0].sources, []);
	});
});
