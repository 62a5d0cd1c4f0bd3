/**
 * A fetch stand-in that records each call and responds with handler's
 * result. handler gets the call and returns a Response, a plain object to
 * send as a 200 JSON body, or throws.
 *
 * @param {(call: Call) => Response | object | Promise<Response | object>} handler
 */
export function stubFetch(handler) {
	/** @type {Call[]} */
	const calls = [];
	/** @type {typeof fetch & {calls: Call[]}} */
	const fetchImpl = Object.assign(async (/** @type {any} */ input, /** @type {RequestInit} */ init = {}) => {
		const call = {
			url: String(input),
			init,
			headers: new Headers(init.headers),
			form: new URLSearchParams(init.body instanceof URLSearchParams ? init.body : ''),
		};
		calls.push(call);
		init.signal?.throwIfAborted();
		const result = await handler(call);
		return result instanceof Response ? result : json(200, result);
	}, {calls});
	return fetchImpl;
}

/**
 * @typedef {{url: string, init: RequestInit, headers: Headers, form: URLSearchParams}} Call
 */

/**
 * Returns a Response with a JSON body.
 *
 * @param {number} status
 * @param {object} body
 * @param {Record<string, string>} [headers]
 */
export function json(status, body, headers = {}) {
	return new Response(JSON.stringify(body), {
		status,
		headers: {'Content-Type': 'application/json', ...headers},
	});
}

/**
 * Responds to a sign call the way signet does: a signed URL whose signature
 * counts the calls, valid until the requested time or for two hours.
 *
 * @param {Call} call
 * @param {number} serial
 */
export function signedAnswer(call, serial) {
	const requested = call.form.get('valid-until');
	const validUntil = requested ?? new Date(Date.now() + 7_200_000).toISOString().replace(/\.\d+Z$/, 'Z');
	const url = `${call.form.get('url')}?policy=eyJwb2xpY3kiOnt9fQ&keyId=demo&signature=${'ab'.repeat(31)}${String(serial).padStart(2, '0')}`;
	return {url, 'valid-until': validUntil};
}

/**
 * Returns a promise that resolves when an event of type fires on target.
 *
 * @param {EventTarget} target
 * @param {string} type
 * @param {number} [timeout] milliseconds
 * @returns {Promise<Event>}
 */
export function nextEvent(target, type, timeout = 5000) {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`no ${type} event within ${timeout} ms`)), timeout);
		target.addEventListener(type, (event) => {
			clearTimeout(timer);
			resolve(event);
		}, {once: true});
	});
}

/** @param {number} ms */
export function delay(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
