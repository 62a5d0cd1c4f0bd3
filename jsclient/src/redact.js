/**
 * The text that replaces a redacted query string.
 */
export const REDACTED = 'REDACTED';

// An absolute or path-only URL followed by a query string. The query ends at
// white space, a quote or a closing bracket, as it does in the messages that
// signet and Opencast return.
const urlWithQuery = /((?:[a-z][a-z0-9+.-]*:\/\/|\/)[^\s?"'<>]*)\?[^\s"'<>)\]]*/gi;

/**
 * Replaces the query string of a URL with `?REDACTED`, so that the URL can
 * be shown or logged without its policy, key id and signature. A URL
 * without a query is returned unchanged.
 *
 * @param {string | URL} url
 * @returns {string}
 */
export function redactUrl(url) {
	const text = String(url);
	const query = text.indexOf('?');
	if (query < 0) {
		return text;
	}
	const fragment = text.indexOf('#', query);
	const rest = fragment < 0 ? '' : text.slice(fragment);
	return `${text.slice(0, query)}?${REDACTED}${rest}`;
}

/**
 * Replaces the query string of every URL in a text with `?REDACTED`.
 *
 * @param {string} text
 * @returns {string}
 */
export function redactText(text) {
	return String(text).replace(urlWithQuery, `$1?${REDACTED}`);
}
