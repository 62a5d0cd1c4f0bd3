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
		if (!this.current || !pattern || !coveredBy(url, pattern, absoluteUrl(this.current.url))) {
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
 * Reports whether a resource pattern, a prefix ending in `*`, covers url,
 * so that the signature of the pattern may go to it. Both are read as
 * browsers read URLs, relative ones against base, the URL that was
 * signed. The url must then have the pattern's origin (for a path-only
 * pattern, that of base) and a path that starts with the pattern's. So a
 * signature never goes to another host, which could use it, even when
 * the pattern has no host or its host is the start of another's
 * (`https://m.example.org*` and `m.example.org.evil.example`). Without a
 * base, a path-only pattern covers nothing.
 *
 * @param {string} url
 * @param {string} pattern
 * @param {string} [base] the signed URL, absolute, such as https://m.example.org/hls/master.m3u8
 */
export function coveredBy(url, pattern, base) {
	const prefix = pattern.endsWith('*') ? pattern.slice(0, -1) : pattern;
	const target = parseUrl(url.split('#', 1)[0], base);
	const scope = parseUrl(prefix, base);
	if (!target || !scope || target.origin !== scope.origin || target.origin === 'null') {
		return false;
	}
	return target.pathname.startsWith(scope.pathname);
}

/**
 * Parses url, relative to base when it is relative, or returns undefined.
 *
 * @param {string} url
 * @param {string} [base]
 */
function parseUrl(url, base) {
	try {
		return new URL(url, base);
	} catch {
		return undefined;
	}
}

/**
 * Returns the signed URL as an absolute URL, against the page's address
 * for a path-only one, or undefined when it has none to resolve against.
 *
 * @param {string} url
 */
function absoluteUrl(url) {
	return parseUrl(url, globalThis.location?.href)?.href;
}
