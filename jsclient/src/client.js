import {FreshUrl} from './fresh.js';
import {requestSignature} from './request.js';

/**
 * @typedef {import('../types/index.js').ClientOptions} ClientOptions
 * @typedef {import('../types/index.js').SignOptions} SignOptions
 * @typedef {import('../types/index.js').KeepFreshOptions} KeepFreshOptions
 * @typedef {import('../types/index.js').SignedUrl} SignedUrl
 * @typedef {import('./request.js').Transport} Transport
 */

/** The default of ClientOptions.margin: 30 seconds. */
export const DEFAULT_MARGIN = 30_000;

/** The default of ClientOptions.timeout: 10 seconds. */
export const DEFAULT_TIMEOUT = 10_000;

/** The default of ClientOptions.retry. */
export const DEFAULT_RETRY = Object.freeze({limit: 2, delay: 300, maxDelay: 5000});

/** The most signed URLs a client caches; the oldest go first. */
const maxCacheEntries = 500;

/**
 * Creates a client for a sign endpoint such as
 * `https://opencast.example.org/api/security/sign`.
 *
 * @param {ClientOptions} options
 * @returns {SignetClient}
 */
export function createClient(options) {
	return new SignetClient(options);
}

/**
 * A client of `POST /api/security/sign`. It caches signed URLs per request
 * and hands out a cached URL only while it stays valid for longer than
 * `margin`. Concurrent requests for the same URL and options share one
 * network call. A client is safe to share between players on a page.
 *
 * NOTE: cache lifetimes use the local clock, so a clock that runs behind
 * the server's by more than `margin` gets URLs that are already expired.
 */
export class SignetClient {
	/** @param {ClientOptions} options */
	constructor(options) {
		if (!options?.endpoint) {
			throw new TypeError('createClient: missing endpoint; give the URL of POST /api/security/sign');
		}
		/** @type {number} */
		this.margin = options.margin ?? DEFAULT_MARGIN;
		this.lifetime = options.lifetime;
		checkLifetime(this.lifetime, this.margin);
		/** @type {Transport} */
		this.transport = {
			endpoint: String(options.endpoint),
			fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
			credentials: options.credentials ?? 'same-origin',
			headers: headerSource(options),
			timeout: options.timeout ?? DEFAULT_TIMEOUT,
			retry: {...DEFAULT_RETRY, ...options.retry},
		};
		this.now = options.now ?? Date.now;
		/** @type {Map<string, SignedUrl>} */
		this.cache = new Map();
		/** @type {Map<string, SharedRequest>} */
		this.pending = new Map();
	}

	/**
	 * Signs url, or returns a cached signed URL for the same request that is
	 * valid for longer than `options.margin`, by default the client's. With `force`, it always sends a
	 * request and caches the new URL. Aborting `signal` rejects this call with
	 * the signal's reason; the network call is cancelled once every caller
	 * sharing it has aborted.
	 *
	 * @param {string | URL} url
	 * @param {SignOptions} [options]
	 * @returns {Promise<SignedUrl>}
	 */
	async sign(url, options = {}) {
		options.signal?.throwIfAborted();
		const params = this.signParams(String(url), options);
		const key = cacheKey(params, options);
		const cached = this.cache.get(key);
		if (!options.force && cached && this.isFresh(cached, options.margin)) {
			return cached;
		}
		// A forced call joins a pending request too, because that request
		// returns a URL newer than the cached one.
		const shared = this.pending.get(key) ?? this.startRequest(key, params);
		return shared.join(options.signal);
	}

	/**
	 * Keeps a signed URL for url fresh: it signs url now and again `margin`
	 * before each URL expires, and reports every new URL to `onUrl` and as
	 * a `url` event. Call `stop()` on the result to end it.
	 *
	 * @param {string | URL} url
	 * @param {KeepFreshOptions} [options]
	 * @returns {FreshUrl}
	 */
	keepFresh(url, options = {}) {
		const margin = options.margin ?? this.margin;
		checkLifetime(options.lifetime ?? this.lifetime, margin);
		return new FreshUrl(this, String(url), {...options, margin});
	}

	/**
	 * Removes every cached URL, as after signing out.
	 */
	clear() {
		this.cache.clear();
	}

	/**
	 * Reports whether signed is valid for longer than `margin`.
	 *
	 * @param {SignedUrl} signed
	 * @param {number} [margin]
	 */
	isFresh(signed, margin = this.margin) {
		return signed.validUntil.getTime() - this.now() > margin;
	}

