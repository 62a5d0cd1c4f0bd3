import {isRetryable} from './errors.js';
import {signingQuery, withSigningQuery} from './query.js';

/**
 * @typedef {import('../types/index.js').KeepFreshOptions} KeepFreshOptions
 * @typedef {import('../types/index.js').SignedUrl} SignedUrl
 * @typedef {import('./client.js').SignetClient} SignetClient
 */

/** The shortest wait between two refreshes, in milliseconds. */
const minRefreshDelay = 500;

/** The maximum wait before another attempt after a failed refresh. */
const maxFailureDelay = 30_000;

/**
 * A signed URL that refreshes itself `margin` before it expires. It
 * dispatches a `url` event, a CustomEvent whose detail is the new
 * SignedUrl, for the first URL and every refresh, and an `error` event,
 * whose detail is the error, for each failed refresh. After a 4xx response
 * it stops refreshing. After a network failure or a 5xx response it tries
 * again with growing pauses of up to 30 seconds.
 */
export class FreshUrl extends EventTarget {
	/**
	 * @param {SignetClient} client
	 * @param {string} url
	 * @param {KeepFreshOptions & {margin: number}} options
	 */
	constructor(client, url, options) {
		super();
		this.client = client;
		this.url = url;
		this.options = options;
		/** @type {SignedUrl | undefined} */
		this.current = undefined;
		this.stopped = false;
		this.failures = 0;
		/** @type {ReturnType<typeof setTimeout> | undefined} */
		this.timer = undefined;
		this.controller = new AbortController();
		/** @type {Promise<SignedUrl>} */
		this.ready = this.refresh(false);
		this.ready.catch(() => {});
	}

	/**
	 * Signs the URL again at once, unless a refresh is already on its way,
	 * and resolves with the new URL. With force false, a cached URL that is
	 * still fresh is accepted.
	 *
	 * @param {boolean} [force]
	 * @returns {Promise<SignedUrl>}
	 */
	async refresh(force = true) {
		clearTimeout(this.timer);
		const {lifetime, validSource, resource, margin} = this.options;
		try {
			const signed = await this.client.sign(this.url, {
				lifetime, validSource, resource, margin, force, signal: this.controller.signal,
			});
			this.accept(signed);
			return signed;
		} catch (error) {
			this.fail(error);
			throw error;
		}
	}

	/** @param {SignedUrl} signed */
	accept(signed) {
		if (this.stopped) {
			return;
		}
		this.failures = 0;
		const changed = signed.url !== this.current?.url;
		this.current = signed;
		const wait = signed.validUntil.getTime() - this.client.now() - this.options.margin;
		this.schedule(Math.max(minRefreshDelay, wait));
		if (changed) {
			this.options.onUrl?.(signed);
			this.dispatchEvent(new CustomEvent('url', {detail: signed}));
		}
	}

	/** @param {unknown} error */
	fail(error) {
		if (this.stopped) {
			return;
		}
		this.options.onError?.(error);
		this.dispatchEvent(new CustomEvent('error', {detail: error}));
		if (isRetryable(error)) {
			this.failures++;
			this.schedule(Math.min(maxFailureDelay, 1000 * 2 ** this.failures));
		}
	}

	/** @param {number} ms */
	schedule(ms) {
		clearTimeout(this.timer);
		this.timer = setTimeout(() => this.refresh().catch(() => {}), ms);
	}

	/**
	 * Returns the query string (`policy=…&keyId=…&signature=…`) of the
	 * current signed URL, or an empty string before the first one. With a
	 * `resource` pattern, this query authorizes every URL the pattern
	 * covers, which is how an HLS player signs its segment requests.
	 *
	 * @returns {string}
	 */
	query() {
		return this.current ? signingQuery(this.current.url) : '';
	}

	/**
	 * Returns url with the current signing query appended, for a URL that
	 * the `resource` pattern covers, such as an HLS segment. Other URLs are
	 * returned unchanged, because the query does not authorize them.
	 *
	 * @param {string} url
	 * @returns {string}
	 */
	signUrl(url) {
		const pattern = this.options.resource;
		if (!this.current || !pattern || !coveredBy(url, pattern, originOf(this.current.url))) {
			return url;
		}
		return withSigningQuery(url, this.current.url);
	}

	/**
	 * Stops refreshing and cancels a refresh on its way. No events follow.
	 */
	stop() {
		this.stopped = true;
		clearTimeout(this.timer);
		this.controller.abort(new DOMException('keepFresh stopped', 'AbortError'));
	}
}

/**
 * Reports whether a resource pattern, a prefix ending in `*`, covers url.
 * A path-only pattern covers the path of an absolute URL, on any host
 * unless origin is given: then only on that origin, so that a signature
 * never goes to a URI on another host, which could use it.
 *
 * @param {string} url
 * @param {string} pattern
 * @param {string} [origin] the origin of the signed URL, such as https://m.example.org
 */
export function coveredBy(url, pattern, origin) {
	const prefix = pattern.endsWith('*') ? pattern.slice(0, -1) : pattern;
	const bare = url.split(/[?#]/, 1)[0];
	if (prefix.startsWith('/') && /^[a-z][a-z0-9+.-]*:\/\//i.test(bare)) {
		const parsed = new URL(bare);
		return (origin === undefined || parsed.origin === origin) && parsed.pathname.startsWith(prefix);
	}
	return bare.startsWith(prefix);
}

/**
 * Returns the origin of an absolute URL, or undefined for a path.
 *
 * @param {string} url
 */
function originOf(url) {
	return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? new URL(url).origin : undefined;
}
