import {
	BadRequestError,
	CannotBeSignedError,
	NetworkError,
	NotAuthorizedError,
	ServerError,
	UnexpectedResponseError,
	isRetryable,
} from './errors.js';
import {redactUrl} from './redact.js';

/**
 * @typedef {object} SignParams
 * @property {string} url
 * @property {Date} [validUntil]
 * @property {string} [validSource]
 * @property {string} [resource]
 */

/**
 * @typedef {object} Transport
 * @property {string} endpoint
 * @property {typeof fetch} fetch
 * @property {RequestCredentials} credentials
 * @property {() => Promise<Headers>} headers
 * @property {number} timeout milliseconds
 * @property {{limit: number, delay: number, maxDelay: number}} retry
 */

/**
 * Formats a time as the sign API's valid-until: ISO 8601 in UTC with whole
 * seconds. The time is rounded up, because the server cuts it down to
 * whole seconds and a lifetime should not come out shorter than requested.
 *
 * @param {Date} date
 * @returns {string}
 */
export function formatValidUntil(date) {
	const seconds = Math.ceil(date.getTime() / 1000);
	return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Sends a sign request, retrying network failures and 5xx responses up to
 * `retry.limit` times with exponential backoff. The signal cancels the
 * request and any wait between attempts.
 *
 * @param {Transport} transport
 * @param {SignParams} params
 * @param {AbortSignal} [signal]
 * @returns {Promise<{url: string, validUntil: Date}>}
 */
export async function requestSignature(transport, params, signal) {
	for (let attempt = 0; ; attempt++) {
		try {
			return await requestOnce(transport, params, signal);
		} catch (error) {
			if (!isRetryable(error) || attempt >= transport.retry.limit) {
				throw error;
			}
			await sleep(backoff(transport.retry, attempt), signal);
		}
	}
}

/**
 * Returns the wait before retry number attempt+1: delay doubled per
 * attempt, capped at maxDelay, and scaled by a random factor from 0.5 to 1
 * so that many players do not retry in step.
 *
 * @param {{delay: number, maxDelay: number}} retry
 * @param {number} attempt
 */
function backoff(retry, attempt) {
	const full = Math.min(retry.maxDelay, retry.delay * 2 ** attempt);
	return full * (0.5 + Math.random() / 2);
}

/**
 * @param {Transport} transport
 * @param {SignParams} params
 * @param {AbortSignal} [signal]
 */
async function requestOnce(transport, params, signal) {
	const response = await post(transport, params, signal);
	const body = await readBody(response, params.url);
	return interpret(response.status, body, params.url);
}

/**
 * Posts the form and returns the response, or raises NetworkError. When
 * signal aborts, the request is cancelled and signal.reason is raised.
 *
 * @param {Transport} transport
 * @param {SignParams} params
 * @param {AbortSignal} [signal]
 * @returns {Promise<Response>}
 */
async function post(transport, params, signal) {
	signal?.throwIfAborted();
	const controller = new AbortController();
	const onAbort = () => controller.abort(signal?.reason);
	signal?.addEventListener('abort', onAbort, {once: true});
	const timer = setTimeout(() => controller.abort(timeoutMarker), transport.timeout);
	try {
		const headers = await transport.headers();
		headers.set('Accept', 'application/json');
		return await transport.fetch(transport.endpoint, {
			method: 'POST',
			headers,
			body: formBody(params),
			credentials: transport.credentials,
			cache: 'no-store',
			signal: controller.signal,
		});
	} catch (error) {
		throw networkFailure(error, controller.signal, params.url, transport.timeout);
	} finally {
		clearTimeout(timer);
		signal?.removeEventListener('abort', onAbort);
	}
}

// timeoutMarker is the abort reason of a request that ran out of time.
const timeoutMarker = Symbol('timeout');

/**
 * @param {unknown} error
 * @param {AbortSignal} signal
 * @param {string} url
 * @param {number} timeout
 */
function networkFailure(error, signal, url, timeout) {
	if (signal.aborted && signal.reason === timeoutMarker) {
		return new NetworkError(`Signing ${redactUrl(url)} timed out after ${timeout} ms.`, {url});
	}
	if (signal.aborted) {
		return signal.reason;
	}
	const detail = error instanceof Error ? error.message : String(error);
	return new NetworkError(`Signing ${redactUrl(url)} failed: no response from the sign endpoint (${detail}).`, {
		url,
		cause: error,
	});
}

/** @param {SignParams} params */
function formBody(params) {
	const form = new URLSearchParams({url: params.url});
	if (params.validUntil !== undefined) {
		form.set('valid-until', formatValidUntil(params.validUntil));
	}
	if (params.validSource) {
		form.set('valid-source', params.validSource);
	}
	if (params.resource) {
		form.set('resource', params.resource);
	}
	return form;
}

/**
 * Reads a JSON body, or returns undefined when the body is not JSON. A body
 * that breaks off is a network failure.
 *
 * @param {Response} response
 * @param {string} url
 * @returns {Promise<any>}
 */
async function readBody(response, url) {
	let text;
	try {
		text = await response.text();
	} catch (error) {
		throw new NetworkError(`Signing ${redactUrl(url)} failed while reading the response.`, {
			status: response.status,
			url,
			cause: error,
		});
	}
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/**
 * Maps a status and JSON body to the signed URL or to the error class of
 * their kind.
 *
 * @param {number} status
 * @param {any} body
 * @param {string} url
 */
function interpret(status, body, url) {
	const serverMessage = typeof body?.error === 'string' ? body.error : '';
	const details = {status, serverMessage, url};
	const action = `Signing ${redactUrl(url)}`;
	const detail = serverMessage ? `: ${serverMessage}` : '';
	if (status === 200) {
		return signedOrError(body, details, action);
	}
	if (status === 400) {
		const parameter = typeof body?.parameter === 'string' ? body.parameter : '';
		throw new BadRequestError(`${action} was rejected with 400${detail}`, {...details, parameter});
	}
	if (status === 401 || status === 403) {
		throw new NotAuthorizedError(`${action} was rejected with ${status}${detail}`, details);
	}
	if (status >= 500) {
		throw new ServerError(`${action} failed with ${status}${detail}`, details);
	}
	throw new UnexpectedResponseError(`${action} got an unexpected ${status} from the sign endpoint${detail}`, details);
}

/**
 * @param {any} body
 * @param {{status: number, serverMessage: string, url: string}} details
 * @param {string} action
 */
function signedOrError(body, details, action) {
	if (details.serverMessage) {
		throw new CannotBeSignedError(`${action} is not possible: ${details.serverMessage}`, details);
	}
	const validUntil = new Date(body?.['valid-until']);
	if (typeof body?.url !== 'string' || Number.isNaN(validUntil.getTime())) {
		throw new UnexpectedResponseError(`${action} got a 200 without url and valid-until from the sign endpoint`, details);
	}
	return {url: body.url, validUntil};
}

/**
 * Waits ms milliseconds, or raises signal.reason when signal aborts first.
 *
 * @param {number} ms
 * @param {AbortSignal} [signal]
 * @returns {Promise<void>}
 */
export function sleep(ms, signal) {
	return new Promise((resolve, reject) => {
		signal?.throwIfAborted();
		const onAbort = () => {
			clearTimeout(timer);
			reject(signal?.reason);
		};
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, {once: true});
	});
}
