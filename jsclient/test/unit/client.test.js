import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {basicAuthorization, createClient, formatValidUntil} from '@signet-media/client';
import {delay, json, signedAnswer, stubFetch} from '../helpers/stub.js';

const endpoint = 'https://signet.example.org/api/security/sign';
const media = 'https://signet.example.org/media/lecture.mp4';

/** Returns a client whose stubbed fetch signs every request. */
function signingClient(options = {}) {
	let serial = 0;
	const fetch = stubFetch((call) => signedAnswer(call, ++serial));
	return {client: createClient({endpoint, fetch, retry: {limit: 0}, ...options}), fetch};
}

describe('sign', () => {
	it('posts the form parameters', async () => {
		const {client, fetch} = signingClient({credentials: 'include'});
		const signed = await client.sign(media, {
			validUntil: new Date('2030-01-02T03:04:05.001Z'),
			validSource: '192.0.2.7',
			resource: 'https://signet.example.org/media/*',
		});
		const [call] = fetch.calls;
		assert.equal(call.url, endpoint);
		assert.equal(call.init.method, 'POST');
		assert.equal(call.init.credentials, 'include');
		assert.equal(call.headers.get('Accept'), 'application/json');
		assert.equal(call.form.get('url'), media);
		assert.equal(call.form.get('valid-until'), '2030-01-02T03:04:06Z');
		assert.equal(call.form.get('valid-source'), '192.0.2.7');
		assert.equal(call.form.get('resource'), 'https://signet.example.org/media/*');
		assert.match(signed.url, /^https:\/\/signet\.example\.org\/media\/lecture\.mp4\?policy=/);
		assert.deepEqual(signed.validUntil, new Date('2030-01-02T03:04:06Z'));
	});

	it('leaves out parameters that are not given', async () => {
		const {client, fetch} = signingClient();
		await client.sign(media);
		assert.deepEqual([...fetch.calls[0].form.keys()], ['url']);
		assert.equal(fetch.calls[0].init.credentials, 'same-origin');
	});

	it('turns lifetime into valid-until', async () => {
		const now = Date.parse('2030-01-01T00:00:00Z');
		const {client, fetch} = signingClient({now: () => now});
		await client.sign(media, {lifetime: 5000});
		assert.equal(fetch.calls[0].form.get('valid-until'), '2030-01-01T00:00:05Z');
	});

	it('sends a bearer token', async () => {
		const {client, fetch} = signingClient({token: 'tok-123'});
		await client.sign(media);
		assert.equal(fetch.calls[0].headers.get('Authorization'), 'Bearer tok-123');
	});

	it('asks a token function on every request', async () => {
		let n = 0;
		const {client, fetch} = signingClient({token: async () => `tok-${++n}`});
		await client.sign(media);
		await client.sign(media, {force: true});
		assert.equal(fetch.calls[0].headers.get('Authorization'), 'Bearer tok-1');
		assert.equal(fetch.calls[1].headers.get('Authorization'), 'Bearer tok-2');
	});

	it('adds headers from a function', async () => {
		const {client, fetch} = signingClient({headers: () => ({Authorization: basicAuthorization('demo', 'pässword')})});
		await client.sign(media);
		const header = fetch.calls[0].headers.get('Authorization');
		assert.equal(header, `Basic ${Buffer.from('demo:pässword').toString('base64')}`);
	});

	it('rejects an invalid validUntil', async () => {
		const {client} = signingClient();
		await assert.rejects(client.sign(media, {validUntil: 'tomorrow'}), TypeError);
	});
});

describe('sign cache', () => {
	it('hands out a URL while it is fresh', async () => {
		let now = Date.parse('2030-01-01T00:00:00Z');
		const {client, fetch} = signingClient({now: () => now, margin: 10_000});
		const first = await client.sign(media, {lifetime: 60_000});
		now += 49_000;
		assert.equal(await client.sign(media, {lifetime: 60_000}), first);
		assert.equal(fetch.calls.length, 1);
	});

	it('signs again within the margin', async () => {
		let now = Date.parse('2030-01-01T00:00:00Z');
		const {client, fetch} = signingClient({now: () => now, margin: 10_000});
		const first = await client.sign(media, {lifetime: 60_000});
		now += 50_000;
		const second = await client.sign(media, {lifetime: 60_000});
		assert.notEqual(second.url, first.url);
		assert.equal(fetch.calls.length, 2);
	});

	it('signs again when forced', async () => {
		const {client, fetch} = signingClient();
		const first = await client.sign(media);
		const second = await client.sign(media, {force: true});
		assert.notEqual(second.url, first.url);
		assert.equal(await client.sign(media), second);
		assert.equal(fetch.calls.length, 2);
	});

	it('keeps requests with other options apart', async () => {
		const {client, fetch} = signingClient();
		await client.sign(media);
		await client.sign(media, {validSource: '192.0.2.7'});
		await client.sign(media, {resource: 'https://signet.example.org/media/*'});
		await client.sign(media, {lifetime: 60_000});
		await client.sign('https://signet.example.org/media/other.mp4');
		assert.equal(fetch.calls.length, 5);
	});

	it('forgets URLs on clear', async () => {
		const {client, fetch} = signingClient();
		await client.sign(media);
		client.clear();
		await client.sign(media);
		assert.equal(fetch.calls.length, 2);
	});
});

