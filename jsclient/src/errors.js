import {redactText, redactUrl} from './redact.js';

/**
 * The base class of every error that a sign request raises. `status` is the
 * HTTP status of the response, 0 when there was none. `serverMessage` is
 * the `error` text of the server's JSON body, with the query of every URL
 * in it redacted. `url` is the URL that was to be signed, redacted too.
 * No message contains a signed URL, a token or a password.
 */
export class SignetError extends Error {
	/**
	 * @param {string} message
	 * @param {{status?: number, serverMessage?: string, url?: string, cause?: unknown}} [details]
	 */
	constructor(message, details = {}) {
		super(redactText(message), details.cause === undefined ? undefined : {cause: details.cause});
		this.name = new.target.name;
		/** @type {number} */
		this.status = details.status ?? 0;
		/** @type {string} */
		this.serverMessage = redactText(details.serverMessage ?? '');
		/** @type {string} */
		this.url = details.url === undefined ? '' : redactUrl(details.url);
	}
}

/**
 * The server rejected the credentials (401) or the caller may not sign
 * (403). Sign in again or use an account with the right role; it is never
 * retried.
 */
export class NotAuthorizedError extends SignetError {}

/**
 * The server responded with 200 and `{"error": "Given URL cannot be signed"}`:
 * no key signs this URL for the caller's organization, or the URL is
 * excluded. It is never retried.
 */
export class CannotBeSignedError extends SignetError {}

/**
 * The server rejected a parameter with 400. `parameter` names the form
 * parameter at fault, such as `valid-until`, when the server names one.
 * It is never retried.
 */
export class BadRequestError extends SignetError {
	/**
	 * @param {string} message
	 * @param {{status?: number, serverMessage?: string, url?: string, parameter?: string}} [details]
	 */
	constructor(message, details = {}) {
		super(message, details);
		/** @type {string} */
		this.parameter = details.parameter ?? '';
	}
}

/**
 * The request failed before a response arrived: the server is unreachable,
 * the connection broke, or a browser withheld a cross-origin response for
 * lack of CORS headers. `status` is 0. It is retried.
 */
export class NetworkError extends SignetError {}

/**
 * The server responded with a 5xx status. It is retried.
 */
export class ServerError extends SignetError {}

/**
 * The server responded with a status or body that the sign API never sends,
 * such as 404 from a wrong endpoint or an HTML page. It is never retried.
 */
export class UnexpectedResponseError extends SignetError {}

/**
 * A signed media URL was rejected while a player loaded it. `status` is
 * the media server's status (401, 403 or 410 from signet) and `reason` its
 * reason code from the `X-Signet-Reason` header, such as `expired`, or an
 * empty string when the server sent none.
 */
export class MediaRejectedError extends SignetError {
	/**
	 * @param {string} message
	 * @param {{status?: number, serverMessage?: string, url?: string, reason?: string}} [details]
	 */
	constructor(message, details = {}) {
		super(message, details);
		/** @type {string} */
		this.reason = details.reason ?? '';
	}
}

/**
 * Reports whether an error is worth another attempt: a network failure or
 * a 5xx response. A 4xx response never is.
 *
 * @param {unknown} error
 * @returns {boolean}
 */
export function isRetryable(error) {
	return error instanceof NetworkError || error instanceof ServerError;
}
