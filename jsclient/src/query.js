/** The query parameters that a signature adds to a URL. */
export const SIGNING_PARAMETERS = Object.freeze(['policy', 'keyId', 'signature']);

/**
 * Returns the signing query of a signed URL: its `policy`, `keyId` and
 * `signature` parameters as they are written, without the leading `?`.
 * Other parameters are left out. The values are copied without decoding
 * and encoding them again, so the query stays byte for byte the signed one.
 *
 * @param {string} signedUrl
 * @returns {string}
 */
export function signingQuery(signedUrl) {
	return splitUrl(signedUrl).pairs.filter(isSigningPair).join('&');
}

/**
 * Returns url with the signing query of signedUrl, replacing any signing
 * parameters url has. Its other parameters and its fragment are kept.
 *
 * @param {string} url
 * @param {string} signedUrl
 * @returns {string}
 */
export function withSigningQuery(url, signedUrl) {
	const {path, pairs, fragment} = splitUrl(url);
	const kept = pairs.filter((pair) => !isSigningPair(pair));
	const query = [...kept, signingQuery(signedUrl)].filter(Boolean).join('&');
	return `${path}?${query}${fragment}`;
}

/**
 * Splits a URL into the part before the query, the raw name=value pairs of
 * its query and its fragment with the `#`.
 *
 * @param {string} url
 */
function splitUrl(url) {
	const hash = url.indexOf('#');
	const fragment = hash < 0 ? '' : url.slice(hash);
	const base = hash < 0 ? url : url.slice(0, hash);
	const question = base.indexOf('?');
	const path = question < 0 ? base : base.slice(0, question);
	const query = question < 0 ? '' : base.slice(question + 1);
	return {path, pairs: query.split('&').filter(Boolean), fragment};
}

/** @param {string} pair */
function isSigningPair(pair) {
	const name = pair.split('=', 1)[0];
	return SIGNING_PARAMETERS.includes(name);
}