	/**
	 * @param {string} url
	 * @param {SignOptions} options
	 * @returns {import('./request.js').SignParams}
	 */
	signParams(url, options) {
		const lifetime = options.lifetime ?? this.lifetime;
		let validUntil = options.validUntil === undefined ? undefined : new Date(options.validUntil);
		if (validUntil === undefined && lifetime !== undefined) {
			validUntil = new Date(this.now() + lifetime);
		}
		if (validUntil !== undefined && Number.isNaN(validUntil.getTime())) {
			throw new TypeError(`sign: invalid validUntil ${String(options.validUntil)}; give a Date or an ISO 8601 time`);
		}
		return {url, validUntil, validSource: options.validSource, resource: options.resource};
	}

	/**
	 * @param {string} key
	 * @param {import('./request.js').SignParams} params
	 */
	startRequest(key, params) {
		const shared = new SharedRequest((signal) => requestSignature(this.transport, params, signal));
		const forget = () => {
			if (this.pending.get(key) === shared) {
				this.pending.delete(key);
			}
		};
		this.pending.set(key, shared);
		shared.onCancel = forget;
		shared.promise.then((signed) => this.store(key, signed), () => {}).finally(forget);
		return shared;
	}

	/**
	 * @param {string} key
	 * @param {SignedUrl} signed
	 */
	store(key, signed) {
		this.cache.delete(key);
		this.cache.set(key, signed);
		for (const [oldKey, old] of this.cache) {
			if (this.cache.size <= maxCacheEntries && this.isFresh(old, 0)) {
				break;
			}
			this.cache.delete(oldKey);
		}
	}
}

/**
 * One network call that several sign calls wait for. The call is
 * cancelled when every caller that joined has aborted.
 */
class SharedRequest {
	/** @param {(signal: AbortSignal) => Promise<SignedUrl>} run */
	constructor(run) {
		this.controller = new AbortController();
		this.waiting = 0;
		/** Called when the request is cancelled, so that no one joins it. */
		this.onCancel = () => {};
		this.promise = run(this.controller.signal);
	}

	/**
	 * @param {AbortSignal} [signal]
	 * @returns {Promise<SignedUrl>}
	 */
	join(signal) {
		this.waiting++;
		if (!signal) {
			return this.promise;
		}
		return new Promise((resolve, reject) => {
			const onAbort = () => {
				reject(signal.reason);
				this.leave();
			};
			signal.addEventListener('abort', onAbort, {once: true});
			this.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
		});
	}

	leave() {
		this.waiting--;
		if (this.waiting === 0) {
			this.onCancel();
			this.controller.abort(new DOMException('every caller aborted', 'AbortError'));
		}
	}
}

/**
 * Returns the cache key of a request: the URL and every option that
 * changes the signed URL. An absolute validUntil is part of the key, and a
 * lifetime relative to now stands for itself.
 *
 * @param {import('./request.js').SignParams} params
 * @param {SignOptions} options
 */
function cacheKey(params, options) {
	const until = options.validUntil === undefined ? '' : params.validUntil?.toISOString();
	const lifetime = options.validUntil === undefined ? (options.lifetime ?? '') : '';
	return JSON.stringify([params.url, until, lifetime, params.validSource ?? '', params.resource ?? '']);
}

/**
 * Returns a function that builds the headers of a sign request from the
 * bearer token or the headers option.
 *
 * @param {ClientOptions} options
 * @returns {() => Promise<Headers>}
 */
function headerSource(options) {
	return async () => {
		const extra = typeof options.headers === 'function' ? await options.headers() : options.headers;
		const headers = new Headers(extra ?? undefined);
		const token = typeof options.token === 'function' ? await options.token() : options.token;
		if (token) {
			headers.set('Authorization', `Bearer ${token}`);
		}
		return headers;
	};
}

/**
 * Rejects a lifetime that is not longer than the margin, because every
 * URL signed with it would need a refresh at once.
 *
 * @param {number | undefined} lifetime
 * @param {number} margin
 */
function checkLifetime(lifetime, margin) {
	if (lifetime !== undefined && !(lifetime > margin)) {
		throw new RangeError(`lifetime ${lifetime} ms must be longer than the refresh margin ${margin} ms`);
	}
}

/**
 * Returns the value of an Authorization header for HTTP Basic
 * authentication, with the user name and password encoded as UTF-8.
 *
 * @param {string} username
 * @param {string} password
 * @returns {string}
 */
export function basicAuthorization(username, password) {
	const bytes = new TextEncoder().encode(`${username}:${password}`);
	let binary = '';
	for (const byte of bytes) {
		binary += String.fromCharCode(byte);
	}
	return `Basic ${btoa(binary)}`;
}