describe('concurrent sign', () => {
	it('shares one network call', async () => {
		const {client, fetch} = signingClient();
		const results = await Promise.all([client.sign(media), client.sign(media), client.sign(media)]);
		assert.equal(fetch.calls.length, 1);
		assert.equal(results[1], results[0]);
		assert.equal(results[2], results[0]);
	});

	it('lets a forced call join a pending one', async () => {
		const {client, fetch} = signingClient();
		const [a, b] = await Promise.all([client.sign(media), client.sign(media, {force: true})]);
		assert.equal(fetch.calls.length, 1);
		assert.equal(a, b);
	});
});

/** Returns a client whose fetch waits until released or aborted. */
function slowClient() {
	/** @type {() => void} */
	let release = () => {};
	const gate = new Promise((resolve) => {
		release = () => resolve(undefined);
	});
	let serial = 0;
	const fetch = stubFetch(async (call) => {
		await Promise.race([gate, new Promise((_, reject) => {
			call.init.signal?.addEventListener('abort', () => reject(call.init.signal?.reason));
		})]);
		return signedAnswer(call, ++serial);
	});
	return {client: createClient({endpoint, fetch, retry: {limit: 0}}), fetch, release};
}

describe('sign with AbortSignal', () => {
	it('rejects at once when already aborted', async () => {
		const {client, fetch} = signingClient();
		const signal = AbortSignal.abort();
		await assert.rejects(client.sign(media, {signal}), {name: 'AbortError'});
		assert.equal(fetch.calls.length, 0);
	});

	it('cancels the network call', async () => {
		const {client, fetch} = slowClient();
		const controller = new AbortController();
		const pending = client.sign(media, {signal: controller.signal});
		await delay(10);
		controller.abort();
		await assert.rejects(pending, {name: 'AbortError'});
		assert.equal(fetch.calls[0].init.signal?.aborted, true);
	});

	it('keeps a shared call for the callers left', async () => {
		const {client, fetch, release} = slowClient();
		const controller = new AbortController();
		const aborted = client.sign(media, {signal: controller.signal});
		const kept = client.sign(media);
		await delay(10);
		controller.abort();
		await assert.rejects(aborted, {name: 'AbortError'});
		release();
		const signed = await kept;
		assert.match(signed.url, /signature=/);
		assert.equal(fetch.calls.length, 1);
		assert.equal(fetch.calls[0].init.signal?.aborted, false);
	});

	it('starts anew after every caller aborted', async () => {
		const {client, fetch, release} = slowClient();
		const controller = new AbortController();
		const aborted = client.sign(media, {signal: controller.signal});
		await delay(10);
		controller.abort();
		await assert.rejects(aborted, {name: 'AbortError'});
		release();
		await client.sign(media);
		assert.equal(fetch.calls.length, 2);
	});
});

describe('formatValidUntil', () => {
	it('rounds up to whole seconds', () => {
		assert.equal(formatValidUntil(new Date('2030-01-01T00:00:00.000Z')), '2030-01-01T00:00:00Z');
		assert.equal(formatValidUntil(new Date('2030-01-01T00:00:00.001Z')), '2030-01-01T00:00:01Z');
		assert.equal(formatValidUntil(new Date('2030-12-31T23:59:59.999Z')), '2031-01-01T00:00:00Z');
	});
});

describe('createClient', () => {
	it('requires an endpoint', () => {
		assert.throws(() => createClient(/** @type {any} */ ({})), TypeError);
	});

	it('rejects a lifetime within the margin', () => {
		assert.throws(() => createClient({endpoint, margin: 5000, lifetime: 5000}), RangeError);
	});

	it('answers a sign body of another shape', async () => {
		const fetch = stubFetch(() => json(200, {url: 'x'}));
		const client = createClient({endpoint, fetch});
		await assert.rejects(client.sign(media), {name: 'UnexpectedResponseError'});
	});
});
